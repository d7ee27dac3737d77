import type { Thresholds } from "./config";

/** The measured values thresholds are compared against; null = not measured in this run. */
export interface ThresholdInputs {
    cachedRatio: number | null;
    p50Ms: number | null;
    p99Ms: number | null;
    ttftP50Ms: number | null;
    errorRate: number | null;
    rps: number | null;
    goodput: number | null;
}

export interface ThresholdResult {
    name: string;
    /** Human form of the condition, e.g. ">= 0.5". */
    limit: string;
    actual: number | null;
    pass: boolean;
    message: string;
}

interface Rule {
    key: keyof Thresholds;
    name: string;
    input: keyof ThresholdInputs;
    direction: "min" | "max";
    unit: string;
}

const RULES: readonly Rule[] = [
    { key: "minCachedRatio", name: "cached-token ratio", input: "cachedRatio", direction: "min", unit: "" },
    { key: "maxP50Ms", name: "latency p50", input: "p50Ms", direction: "max", unit: " ms" },
    { key: "maxP99Ms", name: "latency p99", input: "p99Ms", direction: "max", unit: " ms" },
    { key: "maxTtftP50Ms", name: "TTFT p50", input: "ttftP50Ms", direction: "max", unit: " ms" },
    { key: "maxErrorRate", name: "error rate", input: "errorRate", direction: "max", unit: "" },
    { key: "minRps", name: "throughput", input: "rps", direction: "min", unit: " req/s" },
    { key: "minGoodput", name: "goodput (share within SLOs)", input: "goodput", direction: "min", unit: "" },
];

function show(value: number, unit: string): string {
    const rounded = Math.abs(value) >= 100 ? value.toFixed(0) : Number(value.toPrecision(3)).toString();
    return `${rounded}${unit}`;
}

/**
 * Only thresholds given on the command line are evaluated. One that cannot be measured (its phase was skipped or
 * produced no data) fails: the user asked for a guarantee this run cannot give.
 */
export function evaluateThresholds(thresholds: Thresholds, inputs: ThresholdInputs): ThresholdResult[] {
    const results: ThresholdResult[] = [];
    for (const rule of RULES) {
        const limit = thresholds[rule.key];
        if (limit === undefined) continue;
        const actual = inputs[rule.input];
        const op = rule.direction === "min" ? ">=" : "<=";
        const limitText = `${op} ${show(limit, rule.unit)}`;
        if (actual === null) {
            results.push({ name: rule.name, limit: limitText, actual: null, pass: false, message: `${rule.name}: not measured (phase skipped or no successful requests), required ${limitText}` });
            continue;
        }
        const pass = rule.direction === "min" ? actual >= limit : actual <= limit;
        results.push({
            name: rule.name,
            limit: limitText,
            actual,
            pass,
            message: `${rule.name} ${show(actual, rule.unit)} ${pass ? "meets" : "misses"} ${limitText}`,
        });
    }
    return results;
}

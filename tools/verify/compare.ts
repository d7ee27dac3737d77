/**
 * `verify compare A.json B.json`: two runs side by side with B/A ratios (prefix vs round-robin routing, before vs
 * after an upgrade). Reports are read as written by `verify --json` or `--report-dir`; an unknown schema is refused.
 */
import Table from "cli-table3";
import { cacheOf, mainPhase } from "./html";
import { REPORT_SCHEMA, type VerifyReport } from "./run";

export interface ComparisonRow {
    metric: string;
    /** "higher" when more is better, "lower" when less is better. */
    better: "higher" | "lower";
    a: number | null;
    b: number | null;
    /** b / a; null when either is missing or a is 0. */
    ratio: number | null;
}

type Pick = (r: VerifyReport) => number | null | undefined;

const METRICS: readonly [string, "higher" | "lower", Pick][] = [
    ["cached-token ratio", "higher", (r) => cacheOf(r)?.cachedRatio],
    ["routing affinity", "higher", (r) => cacheOf(r)?.affinity?.tokenRatio],
    ["full-prefix hit share", "higher", (r) => cacheOf(r)?.affinity?.fullHitShare],
    ["later TTFT p50 (cache), ms", "lower", (r) => median((cacheOf(r)?.groups ?? []).flatMap((g) => (g.laterTtftMs === null ? [] : [g.laterTtftMs])))],
    ["requests/s", "higher", (r) => mainPhase(r)?.rps],
    ["output tokens/s", "higher", (r) => mainPhase(r)?.outputTokensPerSec],
    ["TTFT p50, ms", "lower", (r) => mainPhase(r)?.ttft?.p50],
    ["TTFT p99, ms", "lower", (r) => mainPhase(r)?.ttft?.p99],
    ["e2e p50, ms", "lower", (r) => mainPhase(r)?.latency?.p50],
    ["e2e p99, ms", "lower", (r) => mainPhase(r)?.latency?.p99],
    ["TPOT p50, ms", "lower", (r) => mainPhase(r)?.tpot?.p50],
    ["ITL p50, ms", "lower", (r) => mainPhase(r)?.itl?.p50],
    ["goodput share", "higher", (r) => mainPhase(r)?.goodput?.share],
    ["shared-prefix cached ratio (load)", "higher", (r) => mainPhase(r)?.cachedRatio],
    ["error rate", "lower", (r) => mainPhase(r)?.errorRate],
];

function median(values: number[]): number | null {
    if (values.length === 0) return null;
    const sorted = [...values].sort((x, y) => x - y);
    return sorted[Math.ceil(sorted.length / 2) - 1];
}

export function compareReports(a: VerifyReport, b: VerifyReport): ComparisonRow[] {
    return METRICS.map(([metric, better, pick]) => {
        const va = pick(a) ?? null;
        const vb = pick(b) ?? null;
        return { metric, better, a: va, b: vb, ratio: va !== null && vb !== null && va !== 0 ? vb / va : null };
    });
}

/** Parses one report file's text; throws a one-line reason when it is not a verify report of this schema. */
export function parseReport(text: string, name: string): VerifyReport {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw new Error(`${name} is not JSON`);
    }
    const schema = typeof value === "object" && value !== null ? (value as { schema?: unknown }).schema : undefined;
    if (schema !== REPORT_SCHEMA) throw new Error(`${name} is not a ${REPORT_SCHEMA} report (schema ${JSON.stringify(schema ?? null)})`);
    return value as VerifyReport;
}

const show = (v: number | null) => (v === null ? "-" : Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

export function formatComparison(rows: readonly ComparisonRow[], labelA: string, labelB: string): string {
    const t = new Table({ head: ["Metric", labelA, labelB, `${labelB} / ${labelA}`, "better"], style: { head: [], border: [], compact: true } });
    for (const r of rows) {
        if (r.a === null && r.b === null) continue;
        t.push([r.metric, show(r.a), show(r.b), r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`, r.better]);
    }
    return `${t.toString()}\n`;
}

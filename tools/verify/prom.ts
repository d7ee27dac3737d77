/**
 * Minimal Prometheus text-format reader: sums every series of a metric name across labels (all replicas or
 * engines a scrape happens to cover). Enough for counter deltas; not a general parser.
 */
export type MetricTotals = Map<string, number>;

export function parsePrometheus(text: string): MetricTotals {
    const totals: MetricTotals = new Map();
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const nameEnd = line.search(/[{\s]/);
        if (nameEnd <= 0) continue;
        const name = line.slice(0, nameEnd);
        let rest = line.slice(nameEnd);
        if (rest.startsWith("{")) {
            const close = closingBrace(rest);
            if (close === -1) continue;
            rest = rest.slice(close + 1);
        }
        const valueText = rest.trim().split(/\s+/)[0];
        const value = parseValue(valueText);
        if (value === null) continue;
        totals.set(name, (totals.get(name) ?? 0) + value);
    }
    return totals;
}

/** Label values may contain '}' inside quotes, so the closing brace is found with quote awareness. */
function closingBrace(text: string): number {
    let quoted = false;
    for (let i = 1; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === "\\") i++;
            else if (c === '"') quoted = false;
        } else if (c === '"') quoted = true;
        else if (c === "}") return i;
    }
    return -1;
}

function parseValue(text: string | undefined): number | null {
    if (text === undefined || text === "") return null;
    if (text === "+Inf") return Infinity;
    if (text === "-Inf") return -Infinity;
    const n = Number(text);
    return Number.isNaN(n) ? null : n;
}

/** prometheus_client exposes counter "x" as "x_total"; accept either spelling. */
export function metric(totals: MetricTotals, name: string): number | null {
    return totals.get(name) ?? totals.get(`${name}_total`) ?? null;
}

export interface PrefixCacheCounters {
    queries: number;
    hits: number;
}

export function prefixCacheCounters(totals: MetricTotals): PrefixCacheCounters | null {
    const queries = metric(totals, "vllm:prefix_cache_queries");
    const hits = metric(totals, "vllm:prefix_cache_hits");
    return queries === null || hits === null ? null : { queries, hits };
}

export interface ServerLatencyTotals {
    e2eSum: number;
    e2eCount: number;
    ttftSum: number;
    ttftCount: number;
}

export function serverLatencyTotals(totals: MetricTotals): ServerLatencyTotals | null {
    const e2eSum = totals.get("vllm:e2e_request_latency_seconds_sum");
    const e2eCount = totals.get("vllm:e2e_request_latency_seconds_count");
    if (e2eSum === undefined || e2eCount === undefined) return null;
    return {
        e2eSum,
        e2eCount,
        ttftSum: totals.get("vllm:time_to_first_token_seconds_sum") ?? 0,
        ttftCount: totals.get("vllm:time_to_first_token_seconds_count") ?? 0,
    };
}

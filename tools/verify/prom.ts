/**
 * Minimal Prometheus text-format reader: sums every series of a metric name across labels (all replicas or
 * engines a scrape happens to cover). Enough for counter deltas; not a general parser.
 */
export type MetricTotals = Map<string, number>;

/** One sample line: metric name, its labels, its value. */
export interface Series {
    name: string;
    labels: Record<string, string>;
    value: number;
}

/** Every sample line of a scrape, with labels; comments and unparseable lines are skipped. */
export function parseSeries(text: string): Series[] {
    const series: Series[] = [];
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const nameEnd = line.search(/[{\s]/);
        if (nameEnd <= 0) continue;
        const name = line.slice(0, nameEnd);
        let rest = line.slice(nameEnd);
        let labels: Record<string, string> = {};
        if (rest.startsWith("{")) {
            const close = closingBrace(rest);
            if (close === -1) continue;
            labels = parseLabels(rest.slice(1, close));
            rest = rest.slice(close + 1);
        }
        const value = parseValue(rest.trim().split(/\s+/)[0]);
        if (value === null) continue;
        series.push({ name, labels, value });
    }
    return series;
}

export function parsePrometheus(text: string): MetricTotals {
    const totals: MetricTotals = new Map();
    for (const s of parseSeries(text)) totals.set(s.name, (totals.get(s.name) ?? 0) + s.value);
    return totals;
}

/** name="value" pairs separated by commas; values unescape \\, \" and \n as the text format defines. */
export function parseLabels(body: string): Record<string, string> {
    const labels: Record<string, string> = {};
    const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/g;
    for (const m of body.matchAll(pattern)) {
        labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    return labels;
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

/**
 * The block size the server itself reports: vLLM exports its CacheConfig as the info gauge vllm:cache_config_info
 * with one label per field, block_size among them (upstream row "cache_config_info"). null when absent.
 */
export function servedBlockSize(series: readonly Series[]): number | null {
    for (const s of series) {
        if (s.name !== "vllm:cache_config_info") continue;
        const text = s.labels.block_size;
        if (text !== undefined && /^[1-9]\d*$/.test(text)) return Number(text);
    }
    return null;
}

/** Labels that say what is measured rather than where: series differing only in these are the same replica. */
const NON_REPLICA_LABELS = new Set(["model_name", "le", "finished_reason"]);

function replicaKey(labels: Record<string, string>): string {
    return Object.entries(labels)
        .filter(([k]) => !NON_REPLICA_LABELS.has(k))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
}

export interface ReplicaCounters {
    /** The distinguishing labels, e.g. "engine=0,replica=2"; "" when there are none. */
    replica: string;
    queries: number;
    hits: number;
    requests: number;
}

/** Prefix-cache queries/hits and finished requests per replica (per distinct label set), in label order. */
export function replicaCounters(series: readonly Series[]): ReplicaCounters[] {
    const byReplica = new Map<string, ReplicaCounters>();
    const pick = (name: string, field: "queries" | "hits" | "requests") => {
        for (const s of series) {
            if (s.name !== name && s.name !== `${name}_total`) continue;
            const key = replicaKey(s.labels);
            const entry = byReplica.get(key) ?? { replica: key, queries: 0, hits: 0, requests: 0 };
            entry[field] += s.value;
            byReplica.set(key, entry);
        }
    };
    pick("vllm:prefix_cache_queries", "queries");
    pick("vllm:prefix_cache_hits", "hits");
    pick("vllm:request_success", "requests");
    return [...byReplica.values()].sort((a, b) => a.replica.localeCompare(b.replica, undefined, { numeric: true }));
}

/** after - before per replica; replicas missing before count from zero. */
export function replicaDeltas(before: readonly ReplicaCounters[], after: readonly ReplicaCounters[]): ReplicaCounters[] {
    return after.map((a) => {
        const b = before.find((x) => x.replica === a.replica);
        return { replica: a.replica, queries: a.queries - (b?.queries ?? 0), hits: a.hits - (b?.hits ?? 0), requests: a.requests - (b?.requests ?? 0) };
    });
}

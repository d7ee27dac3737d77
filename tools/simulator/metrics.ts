import type { Replica } from "./replica";

/**
 * Prometheus text exposition with vLLM's metric names. prometheus_client appends _total to counters, so the
 * scraped names are e.g. vllm:prefix_cache_hits_total; readers should accept both spellings.
 */
export function renderMetrics(replicas: readonly Replica[], model: string): string {
    const lines: string[] = [];
    const labels = (r: Replica, extra = "") => `{engine="0",model_name="${escapeLabel(model)}",replica="${r.index}"${extra}}`;
    const family = (name: string, type: "counter" | "gauge", help: string, pick: (r: Replica) => number) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        const metricName = type === "counter" ? `${name}_total` : name;
        for (const r of replicas) lines.push(`${metricName}${labels(r)} ${formatValue(pick(r))}`);
    };
    const histogram = (name: string, help: string, sum: (r: Replica) => number, count: (r: Replica) => number) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
        for (const r of replicas) {
            lines.push(`${name}_bucket${labels(r, `,le="+Inf"`)} ${count(r)}`);
            lines.push(`${name}_sum${labels(r)} ${formatValue(sum(r))}`);
            lines.push(`${name}_count${labels(r)} ${count(r)}`);
        }
    };
    family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.", (r) => r.counters.running);
    family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", () => 0);
    family("vllm:prefix_cache_queries", "counter", "Prefix cache queries, in terms of number of queried tokens.", (r) => r.cache.stats().queries);
    family("vllm:prefix_cache_hits", "counter", "Prefix cache hits, in terms of number of cached tokens.", (r) => r.cache.stats().hits);
    family("vllm:prompt_tokens", "counter", "Number of prefill tokens processed.", (r) => r.counters.promptTokens);
    family("vllm:generation_tokens", "counter", "Number of generation tokens processed.", (r) => r.counters.generationTokens);
    family("vllm:request_success", "counter", "Count of successfully processed requests.", (r) => r.counters.requestsSuccess);
    histogram(
        "vllm:time_to_first_token_seconds",
        "Histogram of time to first token in seconds.",
        (r) => r.counters.ttftSecondsSum,
        (r) => r.counters.ttftCount,
    );
    histogram(
        "vllm:e2e_request_latency_seconds",
        "Histogram of e2e request latency in seconds.",
        (r) => r.counters.e2eSecondsSum,
        (r) => r.counters.e2eCount,
    );
    return `${lines.join("\n")}\n`;
}

function escapeLabel(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
    return Number.isInteger(v) ? `${v}.0` : String(v);
}

import type { Histogram } from "./histogram";
import type { SimulatorOptions } from "./options";
import type { Replica } from "./replica";

/**
 * Prometheus text exposition with vLLM's metric names. prometheus_client appends _total to counters, so the
 * scraped names are e.g. vllm:prefix_cache_hits_total; readers should accept both spellings. The `replica` label
 * is the simulator's own: real vLLM serves one engine per pod and /metrics per pod.
 */
export function renderMetrics(replicas: readonly Replica[], options: Pick<SimulatorOptions, "model" | "blockSize" | "maxNumSeqs" | "capacityBlocks">): string {
    const lines: string[] = [];
    const labels = (r: Replica, extra = "") => `{engine="0",model_name="${escapeLabel(options.model)}",replica="${r.index}"${extra}}`;
    const family = (name: string, type: "counter" | "gauge", help: string, pick: (r: Replica) => number) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        const metricName = type === "counter" ? `${name}_total` : name;
        for (const r of replicas) lines.push(`${metricName}${labels(r)} ${formatValue(pick(r))}`);
    };
    const histogram = (name: string, help: string, pick: (r: Replica) => Histogram) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
        for (const r of replicas) {
            const h = pick(r);
            for (const b of h.cumulative()) lines.push(`${name}_bucket${labels(r, `,le="${b.le}"`)} ${formatValue(b.count)}`);
            lines.push(`${name}_sum${labels(r)} ${formatValue(h.sum)}`);
            lines.push(`${name}_count${labels(r)} ${formatValue(h.count)}`);
        }
    };
    // vLLM exports its CacheConfig as an info gauge, one label per field (upstream row "cache_config_info").
    lines.push("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig", "# TYPE vllm:cache_config_info gauge");
    for (const r of replicas) {
        lines.push(`vllm:cache_config_info${labels(r, `,block_size="${options.blockSize}",enable_prefix_caching="${options.capacityBlocks > 0 ? "True" : "False"}",num_gpu_blocks="${options.capacityBlocks}"`)} 1.0`);
    }
    family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.", (r) => r.counters.running);
    family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", (r) => r.waitingCount);
    family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.", (r) => r.kvCacheUsage());
    family("vllm:prefix_cache_queries", "counter", "Prefix cache queries, in terms of number of queried tokens.", (r) => r.cache.stats().queries);
    family("vllm:prefix_cache_hits", "counter", "Prefix cache hits, in terms of number of cached tokens.", (r) => r.cache.stats().hits);
    family("vllm:prompt_tokens", "counter", "Number of prefill tokens processed.", (r) => r.counters.promptTokens);
    family("vllm:generation_tokens", "counter", "Number of generation tokens processed.", (r) => r.counters.generationTokens);
    family("vllm:request_success", "counter", "Count of successfully processed requests.", (r) => r.counters.requestsSuccess);
    histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", (r) => r.histograms.ttft);
    histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", (r) => r.histograms.e2e);
    histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", (r) => r.histograms.queue);
    histogram("vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", (r) => r.histograms.tpot);
    return `${lines.join("\n")}\n`;
}

function escapeLabel(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
    return Number.isInteger(v) ? `${v}.0` : String(v);
}

/**
 * Every metric the dashboard, the alerts and the outputs may name, per component, as the pinned versions expose
 * them on /metrics. A query naming anything else is refused when it is built (`assertKnownMetrics`), so a rename
 * upstream fails a test here instead of leaving a panel silently empty. When a pin moves (vLLM image, EPP image,
 * Istio), re-read the source below and update this table first.
 *
 * Exposed names, not declared ones: vLLM declares counters without `_total` and prometheus_client appends it
 * (`vllm:prefix_cache_hits` is scraped as `vllm:prefix_cache_hits_total`); a histogram `x` is scraped as
 * `x_bucket`, `x_sum` and `x_count`. The EPP (Go client) and Envoy export names as written.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface ComponentMetrics {
    /** What exposes them, at which pinned version. */
    source: string;
    metrics: Readonly<Record<string, MetricType>>;
}

export const METRICS = {
    /** vLLM v0.11.2 (RHAIIS 3.2.5 image): vllm/v1/metrics/loggers.py, PrometheusStatLogger; labels model_name, engine. */
    vllm: {
        source: "vLLM v0.11.2 (red-hat-data-services/vllm-cpu@275de3417065 vllm/v1/metrics/loggers.py)",
        metrics: {
            "vllm:num_requests_running": "gauge",
            "vllm:num_requests_waiting": "gauge",
            "vllm:kv_cache_usage_perc": "gauge",
            "vllm:prefix_cache_queries_total": "counter",
            "vllm:prefix_cache_hits_total": "counter",
            "vllm:request_success_total": "counter",
            "vllm:prompt_tokens_total": "counter",
            "vllm:generation_tokens_total": "counter",
            "vllm:num_preemptions_total": "counter",
            "vllm:time_to_first_token_seconds": "histogram",
            "vllm:request_time_per_output_token_seconds": "histogram",
            "vllm:inter_token_latency_seconds": "histogram",
            "vllm:e2e_request_latency_seconds": "histogram",
            "vllm:request_queue_time_seconds": "histogram",
        },
    },
    /** The EPP, llm-d-inference-scheduler v0.7.0 = GIE v1.4.0 pkg/epp/metrics/metrics.go (no namespace: `<subsystem>_<name>`). */
    epp: {
        source: "GIE v1.4.0 (kubernetes-sigs/gateway-api-inference-extension@6e787dd396f0 pkg/epp/metrics/metrics.go)",
        metrics: {
            inference_objective_request_total: "counter",
            inference_objective_request_error_total: "counter",
            inference_pool_average_kv_cache_utilization: "gauge",
            inference_pool_average_queue_size: "gauge",
            inference_pool_ready_pods: "gauge",
            inference_extension_scheduler_e2e_duration_seconds: "histogram",
            inference_extension_prefix_indexer_hit_ratio: "histogram",
        },
    },
    /** The gateway's Envoy: Istio's stats filter (istio/proxy@e87e0a25e2b6, the proxy of Istio 1.27.3). */
    gateway: {
        source: "Istio 1.27.3 proxy (istio/proxy@e87e0a25e2b6 source/extensions/filters/http/istio_stats/istio_stats.cc)",
        metrics: {
            istio_requests_total: "counter",
            istio_request_duration_milliseconds: "histogram",
        },
    },
} as const satisfies Record<string, ComponentMetrics>;

export type MonitoredComponent = keyof typeof METRICS;

/** The series names one component's metrics are scraped as (histograms expand to their three series). */
export function seriesNames(component: MonitoredComponent): string[] {
    return Object.entries(METRICS[component].metrics as Record<string, MetricType>).flatMap(([name, type]) =>
        type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
    );
}

/** Every series any query may name. */
export function allSeriesNames(): Set<string> {
    return new Set((Object.keys(METRICS) as MonitoredComponent[]).flatMap(seriesNames));
}

/** The metric names a PromQL query selects: this module's builder writes every selector as `{__name__="..."}`. */
export function queriedMetrics(query: string): string[] {
    return [...query.matchAll(/__name__="([^"]+)"/g)].map((m) => m[1]);
}

/** Throws, naming the query and the metric, when a query selects a series the pinned versions do not expose. */
export function assertKnownMetrics(query: string): string {
    const known = allSeriesNames();
    const unknown = queriedMetrics(query).filter((m) => !known.has(m));
    if (unknown.length > 0) {
        throw new Error(`query names metrics the pinned versions do not expose (${unknown.join(", ")}); see components/monitoring/metrics.ts: ${query}`);
    }
    if (queriedMetrics(query).length === 0) throw new Error(`query selects no metric by __name__: ${query}`);
    return query;
}

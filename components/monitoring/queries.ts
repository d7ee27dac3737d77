import { kserveNames, monitoringNames } from "../../config/names";
import { StackConfig } from "../../config/types";
import { assertKnownMetrics } from "./metrics";

/**
 * The PromQL the dashboard, the alerts and the outputs run, built in one place. Every selector names its metric as
 * `{__name__="..."}`: vLLM's names contain a colon, which Cloud Monitoring's PromQL would otherwise read as a
 * Monitoring metric domain (`domain:path`); the `__name__` form is plain PromQL and selects the Prometheus metric.
 * Every selector is scoped to this cluster and to one PodMonitoring (`job` is its name, `namespace` the pods').
 */

export interface Scope {
    cluster: string;
    namespace: string;
    job: string;
}

/** One label matcher: `=`, `!=`, `=~` or `!~` against a value. */
export type Matcher = [label: string, op: "=" | "!=" | "=~" | "!~", value: string];

/** `{__name__="metric",cluster="...",namespace="...",job="...",...}`. */
export function selector(metric: string, scope: Scope, matchers: Matcher[] = []): string {
    const all: Matcher[] = [["__name__", "=", metric], ["cluster", "=", scope.cluster], ["namespace", "=", scope.namespace], ["job", "=", scope.job], ...matchers];
    return `{${all.map(([l, op, v]) => `${l}${op}${JSON.stringify(v)}`).join(",")}}`;
}

/**
 * The rate window: at least 5 minutes, and at least four scrapes, so a rate always has samples to work with.
 */
export function rateWindow(scrapeIntervalSeconds: number): string {
    return `${Math.max(300, 4 * scrapeIntervalSeconds)}s`;
}

export const QUANTILES = [0.5, 0.9, 0.99] as const;

/** Named queries; each is checked against the pinned metric names when it is built. */
export function queries(config: StackConfig) {
    const w = config.workload;
    const clusterName = config.cluster.name;
    const names = monitoringNames(w, config.gateway);
    const vllm: Scope = { cluster: clusterName, namespace: w.namespace, job: names.vllmPodMonitoring };
    const epp: Scope = { cluster: clusterName, namespace: w.namespace, job: names.eppPodMonitoring };
    const gateway: Scope = { cluster: clusterName, namespace: config.gateway.namespace, job: names.gatewayPodMonitoring };
    const win = rateWindow(config.monitoring.scrapeIntervalSeconds);
    const rate = (metric: string, scope: Scope, matchers: Matcher[] = []) => `rate(${selector(metric, scope, matchers)}[${win}])`;
    const quantiles = (histogram: string) =>
        QUANTILES.map((q) => assertKnownMetrics(`histogram_quantile(${q}, sum by (le) (${rate(`${histogram}_bucket`, vllm)}))`));
    const pool: Matcher[] = [["name", "=", kserveNames(w).inferencePool]];
    // The service's traffic through the gateway (its routes lead to Services in the workload namespace).
    const toService: Matcher[] = [["destination_service_namespace", "=", w.namespace]];
    const serverErrors: Matcher[] = [["response_code", "=~", "5.."]];
    const q = (text: string) => assertKnownMetrics(text);

    const hits = (by: string) => `sum${by} (${rate("vllm:prefix_cache_hits_total", vllm)})`;
    const lookups = (by: string) => `sum${by} (${rate("vllm:prefix_cache_queries_total", vllm)})`;
    const gatewayRequests = (matchers: Matcher[]) => `sum (${rate("istio_requests_total", gateway, [...toService, ...matchers])})`;

    return {
        /** Requests/s the EPP scheduled, per model. */
        eppRequests: q(`sum by (model_name) (${rate("inference_objective_request_total", epp)})`),
        /** Requests/s each vLLM replica finished. */
        replicaRequests: q(`sum by (pod) (${rate("vllm:request_success_total", vllm)})`),
        ttft: quantiles("vllm:time_to_first_token_seconds"),
        tpot: quantiles("vllm:request_time_per_output_token_seconds"),
        e2e: quantiles("vllm:e2e_request_latency_seconds"),
        running: q(`sum by (pod) (${selector("vllm:num_requests_running", vllm)})`),
        waiting: q(`sum by (pod) (${selector("vllm:num_requests_waiting", vllm)})`),
        kvCache: q(`max by (pod) (${selector("vllm:kv_cache_usage_perc", vllm)})`),
        /** vLLM's own prefix-cache hit rate, tokens served from cache / tokens looked up, all replicas. */
        cacheHitRate: q(`${hits("")} / ${lookups("")}`),
        cacheHitRatePerReplica: q(`${hits(" by (pod)")} / ${lookups(" by (pod)")}`),
        /** The EPP's prefix indexer: the mean share of a prompt's blocks it found on the chosen replica (a histogram). */
        eppPrefixHitRatio: q(
            `sum (${rate("inference_extension_prefix_indexer_hit_ratio_sum", epp)}) / sum (${rate("inference_extension_prefix_indexer_hit_ratio_count", epp)})`,
        ),
        readyReplicas: q(`max (${selector("inference_pool_ready_pods", epp, pool)})`),
        eppErrors: q(`sum by (error_code) (${rate("inference_objective_request_error_total", epp)})`),
        gateway5xx: q(gatewayRequests(serverErrors)),
        gateway5xxRatio: q(`${gatewayRequests(serverErrors)} / ${gatewayRequests([])}`),
    };
}

export type Queries = ReturnType<typeof queries>;

import { describe, expect, it } from "vitest";
import { alertPolicies } from "../../components/monitoring/alerts";
import { dashboardDefinition } from "../../components/monitoring/dashboard";
import { METRICS, allSeriesNames, assertKnownMetrics, queriedMetrics, seriesNames } from "../../components/monitoring/metrics";
import { queries, rateWindow, selector } from "../../components/monitoring/queries";
import { StackConfig } from "../../config/types";
import { stackConfig } from "../workload/fixtures";

const CHANNEL = "projects/test-project/notificationChannels/7";

/** Every PromQL query the stack sends anywhere: dashboard data sets, alert conditions, the output. */
function everyQuery(config: StackConfig): string[] {
    const dashboard = dashboardDefinition(config).mosaicLayout.tiles.flatMap((t) => t.widget.xyChart.dataSets.map((d) => d.timeSeriesQuery.prometheusQuery));
    const alerts = Object.values(alertPolicies(config, config.monitoring.alerts!)).map(
        (p) => (p!.conditions as { conditionPrometheusQueryLanguage: { query: string } }[])[0].conditionPrometheusQueryLanguage.query,
    );
    return [...dashboard, ...alerts, queries(config).cacheHitRate];
}

/** PromQL words that are not metric names: functions, aggregations, keywords. */
const PROMQL_WORDS = new Set(["sum", "max", "rate", "histogram_quantile", "by", "or", "vector"]);

/**
 * The identifiers a query uses outside label matchers and strings, minus `by (...)` label lists: what PromQL would
 * read as bare metric names if they are not functions or keywords.
 */
function bareIdentifiers(query: string): string[] {
    const stripped = query
        .replace(/"(\\.|[^"\\])*"/g, '""')
        .replace(/\{[^}]*\}/g, "{}")
        .replace(/\bby \([^)]*\)/g, "by ()")
        .replace(/\[[^\]]*\]/g, "[]");
    return [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]);
}

describe("metric names come from the pinned versions", () => {
    const config = stackConfig({ alerts: true, alertNotificationChannel: CHANNEL });
    const all = () => everyQuery(config);

    it("every query selects only series listed for vLLM v0.11.2, GIE v1.4.0 and Istio 1.27.3", () => {
        // Rows: "vLLM v0.11.2 metric names", "EPP (GIE v1.4.0) metric names", "Istio stats filter metric names".
        const known = allSeriesNames();
        expect(all().length).toBeGreaterThan(20);
        for (const q of all()) {
            const named = queriedMetrics(q);
            expect(named.length, q).toBeGreaterThan(0);
            for (const m of named) expect(known.has(m), `${m} in ${q}`).toBe(true);
        }
    });

    it("every metric is selected by __name__, never as a bare identifier", () => {
        for (const q of all()) {
            for (const id of bareIdentifiers(q)) expect(PROMQL_WORDS.has(id), `${id} in ${q}`).toBe(true);
        }
    });

    it("the dashboard, the alerts and the output together use every listed metric family but the spare ones", () => {
        const used = new Set(all().flatMap(queriedMetrics).map((m) => m.replace(/_(bucket|sum|count)$/, "")));
        const spare = ["vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:num_preemptions_total", "vllm:inter_token_latency_seconds", "vllm:request_queue_time_seconds", "inference_pool_average_kv_cache_utilization", "inference_pool_average_queue_size", "inference_extension_scheduler_e2e_duration_seconds", "istio_request_duration_milliseconds"];
        const listed = Object.values(METRICS).flatMap((c) => Object.keys(c.metrics));
        expect(listed.filter((m) => !used.has(m)).sort()).toEqual(spare.sort());
    });

    it("lists vLLM counters as scraped (prometheus_client appends _total) and expands histograms", () => {
        // Row: "prometheus_client exposes a Counter with a _total suffix".
        expect(seriesNames("vllm")).toContain("vllm:prefix_cache_hits_total");
        expect(seriesNames("vllm")).not.toContain("vllm:prefix_cache_hits");
        expect(seriesNames("epp")).toEqual(
            expect.arrayContaining([
                "inference_extension_prefix_indexer_hit_ratio_bucket",
                "inference_extension_prefix_indexer_hit_ratio_sum",
                "inference_extension_prefix_indexer_hit_ratio_count",
            ]),
        );
        // Row: "EPP prefix_indexer_hit_ratio is a histogram": no plain gauge series of that name.
        expect(seriesNames("epp")).not.toContain("inference_extension_prefix_indexer_hit_ratio");
        expect(seriesNames("gateway")).toEqual([
            "istio_requests_total",
            "istio_request_duration_milliseconds_bucket",
            "istio_request_duration_milliseconds_sum",
            "istio_request_duration_milliseconds_count",
        ]);
    });

    it("refuses a query naming a metric the pinned versions do not expose, or none", () => {
        const renamed = `sum(${selector("vllm:gpu_cache_usage_perc", { cluster: "c", namespace: "n", job: "j" })})`;
        const two = `${renamed} / sum(${selector("vllm:gpu_prefix_cache_hits", { cluster: "c", namespace: "n", job: "j" })})`;
        expect(() => assertKnownMetrics(two)).toThrow("(vllm:gpu_cache_usage_perc, vllm:gpu_prefix_cache_hits)");
        expect(() => assertKnownMetrics(renamed)).toThrow(
            `query names metrics the pinned versions do not expose (vllm:gpu_cache_usage_perc); see components/monitoring/metrics.ts: ${renamed}`,
        );
        expect(() => assertKnownMetrics("vector(1)")).toThrow("query selects no metric by __name__: vector(1)");
        expect(assertKnownMetrics(`sum(${selector("istio_requests_total", { cluster: "c", namespace: "n", job: "j" })})`)).toContain("istio_requests_total");
    });
});

describe("queries", () => {
    it("scope every selector to the cluster, the namespace and the PodMonitoring's job", () => {
        expect(selector("vllm:num_requests_waiting", { cluster: "c1", namespace: "ns", job: "svc-vllm" })).toBe(
            '{__name__="vllm:num_requests_waiting",cluster="c1",namespace="ns",job="svc-vllm"}',
        );
        expect(selector("vllm:num_requests_waiting", { cluster: "c1", namespace: "ns", job: "svc-vllm" }, [["response_code", "=~", "5.."]])).toBe(
            '{__name__="vllm:num_requests_waiting",cluster="c1",namespace="ns",job="svc-vllm",response_code=~"5.."}',
        );
    });

    it("use a rate window of at least 5 minutes and 4 scrapes", () => {
        expect(rateWindow(30)).toBe("300s");
        expect(rateWindow(75)).toBe("300s");
        expect(rateWindow(76)).toBe("304s");
        expect(rateWindow(300)).toBe("1200s");
    });

    it("give the cache hit rate as vLLM's hits over lookups across replicas", () => {
        const q = queries(stackConfig());
        const s = (m: string) => `{__name__="${m}",cluster="rhaii-tpu-scaleout-cluster",namespace="rhaii-inference",job="qwen-3b-tpu-svc-vllm"}`;
        expect(q.cacheHitRate).toBe(`sum (rate(${s("vllm:prefix_cache_hits_total")}[300s])) / sum (rate(${s("vllm:prefix_cache_queries_total")}[300s]))`);
        expect(q.cacheHitRatePerReplica).toBe(
            `sum by (pod) (rate(${s("vllm:prefix_cache_hits_total")}[300s])) / sum by (pod) (rate(${s("vllm:prefix_cache_queries_total")}[300s]))`,
        );
        expect(q.ttft[2]).toBe(`histogram_quantile(0.99, sum by (le) (rate(${s("vllm:time_to_first_token_seconds_bucket")}[300s])))`);
    });

    it("read the EPP's pool gauge for this service's InferencePool and the gateway's traffic to this namespace", () => {
        const q = queries(stackConfig({ serviceName: "llama", namespace: "team-a", gatewayName: "gw", gatewayNamespace: "edge", clusterName: "c2" }));
        expect(q.readyReplicas).toBe('max ({__name__="inference_pool_ready_pods",cluster="c2",namespace="team-a",job="llama-epp",name="llama-inference-pool"})');
        expect(q.gateway5xx).toBe(
            'sum (rate({__name__="istio_requests_total",cluster="c2",namespace="edge",job="gw-envoy",destination_service_namespace="team-a",response_code=~"5.."}[300s]))',
        );
        const epp = (m: string) => `rate({__name__="${m}",cluster="c2",namespace="team-a",job="llama-epp"}[300s])`;
        expect(q.eppPrefixHitRatio).toBe(
            `sum (${epp("inference_extension_prefix_indexer_hit_ratio_sum")}) / sum (${epp("inference_extension_prefix_indexer_hit_ratio_count")})`,
        );
        const gw = (extra: string) => `sum (rate({__name__="istio_requests_total",cluster="c2",namespace="edge",job="gw-envoy",destination_service_namespace="team-a"${extra}}[300s]))`;
        expect(q.gateway5xxRatio).toBe(`${gw(',response_code=~"5.."')} / ${gw("")}`);
        expect(q.eppRequests).toBe(`sum by (model_name) (${epp("inference_objective_request_total")})`);
        expect(q.eppErrors).toBe(`sum by (error_code) (${epp("inference_objective_request_error_total")})`);
    });
});

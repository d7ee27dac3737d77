import { describe, expect, it } from "vitest";
import { alertPolicies } from "../../components/monitoring/alerts";
import { COLUMNS, dashboardDefinition } from "../../components/monitoring/dashboard";
import { dashboardUrl } from "../../components/monitoring";
import { queries } from "../../components/monitoring/queries";
import { stackConfig } from "../workload/fixtures";

const CHANNEL = "projects/test-project/notificationChannels/7";

describe("the dashboard", () => {
    const config = stackConfig();
    const d = () => dashboardDefinition(config);
    const q = () => queries(config);

    it("round-trips through JSON as the Monitoring API's Dashboard: a 48-column mosaic of XY charts", () => {
        // Row: "Dashboard JSON: mosaicLayout, xyChart.dataSets[].timeSeriesQuery.prometheusQuery".
        const parsed = JSON.parse(JSON.stringify(d()));
        expect(parsed).toEqual(d());
        expect(Object.keys(parsed).sort()).toEqual(["displayName", "labels", "mosaicLayout"]);
        expect(parsed.displayName).toBe("qwen-3b-tpu-svc inference (rhaii-tpu-scaleout-cluster/rhaii-inference)");
        expect(parsed.mosaicLayout.columns).toBe(48);
        expect(parsed.labels).toEqual({ "managed-by": "pulumi", "part-of": "tpu-inference" });
        for (const t of parsed.mosaicLayout.tiles) {
            expect(Object.keys(t.widget).sort()).toEqual(["title", "xyChart"]);
            for (const set of t.widget.xyChart.dataSets) {
                expect(set).toMatchObject({ plotType: "LINE", targetAxis: "Y1" });
                expect(Object.keys(set.timeSeriesQuery)).toEqual(["prometheusQuery"]);
            }
        }
    });

    it("lays the tiles out two per row without overlap, inside the mosaic", () => {
        const tiles = d().mosaicLayout.tiles;
        expect(tiles.map((t) => [t.xPos, t.yPos])).toEqual(tiles.map((_, i) => [(i % 2) * 24, Math.floor(i / 2) * 16]));
        for (const t of tiles) {
            expect(t.xPos + t.width).toBeLessThanOrEqual(COLUMNS);
            expect([t.width, t.height]).toEqual([24, 16]);
        }
    });

    it("has the issue's panels, each with its queries", () => {
        const panel = (title: string) => d().mosaicLayout.tiles.find((t) => t.widget.title === title)!.widget.xyChart;
        const queriesOf = (title: string) => panel(title).dataSets.map((s) => s.timeSeriesQuery.prometheusQuery);
        expect(d().mosaicLayout.tiles.map((t) => t.widget.title)).toEqual([
            "Requests/s scheduled by the EPP (per model)",
            "Requests/s finished per vLLM replica",
            "Time to first token (p50, p90, p99)",
            "Time per output token (p50, p90, p99)",
            "End-to-end request latency (p50, p90, p99)",
            "Ready replicas in the InferencePool (EPP)",
            "Running requests per replica",
            "Waiting requests per replica",
            "KV-cache usage per replica (1 = full)",
            "Prefix-cache hit rate per replica (vLLM)",
            "Prefix-cache hit rate: vLLM (tokens) vs EPP prefix indexer (blocks)",
            "Errors/s: gateway 5xx and EPP request errors",
        ]);
        expect(queriesOf("Time to first token (p50, p90, p99)")).toEqual(q().ttft);
        expect(panel("Time to first token (p50, p90, p99)").dataSets.map((s) => s.legendTemplate)).toEqual(["p50", "p90", "p99"]);
        expect(panel("Time to first token (p50, p90, p99)").yAxis).toEqual({ label: "s", scale: "LINEAR" });
        expect(queriesOf("Time per output token (p50, p90, p99)")).toEqual(q().tpot);
        expect(queriesOf("End-to-end request latency (p50, p90, p99)")).toEqual(q().e2e);
        expect(queriesOf("Requests/s scheduled by the EPP (per model)")).toEqual([q().eppRequests]);
        expect(queriesOf("Running requests per replica")).toEqual([q().running]);
        expect(queriesOf("Waiting requests per replica")).toEqual([q().waiting]);
        expect(queriesOf("KV-cache usage per replica (1 = full)")).toEqual([q().kvCache]);
        expect(queriesOf("Prefix-cache hit rate: vLLM (tokens) vs EPP prefix indexer (blocks)")).toEqual([q().cacheHitRate, q().eppPrefixHitRatio]);
        expect(panel("Prefix-cache hit rate: vLLM (tokens) vs EPP prefix indexer (blocks)").dataSets.map((s) => s.legendTemplate)).toEqual(["vLLM", "EPP"]);
        expect(queriesOf("Errors/s: gateway 5xx and EPP request errors")).toEqual([q().gateway5xx, q().eppErrors]);
        expect(d().mosaicLayout.tiles.map((t) => t.widget.xyChart.yAxis.label)).toEqual([
            "req/s", "req/s", "s", "s", "s", "pods", "requests", "requests", "fraction", "fraction", "fraction", "errors/s",
        ]);
        expect(d().mosaicLayout.tiles.map((t) => t.widget.xyChart.dataSets.length)).toEqual([1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 2, 2]);
        expect(panel("Errors/s: gateway 5xx and EPP request errors").dataSets.map((s) => s.legendTemplate)).toEqual(["gateway 5xx", undefined]);
        expect(panel("Errors/s: gateway 5xx and EPP request errors").dataSets[1]).not.toHaveProperty("legendTemplate");
        expect(queriesOf("Ready replicas in the InferencePool (EPP)")).toEqual([q().readyReplicas]);
        expect(queriesOf("Requests/s finished per vLLM replica")).toEqual([q().replicaRequests]);
        expect(queriesOf("Prefix-cache hit rate per replica (vLLM)")).toEqual([q().cacheHitRatePerReplica]);
        // Per replica where it matters: by the pod the collector scraped.
        for (const perReplica of [q().replicaRequests, q().running, q().waiting, q().kvCache, q().cacheHitRatePerReplica]) expect(perReplica).toMatch(/^(sum|max) by \(pod\) /);
    });

    it("links to the dashboard in the Cloud console by its id", () => {
        expect(dashboardUrl("projects/123456/dashboards/0a1b-2c", "my-project")).toBe(
            "https://console.cloud.google.com/monitoring/dashboards/builder/0a1b-2c?project=my-project",
        );
    });
});

describe("alert policies", () => {
    const on = { alerts: true, alertNotificationChannel: CHANNEL };

    it("are three PromQL conditions notifying the channel, holding for alertQueueMinutes", () => {
        const config = stackConfig({ ...on, alertQueueThreshold: 12, alertQueueMinutes: 10, alert5xxPercent: 2 });
        const q = queries(config);
        const policies = alertPolicies(config, config.monitoring.alerts!);
        expect(Object.keys(policies)).toEqual(["noReadyReplica", "waitingQueue", "gateway5xx"]);
        const condition = (p: (typeof policies)[keyof typeof policies]) => (p!.conditions as any[])[0].conditionPrometheusQueryLanguage;
        expect(condition(policies.noReadyReplica)).toEqual({ query: `(${q.readyReplicas} or vector(0)) < 1`, duration: "600s", evaluationInterval: "60s" });
        expect(condition(policies.waitingQueue)).toEqual({ query: `${q.waiting} > 12`, duration: "600s", evaluationInterval: "60s" });
        expect(condition(policies.gateway5xx)).toEqual({ query: `${q.gateway5xxRatio} > 0.02`, duration: "600s", evaluationInterval: "60s" });
        for (const p of Object.values(policies)) {
            expect(p).toMatchObject({ project: "test-project", combiner: "OR", notificationChannels: [CHANNEL], userLabels: { "managed-by": "pulumi", "part-of": "tpu-inference" } });
            expect(p!.documentation).toMatchObject({ mimeType: "text/markdown" });
        }
        expect(Object.values(policies).map((p) => (p!.conditions as any[])[0].displayName)).toEqual([
            "no ready replica",
            "more than 12 requests waiting on a replica",
            "gateway 5xx above 2%",
        ]);
        expect((policies.noReadyReplica!.documentation as any).content).toMatch(/^The EPP sees no ready vLLM pod in the InferencePool/);
        expect((policies.waitingQueue!.documentation as any).content).toMatch(/^Requests wait in a vLLM replica's queue/);
        expect((policies.gateway5xx!.documentation as any).content).toMatch(/^The gateway answers this service's requests with 5xx/);
        expect(policies.noReadyReplica!.displayName).toBe("qwen-3b-tpu-svc (rhaii-tpu-scaleout-cluster/rhaii-inference): no ready replica");
        expect(policies.waitingQueue!.displayName).toBe("qwen-3b-tpu-svc (rhaii-tpu-scaleout-cluster/rhaii-inference): more than 12 requests waiting on a replica");
        expect(policies.gateway5xx!.displayName).toBe("qwen-3b-tpu-svc (rhaii-tpu-scaleout-cluster/rhaii-inference): gateway 5xx above 2%");
    });

    it("leave out the no-ready-replica alert when the service is scaled to zero on purpose", () => {
        const config = stackConfig({ ...on, replicas: 0 });
        expect(Object.keys(alertPolicies(config, config.monitoring.alerts!))).toEqual(["waitingQueue", "gateway5xx"]);
    });
});

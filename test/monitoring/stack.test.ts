import { describe, expect, it } from "vitest";
import { validateCustomResource } from "../../crds";
import { CapturedStack, runStack } from "../helpers/stack";

const PM = "kubernetes:monitoring.googleapis.com/v1:PodMonitoring";
const CHANNEL = "projects/test-project/notificationChannels/7";
const monitoringOf = (s: CapturedStack) => s.resources.filter((r) => r.parent === "monitoring");
const cluster = (s: CapturedStack) => s.one("gcp:container/cluster:Cluster").inputs;

describe("monitoring in the whole program (default config)", () => {

    it("is one Monitoring component with the collection objects and the dashboard, and no alerts", async () => {
        const s = await runStack();
        expect(s.one("tpu-inference:monitoring:Monitoring", "monitoring").custom).toBe(false);
        expect(monitoringOf(s).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
            "gcp:monitoring/dashboard:Dashboard monitoring-dashboard",
            "kubernetes:cert-manager.io/v1:Certificate monitoring-metrics-ca",
            "kubernetes:core/v1:Secret monitoring-metrics-reader-token",
            "kubernetes:core/v1:ServiceAccount monitoring-metrics-reader",
            `${PM} monitoring-podmonitoring-epp`,
            `${PM} monitoring-podmonitoring-gateway`,
            `${PM} monitoring-podmonitoring-vllm`,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole monitoring-metrics-reader-role",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding monitoring-metrics-reader-binding",
            "kubernetes:rbac.authorization.k8s.io/v1:Role monitoring-collector-secrets",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding monitoring-collector-secrets",
        ]);
        expect(s.byType("gcp:monitoring/alertPolicy:AlertPolicy")).toEqual([]);
    });

    it("states the cluster's managed collection and keeps its system metrics", async () => {
        const s = await runStack();
        // Row: "GKE MonitoringComponentConfig: an empty component set disables all monitoring".
        expect(cluster(s).monitoringConfig).toEqual({ enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: true } });
    });

    it("puts the workload-namespace objects after the Namespace, and the custom resources after the platform", async () => {
        const s = await runStack();
        for (const r of monitoringOf(s).filter((x) => x.type.startsWith("kubernetes:") && !x.type.includes("ClusterRole") && x.name !== "monitoring-podmonitoring-gateway")) {
            expect(r.dependsOn, r.name).toContain("inference-ns");
            expect((r.inputs.metadata as { namespace: string }).namespace, r.name).toBe("rhaii-inference");
        }
        const platformReady = s.one("tpu-inference:workload:InferenceService", "inference").dependsOn;
        for (const name of ["monitoring-metrics-ca", "monitoring-podmonitoring-vllm", "monitoring-podmonitoring-epp", "monitoring-podmonitoring-gateway"]) {
            const r = monitoringOf(s).find((x) => x.name === name)!;
            expect(r.dependsOn, name).toEqual(expect.arrayContaining(["platform-kserve-release", "platform-gateway-inference-gateway"]));
        }
        expect(platformReady).not.toContain("monitoring");
        // The token controller fills the Secret only for an existing ServiceAccount.
        expect(s.one("kubernetes:core/v1:Secret", "monitoring-metrics-reader-token").dependsOn).toContain("monitoring-metrics-reader");
        // Monitoring never waits for TPU nodes.
        const tpuPool = s.byType("gcp:container/nodePool:NodePool").filter((r) => String((r.inputs.nodeConfig as any)?.machineType).startsWith("ct6e"));
        for (const r of monitoringOf(s)) for (const p of tpuPool) expect(r.dependsOn, r.name).not.toContain(p.name);
    });

    it("renders custom resources valid against their CRD models", async () => {
        const s = await runStack();
        for (const r of monitoringOf(s).filter((x) => x.type === PM || x.type.includes("Certificate"))) {
            expect(validateCustomResource(r.inputs), r.name).toEqual({ valid: true });
        }
    });

    it("creates the dashboard from JSON in the cluster's project", async () => {
        const s = await runStack();
        const d = s.one("gcp:monitoring/dashboard:Dashboard").inputs;
        expect(d.project).toBe("test-project");
        expect(JSON.parse(d.dashboardJson as string).mosaicLayout.tiles).toHaveLength(12);
    });

    it("outputs the dashboard URL and the cache hit rate query", async () => {
        const s = await runStack();
        expect(s.outputs.dashboardUrl).toBe("https://console.cloud.google.com/monitoring/dashboards/builder/monitoring-dashboard-id?project=test-project");
        expect(s.outputs.cacheHitRateQuery).toMatch(/^sum \(rate\(\{__name__="vllm:prefix_cache_hits_total",cluster="rhaii-tpu-scaleout-cluster",namespace="rhaii-inference",job="qwen-3b-tpu-svc-vllm"\}\[300s\]\)\) \/ sum \(rate\(/);
        expect(s.secretOutputs).not.toContain("dashboardUrl");
    });
});

describe("monitoring switches", () => {
    it("monitoring = false turns the cluster's collection off and creates nothing else", async () => {
        const s = await runStack({ config: { monitoring: false } });
        expect(monitoringOf(s)).toEqual([]);
        expect(s.byType(PM)).toEqual([]);
        expect(cluster(s).monitoringConfig).toEqual({ enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: false } });
        expect(s.outputs.dashboardUrl).toBeUndefined();
        expect(s.outputs.cacheHitRateQuery).toBeUndefined();
    });

    it("alerts = true adds the three policies under the component", async () => {
        const s = await runStack({ config: { alerts: true, alertNotificationChannel: CHANNEL } });
        expect(s.byType("gcp:monitoring/alertPolicy:AlertPolicy").map((r) => [r.name, r.parent, r.inputs.notificationChannels])).toEqual([
            ["monitoring-alert-no-ready-replica", "monitoring", [CHANNEL]],
            ["monitoring-alert-waiting-queue", "monitoring", [CHANNEL]],
            ["monitoring-alert-gateway-5xx", "monitoring", [CHANNEL]],
        ]);
    });
});

import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../config";
import { capacityPriority, computeClassObject, computeClassSelection } from "../components/capacity/computeClass";
import { maintenancePolicy } from "../components/maintenancePolicy";
import { tpuPoolAutoscaling } from "../components/tpuNodePool";
import { vllmDisruptionBudget } from "../components/workload/disruption";
import { gatewayAutoscalingOverlays, gatewayParameters } from "../components/platform/gatewayObjects";
import { validateCustomResource } from "../crds";
import { CapturedStack, TEST_SECRETS, runStack } from "./helpers/stack";
import { inputDiff } from "./helpers/diff";
import { CLUSTER, LLMISVC, NODE_POOL } from "./helpers/types";

const COMPUTE_CLASS = "kubernetes:cloud.google.com/v1:ComputeClass";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const SA = "rhaii-tpu-scaleout-clust-nodes@test-project.iam.gserviceaccount.com";

const config = (values: Record<string, string> = {}) =>
    parseConfig({ values: { project: "test-project", ...TEST_SECRETS, ...values }, secretKeys: new Set(Object.keys(TEST_SECRETS)), stack: "test" });

type PodTemplate = { nodeSelector: Record<string, string>; tolerations: unknown[]; terminationGracePeriodSeconds?: number };
const template = (s: CapturedStack) => (s.one(LLMISVC).inputs.spec as { template: PodTemplate }).template;

describe("TPU node pool: scale-down never takes a node from under a serving pod", () => {
    it("always autoscales, also without surge nodes: a fixed size let GKE pick busy nodes (docs/UPSTREAM.md rows \"cluster autoscaler\")", async () => {
        const pinned = await runStack({ config: { tpuSurgeNodes: 0 } });
        const pool = pinned.one(NODE_POOL, "tpu-pool").inputs;
        expect(pool.autoscaling).toEqual({ minNodeCount: 3, maxNodeCount: 3 });
        expect(pool.nodeCount).toBeUndefined();
        expect(pool.initialNodeCount).toBe(3);
    });

    it("a lower replica count only lowers the bounds, in every mode", async () => {
        const base = await runStack({ config: { tpuSurgeNodes: 0 } });
        const two = await runStack({ config: { tpuSurgeNodes: 0, replicas: 2 } });
        expect(two.one(NODE_POOL, "tpu-pool").inputs.autoscaling).toEqual({ minNodeCount: 2, maxNodeCount: 2 });
        const poolChanges = inputDiff(base, two).filter((d) => d.startsWith(`${NODE_POOL} `));
        expect(poolChanges).toEqual([
            `${NODE_POOL} tpu-pool: autoscaling.maxNodeCount`,
            `${NODE_POOL} tpu-pool: autoscaling.minNodeCount`,
            `${NODE_POOL} tpu-pool: initialNodeCount`,
        ]);
        // The service still waits for the pool: the pool's bounds change first, the pods go next, the node last.
        expect(two.one(LLMISVC).dependsOn).toContain("tpu-pool");
    });

    it("keeps a maximum of at least 1 at zero replicas, so scale to zero costs no node", () => {
        const t = config({ replicas: "0", tpuSurgeNodes: "0" }).cluster.tpuPool;
        expect(tpuPoolAutoscaling(t)).toEqual({ minNodeCount: 0, maxNodeCount: 1 });
        expect(tpuPoolAutoscaling(config({ replicas: "0" }).cluster.tpuPool)).toEqual({ minNodeCount: 0, maxNodeCount: 1 });
        expect(tpuPoolAutoscaling(config({ replicas: "2", tpuSurgeNodes: "3" }).cluster.tpuPool)).toEqual({ minNodeCount: 2, maxNodeCount: 5 });
    });

    it("states the upgrade strategy and auto-upgrade explicitly (docs/UPSTREAM.md \"upgrade_settings in place\")", async () => {
        const s = await runStack();
        expect(s.one(NODE_POOL, "tpu-pool").inputs).toMatchObject({
            management: { autoRepair: true, autoUpgrade: true },
            upgradeSettings: { strategy: "SURGE", maxSurge: 0, maxUnavailable: 1 },
        });
        const surge = await runStack({ config: { tpuUpgradeMaxSurge: 1, tpuUpgradeMaxUnavailable: 0 } });
        expect(surge.one(NODE_POOL, "tpu-pool").inputs.upgradeSettings).toEqual({ strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 });
        const manual = await runStack({ config: { tpuAutoUpgrade: false, releaseChannel: "UNSPECIFIED" } });
        expect(manual.one(NODE_POOL, "tpu-pool").inputs.management).toEqual({ autoRepair: true, autoUpgrade: false });
        expect(manual.one(CLUSTER).inputs.releaseChannel).toEqual({ channel: "UNSPECIFIED" });
    });

    it("exports the capacity mode, its sources and the TPU chips requested", async () => {
        const s = await runStack();
        expect(s.outputs).toMatchObject({ tpuCapacityMode: "nodePool", tpuCapacitySources: ["onDemand"], tpuChips: 12 });
        const spot = await runStack({ config: { tpuSpot: true, replicas: 2 } });
        expect(spot.outputs).toMatchObject({ tpuCapacitySources: ["spot"], tpuChips: 8 });
    });
});

describe("computeClass mode", () => {
    const SOURCES = ["reservation", "onDemand", "flexStart", "spot"];
    let s: CapturedStack;
    beforeAll(async () => {
        s = await runStack({ config: { tpuCapacityMode: "computeClass", tpuCapacitySources: SOURCES, tpuReservation: "v6e-res" } });
    });

    it("creates a ComputeClass instead of a node pool, valid against the model of the GKE CRD", () => {
        expect(s.byType(NODE_POOL).map((r) => r.name)).toEqual(["gke-cpu"]);
        const cc = s.one(COMPUTE_CLASS);
        expect(cc.name).toBe("tpu-compute-class");
        expect(cc.parent).toBe("tpu");
        expect(cc.provider).toBe("gke-k8s");
        expect(validateCustomResource(cc.inputs)).toEqual({ valid: true });
        expect(cc.inputs).toMatchObject({
            metadata: { name: "tpu-inference-v6e" },
            spec: {
                whenUnsatisfiable: "DoNotScaleUp",
                nodePoolAutoCreation: { enabled: true },
                activeMigration: { optimizeRulePriority: true },
                nodePoolConfig: { serviceAccount: SA },
            },
        });
    });

    it("asks GKE for the sources in the configured order, each for the v6e machine and topology", () => {
        const node = { machineType: "ct6e-standard-4t", tpu: { type: "tpu-v6e-slice", count: 4, topology: "2x2" }, storage: { bootDiskSize: 200 } };
        expect((s.one(COMPUTE_CLASS).inputs.spec as { priorities: unknown[] }).priorities).toEqual([
            { ...node, spot: false, reservations: { affinity: "Specific", specific: [{ name: "v6e-res" }] } },
            { ...node, spot: false },
            { ...node, flexStart: { enabled: true, nodeRecycling: { leadTimeSeconds: 3600 } }, maxRunDurationSeconds: 604800 },
            { ...node, spot: true },
        ]);
        expect(s.outputs).toMatchObject({ tpuCapacityMode: "computeClass", tpuCapacitySources: SOURCES, tpuChips: 12 });
    });

    it("builds a valid class for each priority list", () => {
        for (const list of [["spot"], ["flexStart", "spot"], ["onDemand", "flexStart"], ["spot", "onDemand"]]) {
            const c = config({ tpuCapacityMode: "computeClass", tpuCapacitySources: JSON.stringify(list), tpuMachineType: "ct6e-standard-8t" }).cluster;
            const cc = computeClassObject(c, SA);
            expect(validateCustomResource(cc), list.join(",")).toEqual({ valid: true });
            expect(cc.metadata).toEqual({
                name: "tpu-inference-v6e",
                labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "tpu-inference", "app.kubernetes.io/component": "tpu-capacity" },
            });
            expect(cc.spec.nodePoolConfig).toEqual({ serviceAccount: SA });
            expect(cc.spec.priorities.map((p) => (p.flexStart ? "flexStart" : p.spot ? "spot" : "onDemand"))).toEqual(list);
            for (const p of cc.spec.priorities) expect(p.tpu).toEqual({ type: "tpu-v6e-slice", count: 8, topology: "2x4" });
        }
        const oneDay = config({ tpuCapacityMode: "computeClass", tpuCapacitySources: '["flexStart"]', tpuFlexStartMaxRunDurationSeconds: "86400" }).cluster;
        expect(capacityPriority("flexStart", oneDay.tpuPool).maxRunDurationSeconds).toBe(86400);
    });

    it("the model refuses what the GKE CRD does not have", () => {
        const cc = computeClassObject(config({ tpuCapacityMode: "computeClass" }).cluster, SA);
        expect(validateCustomResource({ ...cc, spec: { ...cc.spec, whenUnsatisfiable: "Wait" } }).valid).toBe(false);
        expect(validateCustomResource({ ...cc, spec: { ...cc.spec, priorities: [{ ...cc.spec.priorities[0], gpu: { count: 1 } }] } }).valid).toBe(false);
        expect(validateCustomResource({ ...cc, metadata: { name: "gke-tpu" } }).valid).toBe(false);
        expect(validateCustomResource({ ...cc, spec: { ...cc.spec, priorities: [] } }).valid).toBe(false);
    });

    it("the vLLM pods select the class beside the TPU labels and tolerate its taint", () => {
        expect(template(s).nodeSelector).toEqual({
            "cloud.google.com/gke-tpu-accelerator": "tpu-v6e-slice",
            "cloud.google.com/gke-tpu-topology": "2x2",
            "cloud.google.com/compute-class": "tpu-inference-v6e",
        });
        expect(template(s).tolerations).toEqual([
            { key: "google.com/tpu", operator: "Equal", value: "present", effect: "NoSchedule" },
            { key: "cloud.google.com/compute-class", operator: "Equal", value: "tpu-inference-v6e", effect: "NoSchedule" },
        ]);
        // The service waits for the capacity component, which holds the class.
        expect(s.one(LLMISVC).dependsOn).toContain("tpu-compute-class");
    });

    it("nodePool mode selects no class", async () => {
        expect(computeClassSelection(config().cluster)).toEqual({ nodeSelector: {}, tolerations: [] });
        const np = await runStack();
        expect(Object.keys(template(np).nodeSelector)).toEqual(["cloud.google.com/gke-tpu-accelerator", "cloud.google.com/gke-tpu-topology"]);
        expect(np.byType(COMPUTE_CLASS)).toEqual([]);
    });

    it("scales to zero: the class stays, no pod asks for a node, so GKE creates none", async () => {
        const zero = await runStack({ config: { tpuCapacityMode: "computeClass", replicas: 0 } });
        expect(zero.byType(COMPUTE_CLASS)).toHaveLength(1);
        expect((zero.one(LLMISVC).inputs.spec as { replicas: number }).replicas).toBe(0);
        expect(zero.byType(NODE_POOL).map((r) => r.name)).toEqual(["gke-cpu"]);
        expect(zero.outputs).toMatchObject({ tpuChips: 0, tpuCapacitySources: ["onDemand", "spot"] });
    });
});

describe("disruption budgets", () => {
    it("vLLM: none for one replica, at most one replica down for two or three", async () => {
        expect(vllmDisruptionBudget(config({ replicas: "1" }))).toBeUndefined();
        expect(vllmDisruptionBudget(config({ replicas: "0" }))).toBeUndefined();
        for (const replicas of ["2", "3"]) {
            expect(vllmDisruptionBudget(config({ replicas }))).toEqual({
                apiVersion: "policy/v1",
                kind: "PodDisruptionBudget",
                metadata: {
                    name: "qwen-3b-tpu-svc-kserve-pdb",
                    namespace: "rhaii-inference",
                    labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "tpu-inference", "app.kubernetes.io/component": "inference-service" },
                },
                spec: {
                    maxUnavailable: 1,
                    // KServe's workload pod labels (docs/UPSTREAM.md "KServe workload pod labels"); the EPP has neither pair.
                    selector: { matchLabels: { "app.kubernetes.io/name": "qwen-3b-tpu-svc", "kserve.io/component": "workload" } },
                    unhealthyPodEvictionPolicy: "AlwaysAllow",
                },
            });
        }
    });

    it("the stack creates the vLLM budget in the workload namespace, only with two or more replicas", async () => {
        const three = await runStack();
        const pdb = three.one(PDB);
        expect(pdb.name).toBe("inference-vllm-pdb");
        expect(pdb.parent).toBe("inference");
        expect(pdb.dependsOn).toContain("inference-ns");
        expect(pdb.inputs).toMatchObject({ spec: { maxUnavailable: 1 } });
        expect((await runStack({ config: { replicas: 1 } })).byType(PDB)).toEqual([]);
        expect((await runStack({ config: { replicas: 2 } })).byType(PDB)).toHaveLength(1);
    });

    it("gateway: Istio's parameters carry an HPA from gatewayReplicas and a budget of one (docs/UPSTREAM.md \"Istio gateway parameters\")", () => {
        const gw = config().gateway;
        const data = gatewayParameters(gw).data;
        expect(Object.keys(data).sort()).toEqual(["deployment", "horizontalPodAutoscaler", "podDisruptionBudget"]);
        expect(parse(data.horizontalPodAutoscaler)).toEqual({
            spec: { minReplicas: 2, maxReplicas: 4, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] },
        });
        expect(parse(data.podDisruptionBudget)).toEqual({ spec: { maxUnavailable: 1 } });
        expect(gatewayAutoscalingOverlays({ ...gw, replicas: 3, maxReplicas: 6 }).horizontalPodAutoscaler).toMatchObject({ spec: { minReplicas: 3, maxReplicas: 6 } });
        expect(parse(data.deployment).spec.template.spec.topologySpreadConstraints).toEqual([
            {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } },
            },
        ]);
    });

    it("vLLM pods get the configured termination grace", async () => {
        expect(template(await runStack()).terminationGracePeriodSeconds).toBe(120);
        expect(template(await runStack({ config: { vllmTerminationGracePeriodSeconds: 25 } })).terminationGracePeriodSeconds).toBe(25);
    });
});

describe("cluster maintenance policy", () => {
    it("defaults to Saturday and Sunday 00:00-06:00 UTC", async () => {
        const s = await runStack();
        expect(s.one(CLUSTER).inputs.maintenancePolicy).toEqual({
            recurringWindow: { startTime: "2025-01-04T00:00:00Z", endTime: "2025-01-04T06:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" },
            maintenanceExclusions: [],
        });
    });

    it("moves with config, carries exclusions, and is absent when switched off", () => {
        const ex = { name: "launch", start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z", scope: "NO_MINOR_OR_NODE_UPGRADES" as const };
        expect(maintenancePolicy({ window: { days: ["WE"], start: "22:30", hours: 12 }, exclusions: [ex] })).toEqual({
            recurringWindow: { startTime: "2025-01-04T22:30:00Z", endTime: "2025-01-05T10:30:00Z", recurrence: "FREQ=WEEKLY;BYDAY=WE" },
            maintenanceExclusions: [{ exclusionName: "launch", startTime: ex.start, endTime: ex.end, exclusionOptions: { scope: "NO_MINOR_OR_NODE_UPGRADES" } }],
        });
        expect(maintenancePolicy({ exclusions: [] })).toBeUndefined();
    });

    it("is off in the stack when maintenanceWindow is false", async () => {
        const s = await runStack({ config: { maintenanceWindow: false } });
        expect(s.one(CLUSTER).inputs.maintenancePolicy).toBeUndefined();
    });
});

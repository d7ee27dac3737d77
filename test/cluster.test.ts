import { beforeAll, describe, expect, it } from "vitest";
import { nodeServiceAccountId } from "../components/gkeCluster";
import { buildKubeconfig } from "../components/kubeconfig";
import { CapturedStack, TEST_SECRETS, runStack } from "./helpers/stack";
import { inputDiff } from "./helpers/diff";
import { CLUSTER, LLMISVC, NODE_POOL } from "./helpers/types";

const LLMISVC_NAME = "inference-service";

describe("GKE cluster, CPU pool and TPU pool (dev defaults)", () => {
    let s: CapturedStack;
    beforeAll(async () => {
        s = await runStack();
    });

    it("creates a zonal, VPC-native cluster with Dataplane V2, Workload Identity and no default pool", () => {
        const c = s.one(CLUSTER).inputs;
        expect(c).toMatchObject({
            project: "test-project",
            name: "rhaii-tpu-scaleout-cluster",
            location: "europe-west4-a",
            removeDefaultNodePool: true,
            networkingMode: "VPC_NATIVE",
            datapathProvider: "ADVANCED_DATAPATH",
            releaseChannel: { channel: "REGULAR" },
            workloadIdentityConfig: { workloadPool: "test-project.svc.id.goog" },
            addonsConfig: { horizontalPodAutoscaling: { disabled: false }, httpLoadBalancing: { disabled: false } },
            deletionProtection: false,
            gatewayApiConfig: { channel: "CHANNEL_DISABLED" },
        });
        // The legacy TPU flag is for Cloud TPU nodes, not GKE TPU node pools.
        expect(c.enableTpu).toBeUndefined();
        expect(s.one(CLUSTER).name).toBe("gke-cluster");
        expect(s.one(CLUSTER).parent).toBe("gke");
    });

    it("gives the CPU pool the guide's machine type, autoscaling 2-5 from 2 nodes (room for two gateway replicas), and GKE metadata", () => {
        const p = s.one(NODE_POOL, "gke-cpu").inputs;
        expect(p).toMatchObject({
            name: "cpu-pool",
            location: "europe-west4-a",
            initialNodeCount: 2,
            autoscaling: { minNodeCount: 2, maxNodeCount: 5 },
            nodeConfig: {
                machineType: "n1-standard-4",
                serviceAccount: "rhaii-tpu-scaleout-clust-nodes@test-project.iam.gserviceaccount.com",
                workloadMetadataConfig: { mode: "GKE_METADATA" },
            },
        });
    });

    it("sizes the TPU pool from replicas with one ct6e-standard-4t node each, and leaves GKE's labels and taint alone", () => {
        const tpu = s.one(NODE_POOL, "tpu-pool");
        expect(tpu.inputs).toMatchObject({
            name: "tpu-pool",
            location: "europe-west4-a",
            initialNodeCount: 3,
            // Room for the one pod KServe surges during a rolling update; never fewer nodes than replicas.
            autoscaling: { minNodeCount: 3, maxNodeCount: 4 },
            nodeConfig: { machineType: "ct6e-standard-4t", spot: false },
        });
        const nodeConfig = tpu.inputs.nodeConfig as Record<string, unknown>;
        expect(nodeConfig.taints).toBeUndefined();
        expect(nodeConfig.labels).toBeUndefined();
        expect(nodeConfig.reservationAffinity).toBeUndefined();
        expect(tpu.parent).toBe("tpu");
        expect(tpu.dependsOn).toContain("gke-cluster");
        // Both pools start nodes as the node service account, only once its roles are granted.
        const grants = s.byType("gcp:projects/iAMMember:IAMMember").map((r) => r.name);
        expect(s.one("tpu-inference:gke:TpuNodePool").dependsOn).toEqual(expect.arrayContaining(grants));
        expect(s.one(NODE_POOL, "gke-cpu").dependsOn).toEqual(expect.arrayContaining(grants));
    });

    it("uses a dedicated node service account with least-privilege roles", () => {
        expect(s.one("gcp:serviceaccount/account:Account").inputs).toMatchObject({ accountId: "rhaii-tpu-scaleout-clust-nodes", project: "test-project" });
        const roles = s.byType("gcp:projects/iAMMember:IAMMember").map((r) => r.inputs.role).sort();
        expect(roles).toEqual(["roles/artifactregistry.reader", "roles/container.defaultNodeServiceAccount"]);
    });

    it("builds the Kubernetes provider from a secret kubeconfig and routes every in-cluster resource through it", () => {
        const provider = s.one("pulumi:providers:kubernetes");
        expect(provider.parent).toBe("gke");
        expect(provider.inputs.kubeconfig).toBe("[secret]");
        const inCluster = s.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
        expect(inCluster.length).toBeGreaterThan(0);
        for (const r of inCluster) expect(r.provider, `${r.type} ${r.name}`).toBe(provider.name);
    });

    it("keeps in-cluster state when the cluster is unreachable unless deleteUnreachable opts in (docs/UPSTREAM.md row \"deleteUnreachable\")", async () => {
        // Absent rather than false: an explicit false would also switch off PULUMI_K8S_DELETE_UNREACHABLE.
        expect(s.one("pulumi:providers:kubernetes").inputs).not.toHaveProperty("deleteUnreachable");
        const optIn = await runStack({ config: { deleteUnreachable: true } });
        expect(optIn.one("pulumi:providers:kubernetes").inputs.deleteUnreachable).toBe("true");
    });

    it("installs operators after the CPU pool, never waiting for the TPU pool", () => {
        const platform = s.one("tpu-inference:platform:Platform");
        expect(platform.dependsOn).toContain("gke-cpu");
        expect(platform.dependsOn).not.toContain("tpu");
        // Nothing under the platform depends on the TPU pool either.
        const byName = new Map(s.resources.map((r) => [r.name, r]));
        const underPlatform = (r: { parent?: string }): boolean => r.parent === "platform" || (!!r.parent && underPlatform(byName.get(r.parent) ?? {}));
        for (const r of s.resources.filter(underPlatform)) {
            expect(r.dependsOn, r.name).not.toContain("tpu");
            expect(r.dependsOn, r.name).not.toContain("tpu-pool");
        }
    });

    it("exports cluster name, zone, a secret kubeconfig and the TPU node and chip counts", () => {
        expect(s.outputs).toMatchObject({ clusterName: "rhaii-tpu-scaleout-cluster", zone: "europe-west4-a", tpuNodeCount: 3, tpuChips: 12, kubeconfig: "[secret]" });
        expect(s.secretOutputs).toContain("kubeconfig");
    });

    it("never lets a secret value reach state or outputs in plain text", () => {
        const everything = JSON.stringify({ r: s.resources, o: s.outputs });
        expect(everything).not.toContain(TEST_SECRETS.huggingfaceToken);
        expect(everything).not.toContain("dGVzdC11c2VyOnRlc3QtcGFzc3dvcmQ=");
    });
});

describe("what stack config changes", () => {
    let base: CapturedStack;
    beforeAll(async () => {
        base = await runStack();
    });

    it("replicas changes the TPU pool, the service and its rollout wait together, and nothing else", async () => {
        const two = await runStack({ config: { replicas: 2 } });
        expect(two.one(NODE_POOL, "tpu-pool").inputs.autoscaling).toEqual({ minNodeCount: 2, maxNodeCount: 3 });
        expect(two.outputs).toMatchObject({ tpuNodeCount: 2, tpuChips: 8 });
        const changed = inputDiff(base, two);
        expect(changed).toEqual([
            `${NODE_POOL} tpu-pool: autoscaling.maxNodeCount`,
            `${NODE_POOL} tpu-pool: autoscaling.minNodeCount`,
            `${NODE_POOL} tpu-pool: initialNodeCount`,
            `kubernetes:apps/v1:DeploymentPatch inference-rollout: metadata.annotations.pulumi.com/waitFor`,
            `kubernetes:apps/v1:DeploymentPatch inference-rollout: metadata.annotations.tpu-inference.dev/llminferenceservice-spec`,
            `${LLMISVC} ${LLMISVC_NAME}: spec.replicas`,
        ]);
    });

    it("zone moves the cluster, both pools and the Kubernetes provider (so everything in-cluster moves with them)", async () => {
        const moved = await runStack({ config: { zone: "us-east5-b" } });
        expect(moved.one(CLUSTER).inputs.location).toBe("us-east5-b");
        expect(moved.one(NODE_POOL, "tpu-pool").inputs.location).toBe("us-east5-b");
        expect(moved.one(NODE_POOL, "gke-cpu").inputs.location).toBe("us-east5-b");
        const changed = new Set(inputDiff(base, moved).map((d) => d.split(": ")[0]));
        expect(changed).toEqual(new Set([`${CLUSTER} gke-cluster`, `${NODE_POOL} gke-cpu`, `${NODE_POOL} tpu-pool`, "pulumi:providers:kubernetes gke-k8s"]));
        // The provider's kubeconfig (a secret) names the new cluster: seen by digest, never in plain text.
        expect(inputDiff(base, moved)).toContain("pulumi:providers:kubernetes gke-k8s: secret:kubeconfig");
        expect(moved.outputs.zone).toBe("us-east5-b");
    });

    it("replicas 0 keeps the pool with no nodes, autoscaled with or without surge nodes", async () => {
        const zero = await runStack({ config: { replicas: 0 } });
        expect(zero.one(NODE_POOL, "tpu-pool").inputs).toMatchObject({ initialNodeCount: 0, autoscaling: { minNodeCount: 0, maxNodeCount: 1 } });
        const pinned = await runStack({ config: { replicas: 0, tpuSurgeNodes: 0 } });
        expect(pinned.one(NODE_POOL, "tpu-pool").inputs.nodeCount).toBeUndefined();
        expect(pinned.one(NODE_POOL, "tpu-pool").inputs.autoscaling).toEqual({ minNodeCount: 0, maxNodeCount: 1 });
        expect(zero.outputs).toMatchObject({ tpuNodeCount: 0, tpuChips: 0 });
    });

    it("Spot and a reservation reach the TPU node config", async () => {
        const spot = await runStack({ config: { tpuSpot: true } });
        expect((spot.one(NODE_POOL, "tpu-pool").inputs.nodeConfig as Record<string, unknown>).spot).toBe(true);
        const reserved = await runStack({ config: { tpuReservation: "my-v6e-reservation" } });
        expect((reserved.one(NODE_POOL, "tpu-pool").inputs.nodeConfig as Record<string, unknown>).reservationAffinity).toEqual({
            consumeReservationType: "SPECIFIC_RESERVATION",
            key: "compute.googleapis.com/reservation-name",
            values: ["my-v6e-reservation"],
        });
    });

    it("deletion protection and GKE-owned CRDs are switches on the cluster", async () => {
        const s = await runStack({ config: { deletionProtection: true, crdOwner: "gke" } });
        expect(s.one(CLUSTER).inputs).toMatchObject({ deletionProtection: true, gatewayApiConfig: { channel: "CHANNEL_STANDARD" } });
    });

    it("bad config stops the program with every problem listed", async () => {
        await expect(runStack({ config: { zone: "europe-west4-b", replicas: -1 } })).rejects.toThrow(/2 problems/);
    });
});

describe("cluster helpers", () => {
    it("derives a valid service account ID from any cluster name", () => {
        expect(nodeServiceAccountId("rhaii-tpu-scaleout-cluster")).toBe("rhaii-tpu-scaleout-clust-nodes");
        expect(nodeServiceAccountId("a".repeat(23) + "-xyz")).toMatch(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
        expect(nodeServiceAccountId("abcdefghijklmnopqrstuvw-yz")).toBe("abcdefghijklmnopqrstuvw-nodes");
    });

    it("writes a kubeconfig that authenticates with gke-gcloud-auth-plugin and holds no credential", () => {
        const kc = JSON.parse(buildKubeconfig({ name: "ctx", endpoint: "1.2.3.4", clusterCaCertificate: "Q0E=" }));
        expect(kc.clusters[0].cluster).toEqual({ server: "https://1.2.3.4", "certificate-authority-data": "Q0E=" });
        expect(kc.users[0].user.exec.command).toBe("gke-gcloud-auth-plugin");
        expect(kc.users[0].user.token).toBeUndefined();
    });
});

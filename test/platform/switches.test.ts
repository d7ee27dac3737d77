import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runStack } from "../helpers/stack";
import { dependencyClosure, descendants, runFailure, runPlatform, validateCaptured } from "./harness";
import { CONFIG_FILE, CRD, DEPLOYMENT_PATCH, GATEWAY, ISTIO, ISTIO_CNI, ISTIO_PATCH, NAMESPACE, RELEASE } from "../helpers/types";


/** The CRDs of the workload's kinds, spelled out: a wrong group or plural in config/names.ts must fail here. */
const WORKLOAD_CRD_NAMES = [
    "envoyfilters.networking.istio.io",
    "httproutes.gateway.networking.k8s.io",
    "inferencepools.inference.networking.x-k8s.io",
    "llminferenceservices.serving.kserve.io",
];
const NOT_INSTALLED = { installOperators: false, gatewayName: "shared-gw", gatewayNamespace: "ingress" };

describe("installOperators = false", () => {
    it("installs nothing, reads the existing Gateway and the workload's CRDs, and makes the workload wait for those reads", async () => {
        const s = await runPlatform({ config: NOT_INSTALLED });
        const inPlatform = descendants(s, "platform");
        expect(inPlatform.filter((r) => !r.read && r.custom)).toEqual([]);
        const read = inPlatform.filter((r) => r.read);
        expect(read.map((r) => r.type).sort()).toEqual([CRD, CRD, CRD, CRD, GATEWAY]);
        for (const r of read) expect(r.provider, r.name).toBeTruthy();
        expect(s.resources.filter((r) => r.type === RELEASE || r.type === NAMESPACE || r.type === CONFIG_FILE)).toEqual([]);
        expect(s.outputs.gatewayIp).toBe("192.0.2.10");
        expect([...(s.outputs.ready as string[])].sort()).toEqual(read.map((r) => r.name).sort());
    });

    it("reads the Gateway named in config and each CRD by its name", async () => {
        const ids: Record<string, string[]> = {};
        await runPlatform({
            config: NOT_INSTALLED,
            mockState: (args) => {
                if (args.id) (ids[args.type] ??= []).push(args.id);
                return undefined;
            },
        });
        expect(ids[GATEWAY]).toEqual(["ingress/shared-gw"]);
        expect([...ids[CRD]].sort()).toEqual(WORKLOAD_CRD_NAMES);
    });

    it.each(WORKLOAD_CRD_NAMES)("fails the run, naming %s, on a cluster without that CRD", async (missing) => {
        const { error, unhandled } = await runFailure(() =>
            runPlatform({
                config: NOT_INSTALLED,
                mockState: (args) => {
                    if (args.type === CRD && args.id === missing) throw new Error(`resource "${missing}" was not found`);
                    return undefined;
                },
            }),
        );
        expect(error.message).toContain(`failed to read resource #${missing}`);
        for (const e of unhandled) expect(e.message).toContain(missing);
    });

    it("makes the workload's custom resources wait for every read", async () => {
        const s = await runStack({ config: NOT_INSTALLED });
        const reads = s.resources.filter((r) => r.read && (r.type === CRD || r.type === GATEWAY)).map((r) => r.name);
        expect(reads).toHaveLength(5);
        const service = s.one("kubernetes:serving.kserve.io/v1alpha1:LLMInferenceService");
        const routes = s.byType("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
        const filters = s.byType("kubernetes:networking.istio.io/v1alpha3:EnvoyFilter");
        expect(routes.length).toBeGreaterThan(0);
        expect(filters.length).toBeGreaterThan(0);
        for (const r of [service, ...routes, ...filters]) expect(r.dependsOn, r.name).toEqual(expect.arrayContaining(reads));
    });
});

describe("crdOwner = gke", () => {
    it("applies no CRD manifest and makes nothing wait for one, while installing everything else", async () => {
        const s = await runPlatform({ config: { crdOwner: "gke" } });
        expect(s.byType(CONFIG_FILE)).toEqual([]);
        expect(s.one("gcp:container/cluster:Cluster").inputs).toMatchObject({ gatewayApiConfig: { channel: "CHANNEL_STANDARD" } });
        expect(s.byType(RELEASE).map((r) => r.inputs.name).sort()).toEqual(["cert-manager", "kserve", "lws", "sail-operator"]);
        expect(s.byType(ISTIO)).toHaveLength(1);
        expect(s.byType(GATEWAY)).toHaveLength(1);
        for (const r of descendants(s, "platform")) {
            expect(r.dependsOn.some((d) => d.startsWith("platform-crds-")), r.name).toBe(false);
        }
        expect(s.outputs.ready).not.toContain("platform-crds-gateway-api");
    });
});

describe("existingIstio = true", () => {
    it("patches the existing Istio instead of installing Sail and creating one, then restarts istiod once", async () => {
        const s = await runPlatform({ config: { existingIstio: true } });
        expect(s.byType(ISTIO)).toEqual([]);
        expect(s.byType(RELEASE).map((r) => r.inputs.name).sort()).toEqual(["cert-manager", "kserve", "lws"]);
        const namespaces = s.byType(NAMESPACE).map((n) => (n.inputs.metadata as { name: string }).name);
        expect(namespaces).not.toContain("istio-system");
        expect(namespaces).not.toContain("sail-operator");

        const patch = s.one(ISTIO_PATCH);
        expect(patch.inputs).toMatchObject({
            metadata: { name: "default", annotations: { "pulumi.com/patchFieldManager": "tpu-inference-platform", "pulumi.com/patchForce": "true" } },
            spec: { values: { pilot: { cni: { enabled: true }, env: { ENABLE_GATEWAY_API_INFERENCE_EXTENSION: "true" } } } },
        });
        expect((patch.inputs.spec as Record<string, unknown>).version).toBeUndefined();
        expect(validateCaptured(patch)).toEqual({ valid: true });

        // The guide's order: CNI agent, then CNI in the control plane, then the restart.
        const cni = s.one(ISTIO_CNI);
        expect(patch.dependsOn).toContain(cni.name);
        const restart = s.one(DEPLOYMENT_PATCH);
        expect(restart.dependsOn).toContain(patch.name);
        expect(restart.inputs).toMatchObject({
            metadata: { name: "istiod", namespace: "istio-system" },
            spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": expect.stringMatching(/^[0-9a-f]{16}$/) } } } },
        });
        expect(s.byType("kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfigurationPatch")).toEqual([]);

        // Workloads wait for the patch and the restart; the Gateway for the patched control plane.
        expect(s.outputs.ready).toEqual(expect.arrayContaining([patch.name, cni.name, restart.name]));
        expect(s.one(GATEWAY).dependsOn).toContain(patch.name);
        expect(dependencyClosure(s, "platform-kserve-release")).not.toContain("platform-mesh-operator");
    });

    it("keeps the restart annotation stable across runs", async () => {
        const restartedAt = async () => {
            const s = await runPlatform({ config: { existingIstio: true } });
            return JSON.stringify(s.one(DEPLOYMENT_PATCH).inputs);
        };
        expect(await restartedAt()).toBe(await restartedAt());
    });
});

describe("sources and gateway overrides", () => {
    it("installs what the stack config names, never a literal", async () => {
        const s = await runPlatform({
            config: {
                certManagerChartRepo: "https://charts.example.com/redhat",
                certManagerChart: "cert-manager-operator",
                certManagerVersion: "1.15.2",
                sailOperatorChart: "oci://registry.example.com/ossm/sail-operator",
                sailOperatorVersion: "3.2.1",
                leaderWorkerSetVersion: "0.7.1",
                kserveChart: "oci://registry.example.com/rhoai/kserve",
                kserveVersion: "3.4.0",
                // Builds outside the tested table (config/compatibility.ts) need the explicit opt-out.
                allowUntestedVersions: true,
                istioVersion: "v1.27-latest",
                sailOperatorChartValues: JSON.stringify({ image: "registry.example.com/ossm/sail-operator:3.2.1" }),
                kserveChartValues: JSON.stringify({ controller: { image: "registry.example.com/rhoai/kserve-controller:3.4" } }),
                gatewayApiCrdsUrl: "https://mirror.example.com/gateway-api/v1.3.0/standard-install.yaml",
                inferenceExtensionCrdsUrl: "https://mirror.example.com/gie/v1.1.0/manifests.yaml",
            },
        });
        const byName = (n: string) => s.byType(RELEASE).find((r) => r.inputs.name === n)!.inputs;
        expect(byName("cert-manager")).toMatchObject({ chart: "cert-manager-operator", version: "1.15.2", repositoryOpts: { repo: "https://charts.example.com/redhat" } });
        expect(byName("sail-operator")).toMatchObject({ chart: "oci://registry.example.com/ossm/sail-operator", version: "3.2.1" });
        expect(byName("sail-operator").repositoryOpts).toBeUndefined();
        expect(byName("lws")).toMatchObject({ version: "0.7.1" });
        expect(byName("kserve")).toMatchObject({ chart: "oci://registry.example.com/rhoai/kserve", version: "3.4.0", namespace: "opendatahub" });
        // Values from stack config land in their release, over the stack's own; nothing here is on registry.redhat.io,
        // so no release gets the pull secret.
        expect(byName("sail-operator").values).toEqual({ image: "registry.example.com/ossm/sail-operator:3.2.1" });
        expect(byName("kserve").values).toEqual({ controller: { image: "registry.example.com/rhoai/kserve-controller:3.4" } });
        expect(byName("cert-manager").values).toEqual({ crds: { enabled: true, keep: true }, global: { leaderElection: { namespace: "cert-manager" } } });
        expect(s.one(ISTIO).inputs).toMatchObject({ spec: { version: "v1.27-latest" } });
        expect(s.one(ISTIO_CNI).inputs).toMatchObject({ spec: { version: "v1.27-latest" } });
        expect(s.byType(CONFIG_FILE).map((f) => f.inputs.file).sort()).toEqual([
            "https://mirror.example.com/gateway-api/v1.3.0/standard-install.yaml",
            "https://mirror.example.com/gie/v1.1.0/manifests.yaml",
        ]);
    });

    it("builds the Gateway, its namespace and its parameters from the gateway config", async () => {
        const s = await runPlatform({ config: { gatewayName: "llm-gw", gatewayNamespace: "llm-ingress", gatewayClassName: "istio", gatewayHttpsPort: 8443 } });
        const gw = s.one(GATEWAY).inputs;
        expect(gw).toMatchObject({
            metadata: { name: "llm-gw", namespace: "llm-ingress" },
            spec: { listeners: [{ port: 8443, tls: { certificateRefs: [{ name: "llm-gw-tls" }] } }], infrastructure: { parametersRef: { name: "llm-gw-config" } } },
        });
        expect(s.byType(NAMESPACE).map((n) => (n.inputs.metadata as { name: string }).name)).toContain("llm-ingress");
        const params = s.one("kubernetes:core/v1:ConfigMap").inputs as { metadata: { namespace: string }; data: { deployment: string } };
        expect(params.metadata.namespace).toBe("llm-ingress");
        expect(parse(params.data.deployment).spec.template.spec.volumes[0].secret.secretName).toBe("llm-gw-ca-bundle");
        const bundle = s.byType("kubernetes:cert-manager.io/v1:Certificate").find((c) => (c.inputs.metadata as { name: string }).name === "llm-gw-ca-bundle");
        expect(bundle?.inputs.metadata).toMatchObject({ namespace: "llm-ingress" });
    });
});

describe("without a Red Hat pull secret", () => {
    it("creates no pull Secret and references none", async () => {
        const s = await runPlatform({
            // The vLLM image is the only default on registry.redhat.io: another build of it.
            config: { vllmImage: "docker.io/vllm/vllm-tpu:v0.11.0" },
            secrets: { redhatPullSecret: undefined },
        });
        // The one Secret the platform touches is the CA bundle it reads (for the caCertificate output).
        expect(s.byType("kubernetes:core/v1:Secret").filter((r) => !r.read)).toEqual([]);
        expect(s.byType("kubernetes:core/v1:ServiceAccount")).toEqual([]);
        const everything = JSON.stringify(descendants(s, "platform").map((r) => r.inputs));
        expect(everything).not.toContain("imagePullSecrets");
        expect(everything).not.toContain("rhaiis-pull-secret");
        expect(s.byType(RELEASE)).toHaveLength(4);
    });
});

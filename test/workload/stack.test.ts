import { describe, expect, it } from "vitest";
import { validateCustomResource } from "../../crds";
import { CapturedResource, CapturedStack, TEST_SECRETS, runStack } from "../helpers/stack";
import { NO_SECRETS, NO_SECRETS_CONFIG } from "./fixtures";
import { LLMISVC } from "../helpers/types";

/** API groups served by Kubernetes itself (and the provider's pseudo-groups): everything else is a custom resource. */
const BUILT_IN_GROUPS = new Set([
    "core",
    "apps",
    "batch",
    "policy",
    "autoscaling",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "certificates.k8s.io",
    "helm.sh",
    "yaml",
    "kustomize",
]);

function customResources(s: CapturedStack): CapturedResource[] {
    return s.resources.filter((r) => {
        const m = /^kubernetes:([^:]+)\/[^/:]+:\w+$/.exec(r.type);
        return m !== null && !BUILT_IN_GROUPS.has(m[1]) && !r.read;
    });
}

const SERVICE_TYPE = LLMISVC;
const workloadOf = (s: CapturedStack) => s.resources.filter((r) => r.parent === "inference");
/** The GKE node pool of TPU machines (whatever its logical name). */
const tpuNodePool = (s: CapturedStack) =>
    s.byType("gcp:container/nodePool:NodePool").find((r) => String((r.inputs.nodeConfig as any)?.machineType).startsWith("ct6e"))!.name;
const meta = (r: CapturedResource) => r.inputs.metadata as { name: string; namespace?: string; annotations?: Record<string, string> };

describe("the workload in the whole program (default config)", async () => {
    const s = await runStack();

    it("is one InferenceService component whose children use the cluster's provider through it", () => {
        const component = s.one("tpu-inference:workload:InferenceService", "inference");
        expect(component.custom).toBe(false);
        // Only the service waits for TPU nodes; the rest of the workload goes in while they provision.
        expect(component.dependsOn).not.toContain(tpuNodePool(s));
        for (const r of workloadOf(s).filter((x) => x.type !== SERVICE_TYPE)) expect(r.dependsOn, r.name).not.toContain(tpuNodePool(s));
        expect(workloadOf(s).map((r) => `${r.type} ${r.name}`).sort()).toEqual(
            [
                "kubernetes:apps/v1:DeploymentPatch inference-rollout",
                "kubernetes:core/v1:Namespace inference-ns",
                "kubernetes:core/v1:Secret inference-hf-token",
                "kubernetes:core/v1:Secret inference-pull-secret",
                "kubernetes:core/v1:ServiceAccount inference-workload-sa",
                "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute inference-health-route",
                "kubernetes:policy/v1:PodDisruptionBudget inference-vllm-pdb",
                "kubernetes:networking.istio.io/v1alpha3:EnvoyFilter inference-envoyfilter-epp-tls",
                "kubernetes:networking.istio.io/v1alpha3:EnvoyFilter inference-envoyfilter-ext-proc-routes",
                `${SERVICE_TYPE} inference-service`,
            ].sort(),
        );
        for (const r of workloadOf(s)) expect(r.provider, r.name).toBeDefined();
    });

    it("labels the namespace for sidecar injection", () => {
        expect(meta(s.one("kubernetes:core/v1:Namespace", "inference-ns")).name).toBe("rhaii-inference");
        expect((s.one("kubernetes:core/v1:Namespace", "inference-ns").inputs.metadata as any).labels["istio-injection"]).toBe("enabled");
    });

    it("creates both Secrets with secret data only, under the configured names", () => {
        const pull = s.one("kubernetes:core/v1:Secret", "inference-pull-secret");
        expect(meta(pull)).toMatchObject({ name: "rhaiis-pull-secret", namespace: "rhaii-inference" });
        expect(pull.inputs.type).toBe("kubernetes.io/dockerconfigjson");
        const hf = s.one("kubernetes:core/v1:Secret", "inference-hf-token");
        expect(meta(hf)).toMatchObject({ name: "huggingface-token", namespace: "rhaii-inference" });
        for (const secret of [pull, hf]) {
            expect(secret.secretPaths).toContain("stringData");
            expect(secret.dependsOn).toEqual(["inference-ns"]);
        }
    });

    it("never carries a secret value in plain text, in any input or output", () => {
        const everything = JSON.stringify({ resources: s.resources, outputs: s.outputs });
        expect(everything).not.toContain(TEST_SECRETS.huggingfaceToken);
        expect(everything).not.toContain(TEST_SECRETS.redhatPullSecret);
        expect(everything).not.toContain(JSON.parse(TEST_SECRETS.redhatPullSecret).auths["registry.redhat.io"].auth);
    });

    it("orders the service after the namespace, its Secrets, the platform and the TPU pool", () => {
        const svc = s.one(SERVICE_TYPE);
        expect(svc.dependsOn).toEqual(expect.arrayContaining(["inference-ns", "inference-pull-secret", "inference-hf-token", "inference-workload-sa", tpuNodePool(s)]));
        expect(svc.dependsOn.some((d) => d.startsWith("platform-kserve"))).toBe(true);
        expect(svc.dependsOn.some((d) => d.startsWith("platform-gateway"))).toBe(true);
        for (const f of s.byType("kubernetes:networking.istio.io/v1alpha3:EnvoyFilter")) {
            expect(f.dependsOn.some((d) => d.startsWith("platform-mesh")), f.name).toBe(true);
        }
        expect(s.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").dependsOn).toContain("inference-ns");
    });

    it("lets the EPP reach the API server's ClusterIP and endpoints only (as index.ts wires it)", async () => {
        const withPolicies = await runStack({ config: { networkPolicies: true } });
        const scheduler = withPolicies.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "inference-np-qwen-3b-tpu-svc-scheduler");
        const egress = (scheduler.inputs.spec as { egress: unknown[] }).egress;
        expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: "192.0.2.20/32" } }, { ipBlock: { cidr: "192.0.2.30/32" } }], ports: [{ protocol: "TCP", port: 443 }] });
        expect(JSON.stringify(egress)).not.toContain("0.0.0.0/0");
    });

    it("exports the HTTPS base URL, curl commands with the stack's CA and token, replicas and TPU chips in use", () => {
        expect(s.outputs.baseUrl).toBe("https://192.0.2.10/rhaii-inference/qwen-3b-tpu-svc");
        const commands = s.outputs.commands as Record<string, string>;
        const curl = 'curl -sS --cacert gateway-ca.pem -H "Authorization: Bearer $TOKEN"';
        expect(commands.setup).toBe(
            "npm run -s pulumi -- stack output caCertificate > gateway-ca.pem && " +
                `export TOKEN="$(npm run -s pulumi -- stack output clientTokens --show-secrets --json | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8"))["default"]')"`,
        );
        expect(commands.health).toBe(`${curl} -w '%{http_code}\\n' 'https://192.0.2.10/rhaii-inference/qwen-3b-tpu-svc/health'`);
        expect(commands.models).toBe(`${curl} 'https://192.0.2.10/rhaii-inference/qwen-3b-tpu-svc/v1/models'`);
        expect(commands.completions).toContain(`${curl} 'https://192.0.2.10/rhaii-inference/qwen-3b-tpu-svc/v1/completions'`);
        const body = JSON.parse(/-d '(.*)'$/.exec(commands.completions)![1]);
        expect(body).toMatchObject({ model: "Qwen/Qwen2.5-3B-Instruct", prompt: expect.any(String), max_tokens: expect.any(Number) });
        expect(s.outputs.replicas).toBe(3);
        expect(s.outputs.tpuChipsInUse).toBe(12);
    });

    it("renders every custom resource of the stack valid against its model in crds/", () => {
        expectValidCustomResources(s);
    });
});

function expectValidCustomResources(s: CapturedStack): void {
    const crs = customResources(s);
    expect(crs.length).toBeGreaterThan(5);
    for (const r of crs) {
        const check = validateCustomResource(r.inputs, r.type.endsWith("Patch"));
        expect(check, `${r.type} ${r.name}`).toEqual({ valid: true });
    }
}

describe("the workload under other config", () => {
    it("renders valid custom resources when patching an existing Istio too", async () => {
        const s = await runStack({ config: { existingIstio: true, networkPolicies: true } });
        expect(customResources(s).some((r) => r.type === "kubernetes:sailoperator.io/v1:IstioPatch")).toBe(true);
        expectValidCustomResources(s);
    });

    it("creates no NetworkPolicy by default, and all five with the deny last when enabled", async () => {
        const off = await runStack();
        expect(off.byType("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual([]);
        const on = await runStack({ config: { networkPolicies: true } });
        const policies = on.byType("kubernetes:networking.k8s.io/v1:NetworkPolicy");
        expect(policies.map((p) => meta(p).name).sort()).toEqual(
            ["allow-dns", "allow-istiod", "default-deny", "qwen-3b-tpu-svc-scheduler", "qwen-3b-tpu-svc-workload"].sort(),
        );
        for (const p of policies) expect(p.parent).toBe("inference");
        const deny = on.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "inference-np-default-deny");
        expect(deny.dependsOn.sort()).toEqual(
            ["inference-np-allow-dns", "inference-np-allow-istiod", "inference-np-qwen-3b-tpu-svc-scheduler", "inference-np-qwen-3b-tpu-svc-workload", "inference-ns"].sort(),
        );
    });

    it("creates and references no Secret that is not configured", async () => {
        const s = await runStack({ config: { ...NO_SECRETS_CONFIG }, secrets: NO_SECRETS });
        expect(s.byType("kubernetes:core/v1:Secret").filter((r) => r.parent === "inference")).toEqual([]);
        const svc = JSON.stringify(s.one(SERVICE_TYPE).inputs);
        expect(svc).not.toContain("imagePullSecrets");
        expect(svc).not.toContain("HF_TOKEN");
        expect(s.one(SERVICE_TYPE).dependsOn).not.toContain("inference-pull-secret");
    });

    it("keeps the service at 0 replicas without waiting, and reports 0 chips in use", async () => {
        const s = await runStack({ config: { replicas: 0 } });
        const svc = s.one(SERVICE_TYPE);
        expect((svc.inputs.spec as any).replicas).toBe(0);
        expect(meta(svc).annotations).toEqual({ "pulumi.com/skipAwait": "true" });
        // No Deployment rollout to wait for either.
        expect(s.byType("kubernetes:apps/v1:DeploymentPatch")).toEqual([]);
        expect(s.outputs.replicas).toBe(0);
        expect(s.outputs.tpuChipsInUse).toBe(0);
    });

    it("waits for the rollout only after the service is Ready, and prints outputs only after both", async () => {
        const s = await runStack();
        const rollout = s.one("kubernetes:apps/v1:DeploymentPatch", "inference-rollout");
        expect(rollout.dependsOn).toContain("inference-service");
        expect(rollout.parent).toBe("inference");
    });

    it("scales pool and service together: replicas and machine type reach the service and the outputs", async () => {
        const s = await runStack({ config: { replicas: 2, tpuMachineType: "ct6e-standard-8t" } });
        const spec = s.one(SERVICE_TYPE).inputs.spec as any;
        expect(spec.replicas).toBe(2);
        expect(spec.template.containers[0].resources.limits["google.com/tpu"]).toBe("8");
        expect(spec.template.nodeSelector["cloud.google.com/gke-tpu-topology"]).toBe("2x4");
        expect(s.outputs.replicas).toBe(2);
        expect(s.outputs.tpuChipsInUse).toBe(16);
        expect(s.outputs.tpuChipsInUse).toBe(s.outputs.tpuChips);
    });

    it("keeps the same logical and object names when the image changes (an update, not a replacement)", async () => {
        const a = await runStack();
        const b = await runStack({ config: { vllmImage: "registry.redhat.io/rhaiis/vllm-tpu-rhel9:3.3.0" } });
        const names = (x: CapturedStack) => workloadOf(x).map((r) => [r.type, r.name, (r.inputs.metadata as any)?.name]).sort();
        expect(names(b)).toEqual(names(a));
        expect((b.one(SERVICE_TYPE).inputs.spec as any).template.containers[0].image).toBe("registry.redhat.io/rhaiis/vllm-tpu-rhel9:3.3.0");
    });

    it("derives every routing name from the configured service, namespace and gateway", async () => {
        const s = await runStack({ config: { serviceName: "llama-svc", namespace: "team-a", gatewayName: "edge-gw", gatewayNamespace: "edge" } });
        const routing = workloadOf(s).filter((r) => /EnvoyFilter|HTTPRoute|LLMInferenceService/.test(r.type));
        // The KServe CA's mount path in the gateway pod is KServe's fixed name, not the gateway namespace.
        const json = JSON.stringify(routing.map((r) => r.inputs)).replaceAll("/var/run/secrets/opendatahub/", "");
        for (const literal of ["qwen-3b-tpu-svc", "rhaii-inference", "inference-gateway", "opendatahub"]) expect(json).not.toContain(literal);
        expect(s.outputs.baseUrl).toBe("https://192.0.2.10/team-a/llama-svc");
    });
});

import { describe, expect, it } from "vitest";
import { MAX_REPLICAS, RawConfig, StackConfigError, compareGkeVersions, parseConfig } from "../config";
import { MAX_SERVICE_NAME_LENGTH, kserveNames } from "../config/names";
import { TPU_V6E_ZONES } from "../config/tpu";
import { GATEWAY } from "./platform/gatewayFixture";

const SECRETS = {
    redhatPullSecret: JSON.stringify({ auths: { "registry.redhat.io": { auth: "eDp5" } } }),
    huggingfaceToken: "hf_abc",
};

function raw(values: Record<string, string | undefined> = {}, secretKeys = Object.keys(SECRETS)): RawConfig {
    return { values: { project: "my-project", ...SECRETS, ...values }, secretKeys: new Set(secretKeys), stack: "test" };
}

function problems(values: Record<string, string | undefined>, secretKeys?: string[]): string[] {
    try {
        parseConfig(raw(values, secretKeys));
    } catch (err) {
        expect(err).toBeInstanceOf(StackConfigError);
        return (err as StackConfigError).problems;
    }
    throw new Error("config was accepted");
}

describe("stack config defaults and derived values", () => {
    const c = parseConfig(raw());

    it("takes the manual guide's values by default", () => {
        expect(c.cluster).toMatchObject({ project: "my-project", zone: "europe-west4-a", region: "europe-west4", name: "rhaii-tpu-scaleout-cluster", deletionProtection: false });
        // Not the guide's minimum of 1: two nodes let the two gateway replicas spread (README, "Disruption").
        expect(c.cluster.cpuPool).toMatchObject({ machineType: "n1-standard-4", initialNodeCount: 2, minNodes: 2, maxNodes: 5 });
        expect(c.workload).toMatchObject({ namespace: "rhaii-inference", serviceName: "qwen-3b-tpu-svc", replicas: 3, networkPolicies: false });
        expect(c.workload.model).toEqual({ uri: "hf://Qwen/Qwen2.5-3B-Instruct", name: "Qwen/Qwen2.5-3B-Instruct" });
        expect(c.workload.vllm).toMatchObject({ maxModelLen: 2048, maxNumSeqs: 128, dtype: "bfloat16", extraArgs: [] });
        // HTTPS on 443 only, an external load balancer open to any source, the stack's own tokens for one client.
        expect(c.gateway).toEqual({ ...GATEWAY, hostname: undefined });
    });

    it("derives chips, topology, node count and tensor parallelism from the machine type and replicas", () => {
        expect(c.cluster.tpuPool).toMatchObject({ machineType: "ct6e-standard-4t", chips: 4, topology: "2x2", accelerator: "tpu-v6e-slice", nodeCount: 3 });
        expect(c.workload.vllm.tensorParallelSize).toBe(4);
        const eight = parseConfig(raw({ tpuMachineType: "ct6e-standard-8t", replicas: "2" }));
        expect(eight.cluster.tpuPool).toMatchObject({ chips: 8, topology: "2x4", nodeCount: 2 });
        expect(eight.workload.vllm.tensorParallelSize).toBe(8);
        expect(parseConfig(raw({ tensorParallelSize: "2" })).workload.vllm.tensorParallelSize).toBe(2);
    });

    it("derives the region from the zone", () => {
        expect(parseConfig(raw({ zone: "us-east5-b" })).cluster.region).toBe("us-east5");
        expect(parseConfig(raw({ zone: "asia-northeast1-b" })).cluster.region).toBe("asia-northeast1");
    });

    it("scales to zero: replicas 0 keeps a pool with no nodes", () => {
        const zero = parseConfig(raw({ replicas: "0" }));
        expect(zero.cluster.tpuPool.nodeCount).toBe(0);
        expect(zero.workload.replicas).toBe(0);
    });

    it("wraps secrets as Pulumi secrets", async () => {
        const isSecret = await (c.secrets.huggingfaceToken as unknown as { isSecret: Promise<boolean> }).isSecret;
        expect(isSecret).toBe(true);
    });

    it("treats empty optional strings as unset", () => {
        const e = parseConfig(raw({ tpuReservation: "", metricsNamespace: "", minMasterVersion: "" }));
        expect(e.cluster.tpuPool.reservation).toBeUndefined();
        expect(e.workload.metricsNamespace).toBeUndefined();
        expect(e.cluster.minMasterVersion).toBeUndefined();
    });

    it("overrides chart sources per key", () => {
        const o = parseConfig(raw({ kserveVersion: "3.4.0-ea.1-dev-7f5a245", certManagerChartRepo: "oci://registry.example.com/charts", certManagerChart: "cert-manager" }));
        expect(o.operators.sources.kserve.version).toBe("3.4.0-ea.1-dev-7f5a245");
        // An oci:// repository is a registry path: Helm takes the full chart reference instead.
        expect(o.operators.sources.certManager).toMatchObject({ repo: "", chart: "oci://registry.example.com/charts/cert-manager", namespace: "cert-manager" });
        expect(o.operators.sources.gatewayApiCrds.version).toBe("v1.4.0");
    });
});

describe("stack config validation", () => {
    it("rejects a zone without TPU v6e and lists the zones that have it", () => {
        const [p] = problems({ zone: "europe-west4-b" });
        expect(p).toContain('tpu-inference:zone = "europe-west4-b"');
        for (const z of TPU_V6E_ZONES) expect(p).toContain(z);
    });

    it.each([
        ["-1", "whole number from 0 to 64"],
        ["2.5", "whole number"],
        ["three", "whole number"],
        [String(MAX_REPLICAS + 1), `from 0 to ${MAX_REPLICAS}`],
    ])("rejects replicas %s", (value, message) => {
        const [p] = problems({ replicas: value });
        expect(p).toContain(`tpu-inference:replicas`);
        expect(p).toContain(message);
    });

    it("rejects an unknown TPU machine type and names the allowed ones", () => {
        const [p] = problems({ tpuMachineType: "ct5lp-hightpu-4t" });
        expect(p).toMatch(/tpuMachineType = "ct5lp-hightpu-4t".*ct6e-standard-1t, ct6e-standard-4t, ct6e-standard-8t/);
    });

    it("rejects a tensor parallel size that does not divide the chips", () => {
        const [p] = problems({ tensorParallelSize: "3" });
        expect(p).toContain("tensorParallelSize = 3");
        expect(p).toContain("must divide the 4 TPU chips of ct6e-standard-4t (allowed: 1, 2, 4)");
    });

    it("rejects names that are not DNS-1123 labels", () => {
        expect(problems({ namespace: "RHAII_inference" })[0]).toContain('tpu-inference:namespace = "RHAII_inference": must be a DNS-1123 label');
        expect(problems({ gatewayName: "-gw" })[0]).toContain("gatewayName");
    });

    it("rejects a service name whose KServe child names would pass 63 characters", () => {
        const long = "a".repeat(MAX_SERVICE_NAME_LENGTH + 1);
        const [p] = problems({ serviceName: long });
        expect(p).toContain(`at most ${MAX_SERVICE_NAME_LENGTH} characters`);
        const ok = "a".repeat(MAX_SERVICE_NAME_LENGTH);
        const names = kserveNames({ namespace: "ns", serviceName: ok });
        for (const n of [names.eppDeployment, names.selfSignedCerts, names.workloadService, names.inferencePool]) expect(n.length).toBeLessThanOrEqual(63);
    });

    it("rejects system namespaces and a workload namespace equal to the gateway's", () => {
        expect(problems({ gatewayNamespace: "kube-system" })[0]).toContain('tpu-inference:gatewayNamespace = "kube-system": must not be a system or operator namespace');
        expect(problems({ namespace: "default" })[0]).toContain('tpu-inference:namespace = "default": must not be a system or operator namespace');
        // KServe's namespace is an operator's: one message, not a second "must differ from gatewayNamespace".
        expect(problems({ namespace: "opendatahub" })).toHaveLength(1);
        expect(problems({ namespace: "gw", gatewayNamespace: "gw" })).toEqual(['tpu-inference:namespace = "gw": must differ from gatewayNamespace (the workload namespace has its own lifecycle and Istio injection)']);
    });

    it("rejects model URIs the KServe controller would reject, a workload namespace owned by an operator, and a probe delay past the wait", () => {
        expect(problems({ modelUri: "gs://bucket/model" })[0]).toContain('tpu-inference:modelUri = "gs://bucket/model": must be a model URI the KServe LLMInferenceService controller accepts');
        expect(problems({ namespace: "cert-manager" })[0]).toContain("must not be a system or operator namespace");
        expect(problems({ probeInitialDelaySeconds: "600", readyTimeoutMinutes: "10" })[0]).toContain("must be shorter than readyTimeoutMinutes (10 min = 600 s)");
    });

    it("rejects a missing project", () => {
        expect(problems({ project: undefined })[0]).toContain("tpu-inference:project is not set");
        expect(problems({ project: "My Project" })[0]).toContain('tpu-inference:project = "My Project"');
    });

    it("requires the secrets the workload needs, without printing them", () => {
        const ps = problems({ redhatPullSecret: undefined, huggingfaceToken: undefined });
        // docs/UPSTREAM.md row "KServe dev chart images": the default KServe chart pulls no registry.redhat.io image.
        expect(ps.join("\n")).toContain("redhatPullSecret is not set, but vllmImage pull from registry.redhat.io");
        expect(problems({ redhatPullSecret: undefined, installOperators: "false" })[0]).toContain("but vllmImage pull from");
        expect(ps.join("\n")).toContain("huggingfaceToken is not set, but modelUri is a Hugging Face model");
        // Without Red Hat images and with a gs:// model no secret is needed.
        expect(() =>
            parseConfig(raw({ redhatPullSecret: undefined, huggingfaceToken: undefined, vllmImage: "us-docker.pkg.dev/vllm/vllm-tpu:v0.11.1", modelUri: "pvc://models/qwen", installOperators: "false" })),
        ).not.toThrow();
    });

    it("rejects a secret stored in plain text and a malformed pull secret, never echoing the value", () => {
        const plain = problems({}, ["redhatPullSecret"]);
        expect(plain).toEqual(["tpu-inference:huggingfaceToken is stored in plain text: set it with `pulumi config set --secret huggingfaceToken`"]);
        const bad = problems({ redhatPullSecret: "user:password" });
        expect(bad[0]).toContain("tpu-inference:redhatPullSecret = [secret]");
        expect(bad.join()).not.toContain("user:password");
    });

    it("rejects vLLM flags the stack manages and points to their key", () => {
        const [p] = problems({ vllmExtraArgs: JSON.stringify(["--max-model-len=4096"]) });
        expect(p).toContain("--max-model-len is set by the stack: use config key maxModelLen");
        expect(problems({ vllmExtraArgs: "--foo" })[0]).toContain("must be a list of strings");
        expect(parseConfig(raw({ vllmExtraArgs: JSON.stringify(["--enable-chunked-prefill"]) })).workload.vllm.extraArgs).toEqual(["--enable-chunked-prefill"]);
    });

    it("rejects a GKE version below the TPU v6e minimum", () => {
        expect(problems({ minMasterVersion: "1.30" })[0]).toContain("at least 1.31.2-gke.1115000");
        expect(parseConfig(raw({ minMasterVersion: "1.33" })).cluster.minMasterVersion).toBe("1.33");
        expect(compareGkeVersions("1.31.2-gke.1115000", "1.31.2-gke.1115000")).toBe(0);
        expect(compareGkeVersions("1.31.2-gke.999", "1.31.2-gke.1115000")).toBeLessThan(0);
    });

    it("rejects an inconsistent CPU autoscaling range", () => {
        const ps = problems({ cpuMinNodes: "4", cpuMaxNodes: "3", cpuNodeCount: "2" });
        expect(ps).toEqual(["tpu-inference:cpuMinNodes = 4: must not exceed cpuMaxNodes (3)"]);
        expect(problems({ cpuNodeCount: "6" })).toEqual(["tpu-inference:cpuNodeCount = 6: must lie within cpuMinNodes..cpuMaxNodes (2..5)"]);
    });

    it("rejects Spot together with a reservation, unknown enums and booleans", () => {
        expect(problems({ tpuSpot: "true", tpuReservation: "my-res" })[0]).toContain("cannot be combined with tpuSpot = true");
        expect(problems({ dtype: "half" })[0]).toContain('tpu-inference:dtype = "half": must be one of bfloat16, float32, auto');
        expect(problems({ crdOwner: "me" })[0]).toContain("must be one of stack, gke");
        expect(problems({ networkPolicies: "yes" })[0]).toContain('tpu-inference:networkPolicies = "yes": must be true or false');
    });

    it("rejects an unknown key (a typo would otherwise be ignored)", () => {
        expect(problems({ replica: "2" })[0]).toContain("tpu-inference:replica is not a config key of this project");
    });

    it("takes extra Helm values per chart as a JSON object", () => {
        const c = parseConfig(raw({ sailOperatorChartValues: JSON.stringify({ image: "registry.example.com/sail:1.27" }) }));
        expect(c.operators.sources.sailOperator.values).toEqual({ image: "registry.example.com/sail:1.27" });
        expect(c.operators.sources.kserve.values).toEqual({});
        expect(problems({ kserveChartValues: "[1,2]" })[0]).toContain("tpu-inference:kserveChartValues = \"[1,2]\": must be a JSON object of Helm values");
    });

    it("accepts only Istio versions the pinned Sail operator deploys, 1.27 or later", () => {
        expect(problems({ istioVersion: "v1.28.0" })[0]).toContain('tpu-inference:istioVersion = "v1.28.0": must be one the Sail operator 1.27.3 deploys and this stack supports: v1.27-latest, v1.27.3');
        expect(problems({ istioVersion: "v1.26.6" })[0]).toContain("must be one the Sail operator 1.27.3 deploys");
        expect(parseConfig(raw({ istioVersion: "v1.27-latest" })).operators.sources.istioVersion).toBe("v1.27-latest");
        // Another Sail build knows its own list; the stack still needs 1.27+.
        const untested = { sailOperatorVersion: "1.28.0", allowUntestedVersions: "true" };
        expect(parseConfig(raw({ ...untested, istioVersion: "v1.28.0" })).operators.sources.istioVersion).toBe("v1.28.0");
        expect(problems({ ...untested, istioVersion: "v1.26.6" })[0]).toContain("must be Istio 1.27 or later");
    });

    it("bounds the TPU surge nodes", () => {
        expect(parseConfig(raw()).cluster.tpuPool.surgeNodes).toBe(1);
        expect(problems({ tpuSurgeNodes: "9" })[0]).toContain("tpu-inference:tpuSurgeNodes = 9: must be a whole number from 0 to 8");
    });

    it("rejects an oci-less chart without a repository", () => {
        expect(problems({ kserveChart: "kserve" })[0]).toContain("must be an oci:// reference when kserveChartRepo is empty");
    });

    it("reports every problem at once", () => {
        const ps = problems({ zone: "mars-1a", replicas: "-2", tpuMachineType: "x", namespace: "Bad" });
        expect(ps).toHaveLength(4);
        expect(() => parseConfig(raw({ zone: "mars-1a", replicas: "-2" }))).toThrow(/^Invalid stack configuration \(2 problems\):\n  - /);
    });
});

describe("versions that must move together (config/compatibility.ts)", () => {
    // docs/UPSTREAM.md rows "KServe controller ServiceAccount", "GIE CRD bundles", "EPP versions".
    it("accepts the pinned combination and tells the KServe releases apart", async () => {
        const { kserveRelease } = await import("../config/compatibility");
        expect(parseConfig(raw()).operators.sources.kserve.version).toBe("3.4.0-ea.1-dev-8a30e66");
        expect(kserveRelease("3.4.0-ea.1-dev-8a30e66")).toMatchObject({ controllerServiceAccount: "kserve-controller-manager", imagesOnRedHatRegistry: false });
        expect(kserveRelease("3.4.0-ea.1+8a30e66")).toMatchObject({ controllerServiceAccount: "kserve-controller-manager", imagesOnRedHatRegistry: true });
        expect(kserveRelease("3.4.0-ea.2-dev-37529e9")).toMatchObject({ controllerServiceAccount: "llmisvc-controller-manager" });
        expect(kserveRelease("3.5.0")).toBeUndefined();
    });

    it("refuses KServe builds the stack cannot deploy, with the reason", () => {
        expect(problems({ kserveVersion: "3.4.0-ea.1+8a30e66" })[0]).toMatch(/^tpu-inference:kserveVersion = "3\.4\.0-ea\.1\+8a30e66": RHOAI 3\.4 EA1, Red Hat build .* cannot be deployed by this stack: .*pull secret/);
        expect(problems({ kserveVersion: "3.4.0-ea.2-dev-37529e9" })[0]).toContain("EA2 serves LLMInferenceService v1alpha2");
        // Even with the opt-out: these are known not to work.
        expect(problems({ kserveVersion: "3.4.0-ea.2-dev-37529e9", allowUntestedVersions: "true" })[0]).toContain("cannot be deployed by this stack");
        expect(problems({ kserveVersion: "3.5.0" })[0]).toContain('is not a KServe chart this stack is tested with (3.4.0-ea.1-dev-<commit>); set allowUntestedVersions = true');
        expect(parseConfig(raw({ kserveVersion: "3.5.0", allowUntestedVersions: "true" })).operators.sources.kserve.version).toBe("3.5.0");
        // The platform team's KServe is not checked.
        expect(parseConfig(raw({ kserveVersion: "3.4.0-ea.2", installOperators: "false" })).operators.install).toBe(false);
    });

    it("ties the Inference Extension CRDs and the EPP image to the KServe release", () => {
        const gie = (v: string) => `https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/${v}/manifests.yaml`;
        expect(problems({ inferenceExtensionCrdsUrl: gie("v1.4.0") })[0]).toBe(
            `tpu-inference:inferenceExtensionCrdsUrl = "v1.4.0": with RHOAI 3.4 EA1, dev build (public quay.io/ghcr.io images), this Inference Extension release is not one this stack is tested with (v1.2.0); set allowUntestedVersions = true to use it anyway (see README, "Upgrades")`,
        );
        expect(problems({ inferenceExtensionCrdsUrl: gie("v1.5.0") })[0]).toContain("(v1.2.0)");
        expect(problems({ eppImage: "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0" })[0]).toContain('tpu-inference:eppImage = "v0.6.0": this EPP (llm-d-inference-scheduler) image tag is not one this stack is tested with (v0.7.0, v0.7.1)');
        expect(problems({ eppImage: "ghcr.io/llm-d/llm-d-inference-scheduler@sha256:abcd" })[0]).toContain("eppImage");
        expect(parseConfig(raw({ eppImage: "ghcr.io/llm-d/llm-d-inference-scheduler:v0.7.1" })).workload.scheduler.image).toContain("v0.7.1");
        expect(problems({ eppImage: "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0", installOperators: "false" })[0]).toContain("eppImage");
    });

    it("refuses untested chart versions of the other operators unless opted out", () => {
        expect(problems({ leaderWorkerSetVersion: "0.8.0" })[0]).toContain('tpu-inference:leaderWorkerSetVersion = "0.8.0": this LeaderWorkerSet chart version is not one this stack is tested with (0.7.0)');
        expect(problems({ certManagerVersion: "v1.16.0" })[0]).toContain("certManagerVersion");
        expect(problems({ sailOperatorVersion: "1.28.0", istioVersion: "v1.28.0" })[0]).toContain("sailOperatorVersion");
        expect(parseConfig(raw({ leaderWorkerSetVersion: "0.8.0", allowUntestedVersions: "true" })).operators.sources.leaderWorkerSet.version).toBe("0.8.0");
    });

    it("derives the InferencePool API from the mesh build and version", () => {
        expect(parseConfig(raw()).workload.inferencePool).toEqual({ group: "inference.networking.x-k8s.io", version: "v1alpha2" });
        expect(parseConfig(raw({ meshFlavor: "ossm", sailOperatorVersion: "3.2.1", allowUntestedVersions: "true" })).workload.inferencePool).toEqual({ group: "inference.networking.k8s.io", version: "v1" });
        expect(problems({ meshFlavor: "linkerd" })[0]).toBe('tpu-inference:meshFlavor = "linkerd": must be one of istio, ossm');
    });

    it("refuses the retired prefixBlockSize with what replaced it", () => {
        expect(problems({ prefixBlockSize: "64" })[0]).toMatch(/^tpu-inference:prefixBlockSize is no longer a config key: .*characters.*prefixBlockSizeTokens/);
    });
});

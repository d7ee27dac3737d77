import { describe, expect, it } from "vitest";
import { llmInferenceService, vllmArgs, STARTUP_BUDGET_SECONDS } from "../../components/workload/llmInferenceService";
import { llmInferenceServiceSchema } from "../../crds/kserve";
import { NO_SECRETS, NO_SECRETS_CONFIG, stackConfig } from "./fixtures";

const refs = { pullSecret: "rhaiis-pull-secret", huggingfaceToken: "huggingface-token", serviceAccount: "qwen-3b-tpu-svc-workload-sa" };

function build(values: Record<string, unknown> = {}, secrets = refs) {
    const config = stackConfig(values);
    const svc = llmInferenceService(config, secrets);
    const parsed = llmInferenceServiceSchema.safeParse(svc);
    expect(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues)).toBe(true);
    return { config, svc, main: svc.spec.template!.containers![0], epp: svc.spec.router!.scheduler!.template!.containers![0] };
}

describe("LLMInferenceService for the default config", () => {
    const { svc, main, epp } = build();

    it("names the service and model, replicas and tensor parallelism", () => {
        expect(svc.apiVersion).toBe("serving.kserve.io/v1alpha1");
        expect(svc.kind).toBe("LLMInferenceService");
        expect(svc.metadata.name).toBe("qwen-3b-tpu-svc");
        expect(svc.metadata.namespace).toBe("rhaii-inference");
        expect(svc.spec.model).toEqual({ uri: "hf://Qwen/Qwen2.5-3B-Instruct", name: "Qwen/Qwen2.5-3B-Instruct" });
        expect(svc.spec.replicas).toBe(3);
        expect(svc.spec.parallelism).toEqual({ tensor: 4 });
    });

    it("lets KServe create the route and binds it to the stack's gateway", () => {
        expect(svc.spec.router!.route).toEqual({});
        expect(svc.spec.router!.gateway).toEqual({ refs: [{ name: "inference-gateway", namespace: "opendatahub" }] });
    });

    it("selects both TPU node labels, tolerates the TPU taint and requests all 4 chips (requests = limits)", () => {
        const t = svc.spec.template!;
        expect(t.nodeSelector).toEqual({
            "cloud.google.com/gke-tpu-accelerator": "tpu-v6e-slice",
            "cloud.google.com/gke-tpu-topology": "2x2",
        });
        expect(t.tolerations).toEqual([{ key: "google.com/tpu", operator: "Equal", value: "present", effect: "NoSchedule" }]);
        expect(main.resources).toEqual({ requests: { "google.com/tpu": "4" }, limits: { "google.com/tpu": "4" } });
    });

    it("runs vLLM directly with prefix caching, cached-token details, bfloat16 and KServe's TLS files", () => {
        expect(main.name).toBe("main");
        expect(main.image).toBe("registry.redhat.io/rhaiis/vllm-tpu-rhel9:3.2.5");
        expect(main.command).toEqual(["vllm", "serve"]);
        expect(main.args).toEqual([
            "--model=/mnt/models",
            "--served-model-name=Qwen/Qwen2.5-3B-Instruct",
            "--port=8000",
            "--tensor-parallel-size=4",
            "--max-model-len=2048",
            "--max-num-seqs=128",
            "--dtype=bfloat16",
            "--enable-prefix-caching",
            "--enable-prompt-tokens-details",
            "--enable-ssl-refresh",
            "--ssl-certfile=/var/run/kserve/tls/tls.crt",
            "--ssl-keyfile=/var/run/kserve/tls/tls.key",
        ]);
    });

    it("does not repeat the guide's mistakes", () => {
        const json = JSON.stringify(svc);
        expect(json).not.toContain("--dtype=half");
        expect(json).not.toMatch(/"TPU_[A-Z_]+"/);
        expect(json).not.toContain("PJRT_DEVICE");
        expect(json).not.toContain("self-signed-certs");
        expect(Object.keys(svc.spec.router!.scheduler!)).toEqual(["template"]);
        expect(main.env).toEqual([{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "huggingface-token", key: "HF_TOKEN" } } }]);
        // The storage initializer downloads the model with the token from the pod's ServiceAccount.
        expect(svc.spec.template!.serviceAccountName).toBe("qwen-3b-tpu-svc-workload-sa");
    });

    it("probes vLLM over HTTPS on 8000, with a startup probe that carries the delay and the compile budget", () => {
        const https = (path: string) => ({ path, port: 8000, scheme: "HTTPS" });
        expect(main.startupProbe).toMatchObject({ httpGet: https("/health"), initialDelaySeconds: 240, periodSeconds: 10 });
        expect(main.startupProbe!.failureThreshold! * main.startupProbe!.periodSeconds!).toBe(STARTUP_BUDGET_SECONDS);
        expect(main.livenessProbe).toMatchObject({ httpGet: https("/health"), initialDelaySeconds: 0 });
        expect(main.readinessProbe).toMatchObject({ httpGet: https("/v1/models"), initialDelaySeconds: 0 });
    });

    it("puts the EPP image and flags in router.scheduler.template, with the pull secret", () => {
        expect(epp.name).toBe("main");
        expect(epp.image).toBe("ghcr.io/llm-d/llm-d-inference-scheduler:v0.7.0");
        expect(epp.args).toContain("--config-text");
        expect(svc.spec.router!.scheduler!.template!.imagePullSecrets).toEqual([{ name: "rhaiis-pull-secret" }]);
        expect(svc.spec.template!.imagePullSecrets).toEqual([{ name: "rhaiis-pull-secret" }]);
    });

    it("waits for condition Ready within readyTimeoutMinutes", () => {
        expect(svc.metadata.annotations).toEqual({ "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "2700" });
    });
});

describe("LLMInferenceService for changed config", () => {
    it("follows replicas, model, machine type (selectors, chips), tensor parallelism and the vLLM tunables", () => {
        const { svc, main } = build({
            replicas: 2,
            zone: "us-east5-a",
            tpuMachineType: "ct6e-standard-8t",
            tensorParallelSize: 4,
            modelUri: "hf://meta-llama/Llama-3.1-8B-Instruct",
            modelName: "llama-8b",
            maxModelLen: 4096,
            maxNumSeqs: 64,
            dtype: "float32",
            vllmExtraArgs: ["--gpu-memory-utilization=0.9", "--seed=7"],
            probeInitialDelaySeconds: 600,
            readyTimeoutMinutes: 90,
        });
        expect(svc.spec.replicas).toBe(2);
        expect(svc.spec.model).toEqual({ uri: "hf://meta-llama/Llama-3.1-8B-Instruct", name: "llama-8b" });
        expect(svc.spec.parallelism).toEqual({ tensor: 4 });
        expect(svc.spec.template!.nodeSelector).toEqual({
            "cloud.google.com/gke-tpu-accelerator": "tpu-v6e-slice",
            "cloud.google.com/gke-tpu-topology": "2x4",
        });
        // The whole host's chips are requested even when tensor parallelism uses fewer.
        expect(main.resources).toEqual({ requests: { "google.com/tpu": "8" }, limits: { "google.com/tpu": "8" } });
        expect(main.args).toEqual(
            expect.arrayContaining(["--served-model-name=llama-8b", "--tensor-parallel-size=4", "--max-model-len=4096", "--max-num-seqs=64", "--dtype=float32"]),
        );
        expect(main.args!.slice(-2)).toEqual(["--gpu-memory-utilization=0.9", "--seed=7"]);
        expect(main.startupProbe!.initialDelaySeconds).toBe(600);
        expect(svc.metadata.annotations!["pulumi.com/timeoutSeconds"]).toBe("5400");
    });

    it("defaults tensor parallelism to the chips of a 1-chip host", () => {
        const { svc, main } = build({ tpuMachineType: "ct6e-standard-1t" });
        expect(svc.spec.parallelism).toEqual({ tensor: 1 });
        expect(svc.spec.template!.nodeSelector!["cloud.google.com/gke-tpu-topology"]).toBe("1x1");
        expect(main.resources!.limits).toEqual({ "google.com/tpu": "1" });
    });

    it("keeps the service at 0 replicas and does not wait for Ready", () => {
        const { svc } = build({ replicas: 0 });
        expect(svc.spec.replicas).toBe(0);
        expect(svc.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    });

    it("references no Secret that is not configured", () => {
        const config = stackConfig(NO_SECRETS_CONFIG, NO_SECRETS);
        const svc = llmInferenceService(config, {});
        const json = JSON.stringify(svc);
        expect(json).not.toContain("imagePullSecrets");
        expect(json).not.toContain("HF_TOKEN");
        expect(svc.spec.template!.containers![0].env).toBeUndefined();
    });

    it("changes only the image when the image changes (same object, rolled by KServe)", () => {
        const a = build();
        const b = build({ vllmImage: "registry.redhat.io/rhaiis/vllm-tpu-rhel9:3.3.0" });
        expect(b.svc.metadata).toEqual(a.svc.metadata);
        expect(b.main.image).toBe("registry.redhat.io/rhaiis/vllm-tpu-rhel9:3.3.0");
        expect({ ...b.main, image: undefined }).toEqual({ ...a.main, image: undefined });
    });

    it("passes extra args as separate argv elements, unquoted", () => {
        const config = stackConfig({ vllmExtraArgs: ["--override-generation-config={\"temperature\": 0.5}"] });
        expect(vllmArgs(config).at(-1)).toBe('--override-generation-config={"temperature": 0.5}');
    });
});

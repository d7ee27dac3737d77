import { describe, expect, it } from "vitest";
import { RawConfig, StackConfigError, parseConfig } from "../config";

// What parseConfig hands the components beyond the keys' own values: the shapes the builders rely on.
const SECRETS = {
    redhatPullSecret: JSON.stringify({ auths: { "registry.redhat.io": { auth: "eDp5" } } }),
    huggingfaceToken: "hf_abc",
};

function raw(values: Record<string, string | undefined> = {}, secrets: Record<string, string> = SECRETS): RawConfig {
    return { values: { project: "my-project", ...secrets, ...values }, secretKeys: new Set(Object.keys(secrets)), stack: "test" };
}

const isSecret = (o: unknown) => (o as { isSecret: Promise<boolean> }).isSecret;

describe("derived config", () => {
    it("reports problems as one numbered error, singular or plural", () => {
        try {
            parseConfig(raw({ replicas: "-1" }));
            throw new Error("accepted");
        } catch (err) {
            expect(err).toBeInstanceOf(StackConfigError);
            expect((err as Error).name).toBe("StackConfigError");
            expect((err as Error).message).toMatch(/^Invalid stack configuration \(1 problem\):\n {2}- tpu-inference:replicas = /);
        }
        try {
            parseConfig(raw({ replicas: "-1", maxNumSeqs: "0" }));
            throw new Error("accepted");
        } catch (err) {
            const e = err as StackConfigError;
            expect(e.message).toMatch(/^Invalid stack configuration \(2 problems\):\n {2}- .*\n {2}- /);
            expect(e.problems).toHaveLength(2);
        }
    });

    // docs/UPSTREAM.md row "KServe scheduler pool failureMode".
    it("keeps KServe's FailOpen unless eppFailureMode says closed", () => {
        expect(parseConfig(raw()).workload.scheduler.failOpen).toBe(true);
        expect(parseConfig(raw({ eppFailureMode: "open" })).workload.scheduler.failOpen).toBe(true);
        expect(parseConfig(raw({ eppFailureMode: "closed" })).workload.scheduler.failOpen).toBe(false);
    });

    it("hands the CPU pool, the CRD manifests and the Secret names over whole", () => {
        const c = parseConfig(raw({ cpuMachineType: "e2-standard-8", cpuNodeCount: "3", cpuMinNodes: "2", cpuMaxNodes: "6", cpuDiskSizeGb: "150" }));
        expect(c.cluster.cpuPool).toEqual({ machineType: "e2-standard-8", initialNodeCount: 3, minNodes: 2, maxNodes: 6, diskSizeGb: 150 });
        expect(c.operators.sources.inferenceExtensionCrds).toEqual({
            url: "https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.2.0/manifests.yaml",
            version: "v1.2.0",
        });
        expect(c.secretNames).toEqual({ pullSecret: "rhaiis-pull-secret", huggingfaceToken: "huggingface-token" });
    });

    it("wraps set secrets as Pulumi secrets and leaves unset ones undefined", async () => {
        const set = parseConfig(raw());
        expect(await isSecret(set.secrets.huggingfaceToken)).toBe(true);
        expect(await isSecret(set.secrets.redhatPullSecret)).toBe(true);
        const unset = parseConfig(raw({ modelUri: "pvc://models/qwen", vllmImage: "docker.io/vllm/vllm-tpu:v0.11.1" }, {}));
        expect(unset.secrets).toEqual({ redhatPullSecret: undefined, huggingfaceToken: undefined });
    });
});

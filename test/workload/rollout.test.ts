import { describe, expect, it } from "vitest";
import { llmInferenceService } from "../../components/workload/llmInferenceService";
import { SPEC_DIGEST_ANNOTATION, rolloutConditions, rolloutWaitArgs, specDigest } from "../../components/workload/rollout";
import { stackConfig } from "./fixtures";

// docs/UPSTREAM.md rows "KServe Ready", "pulumi.com/waitFor lists" and "Deployment patch await".
describe("rollout wait after KServe's Ready", () => {
    const config = stackConfig();
    const service = llmInferenceService(config, {});

    it("patches only metadata of KServe's workload Deployment: the spec digest and the provider's wait", () => {
        expect(rolloutWaitArgs(config, service)).toEqual({
            metadata: {
                name: "qwen-3b-tpu-svc-kserve",
                namespace: "rhaii-inference",
                annotations: {
                    [SPEC_DIGEST_ANNOTATION]: specDigest(service),
                    "pulumi.com/waitFor": JSON.stringify([
                        "condition=Available",
                        "jsonpath={.status.updatedReplicas}=3",
                        "jsonpath={.status.availableReplicas}=3",
                        "jsonpath={.status.replicas}=3",
                    ]),
                    "pulumi.com/timeoutSeconds": "2700",
                },
            },
        });
    });

    it("waits until every replica is updated and available and no old pod is left", () => {
        expect(rolloutConditions(1)).toEqual([
            "condition=Available",
            "jsonpath={.status.updatedReplicas}=1",
            "jsonpath={.status.availableReplicas}=1",
            "jsonpath={.status.replicas}=1",
        ]);
    });

    it("changes with every spec change (so every update waits) and only then", () => {
        const again = llmInferenceService(stackConfig(), {});
        expect(specDigest(again)).toBe(specDigest(service));
        expect(specDigest(service)).toMatch(/^[0-9a-f]{16}$/);
        for (const values of [{ vllmImage: "registry.redhat.io/rhaiis/vllm-tpu-rhel9:3.3.0" }, { maxNumSeqs: 64 }, { replicas: 2 }, { prefixCacheWeight: 3 }]) {
            expect(specDigest(llmInferenceService(stackConfig(values), {})), JSON.stringify(values)).not.toBe(specDigest(service));
        }
    });

    it("follows the configured timeout and names", () => {
        const other = stackConfig({ serviceName: "llama-svc", namespace: "team-a", readyTimeoutMinutes: 20 });
        const args = rolloutWaitArgs(other, llmInferenceService(other, {}));
        expect(args.metadata).toMatchObject({ name: "llama-svc-kserve", namespace: "team-a" });
        expect(args.metadata.annotations["pulumi.com/timeoutSeconds"]).toBe("1200");
    });
});

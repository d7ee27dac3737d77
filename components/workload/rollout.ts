import { createHash } from "node:crypto";
import { kserveNames } from "../../config/names";
import { StackConfig } from "../../config/types";
import { LLMInferenceService } from "../../crds/kserve";
import { readyTimeoutSeconds } from "./llmInferenceService";

/**
 * `pulumi up` waits for an update to roll out, not only for `Ready`.
 *
 * KServe's `Ready` mirrors the workload Deployment's `Available` condition only, which the old pods keep while a
 * rollout runs (docs/UPSTREAM.md row "KServe Ready"). So after the service is Ready the stack patches the
 * Deployment KServe created (`<service>-kserve`) with one annotation, the digest of the service's spec, and has the
 * provider wait on that patch until the Deployment has observed its newest generation and every replica is updated
 * and available, with no old pod left: what `kubectl rollout status` checks. Any spec change alters the digest, so
 * every update waits; an update that rolls nothing (e.g. only the EPP's weights) passes at once. A rollout that
 * cannot finish (a bad flag, no spare TPU node for the surge pod) fails `pulumi up` at `readyTimeoutMinutes`,
 * naming this patch and the condition still unmet.
 *
 * The patch touches only metadata, never the pod template, so it never rolls pods itself.
 */

export const SPEC_DIGEST_ANNOTATION = "tpu-inference.dev/llminferenceservice-spec";

/** A short, stable digest of the service's spec (key order as built, which the builders keep fixed). */
export function specDigest(service: LLMInferenceService): string {
    return createHash("sha256").update(JSON.stringify(service.spec)).digest("hex").slice(0, 16);
}

/** The provider's wait: every condition must hold (a JSON list in `pulumi.com/waitFor` is a conjunction). */
export function rolloutConditions(replicas: number): string[] {
    return [
        // Also requires status.observedGeneration to have caught up with the newest spec.
        "condition=Available",
        `jsonpath={.status.updatedReplicas}=${replicas}`,
        `jsonpath={.status.availableReplicas}=${replicas}`,
        // No pod of an older ReplicaSet left (status.replicas counts them all).
        `jsonpath={.status.replicas}=${replicas}`,
    ];
}

export function rolloutWaitArgs(config: StackConfig, service: LLMInferenceService) {
    const names = kserveNames(config.workload);
    return {
        metadata: {
            name: names.workloadDeployment,
            namespace: names.namespace,
            annotations: {
                [SPEC_DIGEST_ANNOTATION]: specDigest(service),
                "pulumi.com/waitFor": JSON.stringify(rolloutConditions(config.workload.replicas)),
                "pulumi.com/timeoutSeconds": String(readyTimeoutSeconds(config)),
            },
        },
    };
}

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { stackLabels } from "../../config/names";
import { HF_TOKEN_KEY } from "./llmInferenceService";

/**
 * The workload namespace and its credentials (the guide's step 3), as typed arguments.
 */

/** Istio injects its sidecar into every pod of a namespace carrying this label (the EPP and vLLM pods). */
export const SIDECAR_INJECTION_LABEL = { "istio-injection": "enabled" } as const;

export function workloadNamespaceArgs(namespace: string): k8s.core.v1.NamespaceArgs {
    return {
        metadata: { name: namespace, labels: { ...stackLabels("workload"), ...SIDECAR_INJECTION_LABEL } },
    };
}

/**
 * The ServiceAccount of the vLLM pods. KServe's storage initializer takes model download credentials from the
 * Secrets a pod's ServiceAccount lists, so the Hugging Face token reaches the download through it.
 */
export function workloadServiceAccountArgs(name: string, namespace: string, secretNames: string[]): k8s.core.v1.ServiceAccountArgs {
    return {
        metadata: { name, namespace, labels: stackLabels("model-credentials") },
        secrets: secretNames.map((n) => ({ name: n })),
    };
}

/**
 * The Hugging Face token Secret the vLLM pod's `HF_TOKEN` and the storage initializer refer to. The value is wrapped in `pulumi.secret` again
 * so it stays encrypted in state even if a caller passes a plain Output.
 */
export function huggingfaceTokenSecretArgs(name: string, namespace: string, token: pulumi.Input<string>): k8s.core.v1.SecretArgs {
    return {
        metadata: { name, namespace, labels: stackLabels("model-credentials") },
        type: "Opaque",
        stringData: { [HF_TOKEN_KEY]: pulumi.secret(token) },
    };
}

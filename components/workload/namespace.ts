import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { HF_TOKEN_KEY, SIDECAR_INJECTION_LABEL, stackLabels } from "../../config/names";

/**
 * The workload namespace and its credentials (the guide's step 3), as typed arguments. The credentials take their
 * namespace as an Input: the component passes the Namespace resource's name, so they are created after it by data.
 */

export function workloadNamespaceArgs(namespace: string): k8s.core.v1.NamespaceArgs {
    return {
        metadata: { name: namespace, labels: { ...stackLabels("workload"), ...SIDECAR_INJECTION_LABEL } },
    };
}

/**
 * The ServiceAccount of the vLLM pods. KServe's storage initializer takes model download credentials from the
 * Secrets a pod's ServiceAccount lists, so the Hugging Face token reaches the download through it.
 */
export function workloadServiceAccountArgs(
    name: string,
    namespace: pulumi.Input<string>,
    secretNames: string[],
): k8s.core.v1.ServiceAccountArgs {
    return {
        metadata: { name, namespace, labels: stackLabels("model-credentials") },
        secrets: secretNames.map((n) => ({ name: n })),
    };
}

/**
 * The Hugging Face token Secret the vLLM pod's `HF_TOKEN` and the storage initializer refer to. The value is wrapped in `pulumi.secret` again
 * so it stays encrypted in state even if a caller passes a plain Output.
 */
export function huggingfaceTokenSecretArgs(
    name: string,
    namespace: pulumi.Input<string>,
    token: pulumi.Input<string>,
): k8s.core.v1.SecretArgs {
    return {
        metadata: { name, namespace, labels: stackLabels("model-credentials") },
        type: "Opaque",
        stringData: { [HF_TOKEN_KEY]: pulumi.secret(token) },
    };
}

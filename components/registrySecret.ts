import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { stackLabels } from "../config/names";

/**
 * A `kubernetes.io/dockerconfigjson` pull Secret. The value comes from Pulumi secret config and is wrapped in
 * `pulumi.secret` again so it stays encrypted in state even if a caller passes a plain Output.
 */
export function pullSecretArgs(name: string, namespace: string, dockerConfigJson: pulumi.Input<string>): k8s.core.v1.SecretArgs {
    return {
        metadata: { name, namespace, labels: stackLabels("registry-credentials") },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": pulumi.secret(dockerConfigJson) },
    };
}

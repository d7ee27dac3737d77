import * as pulumi from "@pulumi/pulumi";

export interface KubeconfigInputs {
    /** Context and user name. */
    name: string;
    endpoint: string;
    clusterCaCertificate: string;
}

/**
 * A kubeconfig for a GKE cluster that authenticates with `gke-gcloud-auth-plugin` (GKE's only supported way since
 * 1.26): no long-lived credential is written anywhere, the caller's gcloud login is used at each call.
 */
export function buildKubeconfig(c: KubeconfigInputs): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: c.name, cluster: { server: `https://${c.endpoint}`, "certificate-authority-data": c.clusterCaCertificate } }],
        contexts: [{ name: c.name, context: { cluster: c.name, user: c.name } }],
        "current-context": c.name,
        users: [
            {
                name: c.name,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "gke-gcloud-auth-plugin",
                        installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                        provideClusterInfo: true,
                    },
                },
            },
        ],
    });
}

/** The kubeconfig as a secret Output (it names the cluster endpoint and CA; treat it like a credential). */
export function kubeconfigOutput(name: pulumi.Input<string>, endpoint: pulumi.Input<string>, ca: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([name, endpoint, ca]).apply(([n, e, c]) => buildKubeconfig({ name: n, endpoint: e, clusterCaCertificate: c })),
    );
}

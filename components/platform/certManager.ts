import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ChartSource } from "../../config/types";
import { certManagerValues, releaseArgs } from "./charts";
import { NamespaceHandle } from "./namespaces";
import { caCertificate, caIssuer, selfSignedIssuer } from "./pki";
import { KSERVE_PKI, RELEASE_NAMES } from "../../config/names";

export interface CertManagerArgs {
    source: ChartSource;
    namespace: NamespaceHandle;
}

/**
 * cert-manager (Helm) and the PKI the KServe chart expects. The issuers and the CA Certificate depend on the
 * release, so on destroy they are deleted while cert-manager and its webhook still run.
 */
export class CertManager extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    /** The CA ClusterIssuer, Ready: what anything asking cert-manager for a KServe-trusted certificate waits for. */
    readonly caIssuer: k8s.apiextensions.CustomResource;
    readonly caIssuerName: string = KSERVE_PKI.caIssuer;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:platform:CertManager", name, {}, opts);
        const ns = args.namespace;

        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            releaseArgs({
                name: RELEASE_NAMES.certManager,
                source: args.source,
                values: certManagerValues(ns.name, ns.pullSecretName),
                // Includes the startupapicheck hook Job, which succeeds only once the webhook admits requests.
                timeoutSeconds: 600,
            }),
            { parent: this, dependsOn: ns.resources },
        );

        const selfSigned = new k8s.apiextensions.CustomResource(`${name}-selfsigned-issuer`, selfSignedIssuer(), {
            parent: this,
            dependsOn: [this.release],
        });
        const ca = new k8s.apiextensions.CustomResource(`${name}-ca`, caCertificate(ns.name), {
            parent: this,
            dependsOn: [this.release, selfSigned],
        });
        this.caIssuer = new k8s.apiextensions.CustomResource(`${name}-ca-issuer`, caIssuer(), {
            parent: this,
            dependsOn: [this.release, ca],
        });

        this.registerOutputs({ release: this.release.status, caIssuer: this.caIssuerName });
    }
}

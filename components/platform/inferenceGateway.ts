import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { gatewayNames } from "../../config/names";
import { GatewayConfig } from "../../config/types";
import { gatewayAddressOf, gatewayObject, gatewayParameters } from "./gatewayObjects";
import { NamespaceHandle } from "./namespaces";
import { caBundleCertificate } from "./pki";

export interface InferenceGatewayArgs {
    gateway: GatewayConfig;
    namespace: NamespaceHandle;
    /** The CA ClusterIssuer, Ready (the gateway's CA bundle is issued from it). */
    caIssuer: pulumi.Resource;
    /** A Ready control plane (it creates the `istio` GatewayClass and deploys the gateway) and the Gateway CRDs. */
    prerequisites: pulumi.Resource[];
}

/** The `inference-gateway` Gateway KServe routes through, with the CA bundle and parameters it expects. */
export class InferenceGateway extends pulumi.ComponentResource {
    readonly gateway: k8s.apiextensions.CustomResource;
    readonly address: pulumi.Output<string>;

    constructor(name: string, args: InferenceGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:platform:InferenceGateway", name, {}, opts);
        const { gateway } = args;
        const ns = args.namespace;

        const caBundle = new k8s.apiextensions.CustomResource(
            `${name}-ca-bundle`,
            caBundleCertificate(gatewayNames(gateway).caBundle, gateway.namespace),
            { parent: this, dependsOn: [args.caIssuer, ...ns.resources] },
        );
        const parameters = new k8s.core.v1.ConfigMap(`${name}-parameters`, gatewayParameters(gateway, ns.pullSecretName), {
            parent: this,
            dependsOn: ns.resources,
        });

        // `status` is listed so the provider's read-back of the live object (addresses) becomes an output.
        this.gateway = new k8s.apiextensions.CustomResource(
            `${name}-inference-gateway`,
            { ...gatewayObject(gateway), status: undefined },
            { parent: this, dependsOn: [parameters, caBundle, ...ns.resources, ...args.prerequisites] },
        );
        this.address = gatewayAddressOf(this.gateway, `${gateway.namespace}/${gateway.name}`);
        this.registerOutputs({ address: this.address });
    }
}

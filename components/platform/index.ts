import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { STACK_NAMES, workloadCrds } from "../../config/names";
import { StackConfig } from "../../config/types";
import { GATEWAY_API_VERSION, GATEWAY_KIND } from "../../crds/gateway";
import { CertManager } from "./certManager";
import { GatewayApiCrds } from "./gatewayApiCrds";
import { gatewayAddressOf } from "./gatewayObjects";
import { InferenceGateway } from "./inferenceGateway";
import { KServe } from "./kserve";
import { LeaderWorkerSet } from "./leaderWorkerSet";
import { cniExcludedNamespaces } from "./mesh";
import { PlatformNamespaces } from "./namespaces";
import { pullSecretNamespaces } from "./pullSecretScope";
import { ServiceMesh } from "./serviceMesh";

export interface PlatformArgs {
    config: StackConfig;
    provider: k8s.Provider;
}

/**
 * Everything the guide's steps 4 and 4.1 install, as resources: cert-manager and KServe's PKI, the Gateway API and
 * Inference Extension CRDs, the Sail operator with an Istio control plane and CNI agent, LeaderWorkerSet, KServe's
 * LLMInferenceService controller and the inference Gateway.
 *
 * It depends on the cluster and its CPU pool only (the caller's `dependsOn`), never on the TPU pool: operators
 * install while TPU nodes are still provisioning. With `installOperators = false` it installs nothing and only
 * reads what the workload needs: the existing Gateway (for its address) and the CRDs of the workload's kinds.
 */
export class Platform extends pulumi.ComponentResource {
    /** The inference Gateway's external address (`status.addresses[0].value`). */
    readonly gatewayAddress: pulumi.Output<string>;
    /** The CA clients verify the gateway with (PEM); undefined for a platform team's Gateway. */
    readonly caCertificate?: pulumi.Output<string>;
    /** Client name -> bearer token (secret), when the stack issues the tokens. */
    readonly clientTokens?: pulumi.Output<Record<string, string>>;
    /**
     * What workload resources must depend on: KServe, the Gateway, the CRDs, the mesh; with nothing installed, the
     * reads of the existing Gateway and CRDs, so none of them is applied on a cluster missing one.
     */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // Every in-cluster child inherits the cluster's provider through its parent.
        super("tpu-inference:platform:Platform", name, {}, pulumi.mergeOptions(opts, { providers: [args.provider] }));
        const { config } = args;
        const { operators, gateway } = config;

        if (!operators.install) {
            // The platform team's Gateway: read, never managed, so destroy leaves it alone.
            const id = `${gateway.namespace}/${gateway.name}`;
            const existing = new k8s.apiextensions.CustomResource(
                `${name}-existing-gateway`,
                { apiVersion: GATEWAY_API_VERSION, kind: GATEWAY_KIND, status: undefined },
                { parent: this, id },
            );
            // Each kind the workload creates or routes to. Reads run during preview, so on a cluster without one
            // `pulumi up` stops at its preview with a read error naming the CRD, before anything is applied; the
            // workload's custom resources also depend on these reads (`ready`), which holds without a preview too.
            const crds = Object.values(workloadCrds(config.workload.inferencePool.group)).map((crd) =>
                k8s.apiextensions.v1.CustomResourceDefinition.get(`${name}-existing-crd-${crd}`, crd, { parent: this }),
            );
            this.gatewayAddress = gatewayAddressOf(existing, id);
            this.ready = [existing, ...crds];
            this.registerOutputs({ gatewayAddress: this.gatewayAddress, installed: false });
            return;
        }

        const src = operators.sources;
        const istioNs = STACK_NAMES.istioNamespace;
        const cniNs = STACK_NAMES.istioCniNamespace;
        const namespaces = new PlatformNamespaces(
            `${name}-ns`,
            {
                create: [
                    src.certManager.namespace,
                    ...(operators.existingIstio ? [] : [src.sailOperator.namespace, istioNs]),
                    src.leaderWorkerSet.namespace,
                    src.kserve.namespace,
                    gateway.namespace,
                ],
                existing: [cniNs, ...(operators.existingIstio ? [istioNs] : [])],
                pullSecret: config.secrets.redhatPullSecret
                    ? { name: config.secretNames.pullSecret, dockerConfigJson: config.secrets.redhatPullSecret, namespaces: pullSecretNamespaces(config) }
                    : undefined,
            },
            { parent: this },
        );

        const certManager = new CertManager(
            `${name}-cert-manager`,
            { source: src.certManager, namespace: namespaces.handle(src.certManager.namespace) },
            { parent: this },
        );
        const crds = new GatewayApiCrds(`${name}-crds`, { sources: src, crdOwner: operators.crdOwner }, { parent: this });
        const mesh = new ServiceMesh(
            `${name}-mesh`,
            {
                sailOperator: src.sailOperator,
                istioVersion: src.istioVersion,
                existingIstio: operators.existingIstio,
                operatorNamespace: operators.existingIstio ? undefined : namespaces.handle(src.sailOperator.namespace),
                istioNamespace: namespaces.handle(istioNs),
                cniNamespace: namespaces.handle(cniNs),
                cniExcludeNamespaces: cniExcludedNamespaces({ certManager: src.certManager.namespace, kserve: src.kserve.namespace }),
                gatewayApiCrds: crds.crds,
            },
            { parent: this },
        );
        const lws = new LeaderWorkerSet(
            `${name}-lws`,
            { source: src.leaderWorkerSet, namespace: namespaces.handle(src.leaderWorkerSet.namespace) },
            { parent: this },
        );
        const kserve = new KServe(
            `${name}-kserve`,
            {
                source: src.kserve,
                namespace: namespaces.handle(src.kserve.namespace),
                prerequisites: [certManager.caIssuer, ...crds.crds, ...mesh.meshCrds, lws.release],
            },
            { parent: this },
        );
        const inferenceGateway = new InferenceGateway(
            `${name}-gateway`,
            {
                gateway,
                config,
                namespace: namespaces.handle(gateway.namespace),
                caIssuer: certManager.caIssuer,
                prerequisites: [mesh.istio, ...crds.crds],
            },
            { parent: this },
        );

        this.gatewayAddress = inferenceGateway.address;
        this.caCertificate = inferenceGateway.caCertificate;
        this.clientTokens = inferenceGateway.clientTokens;
        // The webhooks too: the service is validated when it is created, and deleted before them on destroy.
        this.ready = [kserve.release, ...kserve.webhooks, inferenceGateway.gateway, ...crds.crds, ...mesh.ready];
        this.registerOutputs({ gatewayAddress: this.gatewayAddress, installed: true });
    }
}

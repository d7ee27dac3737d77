import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ChartSource } from "../../config/types";
import { releaseArgs, sailOperatorValues } from "./charts";
import {
    existingIstioPatchValues,
    injectorWebhookIgnorePatchArgs,
    istioCniObject,
    istioObject,
    istioPatchObject,
    istiodRestartPatchArgs,
} from "./mesh";
import { NamespaceHandle } from "./namespaces";
import { RELEASE_NAMES } from "../../config/names";

export interface ServiceMeshArgs {
    sailOperator: ChartSource;
    /** `spec.version` of the Istio and IstioCNI resources. */
    istioVersion: string;
    /** An `Istio` named `default` (and its operator) exists: patch it instead of installing Sail and creating it. */
    existingIstio: boolean;
    /** Namespace of the Sail operator; absent with an existing mesh. */
    operatorNamespace?: NamespaceHandle;
    /** istio-system: created by the stack for a new mesh, existing otherwise. */
    istioNamespace: NamespaceHandle;
    /** kube-system, where the CNI node agent runs. */
    cniNamespace: NamespaceHandle;
    cniExcludeNamespaces: string[];
    /** Gateway API CRDs the control plane watches from its first start (empty when GKE owns them). */
    gatewayApiCrds: pulumi.Resource[];
}

/**
 * The Sail operator (Helm), then the `Istio` control plane and the `IstioCNI` node agent it reconciles.
 *
 * New mesh: both resources are created right (CNI on, Gateway API and Inference Extension flags set), so istiod
 * starts once with the final configuration. Existing mesh: the guide's step 4.1 as resources: the CNI agent is
 * created, the `Istio` is patched by server-side apply under the stack's field manager, and istiod is restarted
 * once, keyed on the patched values.
 */
export class ServiceMesh extends pulumi.ComponentResource {
    /** The Sail operator release; absent with an existing mesh. */
    readonly operator?: k8s.helm.v3.Release;
    /** The `Istio` resource, or the patch of the existing one. */
    readonly istio: pulumi.CustomResource;
    readonly istioCni: k8s.apiextensions.CustomResource;
    /** What needs the mesh's CRDs (DestinationRule, EnvoyFilter...) to exist: the operator release, if installed. */
    readonly meshCrds: pulumi.Resource[];
    /** What workloads in the mesh wait for: a Ready control plane and CNI agent (and the istiod restart, if any). */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ServiceMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:platform:ServiceMesh", name, {}, opts);
        const cniPullSecret = args.cniNamespace.pullSecretName;

        if (!args.existingIstio) {
            if (!args.operatorNamespace) throw new Error("ServiceMesh: operatorNamespace is required to install the Sail operator");
            const operatorNs = args.operatorNamespace;
            this.operator = new k8s.helm.v3.Release(
                `${name}-operator`,
                releaseArgs({
                    name: RELEASE_NAMES.sailOperator,
                    source: args.sailOperator,
                    values: sailOperatorValues(operatorNs.pullSecretName),
                    timeoutSeconds: 600,
                }),
                { parent: this, dependsOn: operatorNs.resources },
            );
            const operator = this.operator;

            // Custom resources depend on the operator release: on destroy they are deleted while Sail still runs
            // and can remove istiod and the CNI DaemonSet (and its finalizers).
            this.istio = new k8s.apiextensions.CustomResource(
                `${name}-istio`,
                istioObject(args.istioVersion, args.istioNamespace.pullSecretName),
                { parent: this, dependsOn: [operator, ...args.istioNamespace.resources, ...args.gatewayApiCrds] },
            );
            this.istioCni = new k8s.apiextensions.CustomResource(
                `${name}-istio-cni`,
                istioCniObject(args.istioVersion, args.cniExcludeNamespaces, cniPullSecret),
                { parent: this, dependsOn: [operator, ...args.cniNamespace.resources] },
            );
            new k8s.admissionregistration.v1.MutatingWebhookConfigurationPatch(`${name}-injector-ignore`, injectorWebhookIgnorePatchArgs(), {
                parent: this,
                dependsOn: [this.istio],
            });
            this.meshCrds = [operator];
            this.ready = [this.istio, this.istioCni];
        } else {
            this.istioCni = new k8s.apiextensions.CustomResource(
                `${name}-istio-cni`,
                istioCniObject(args.istioVersion, args.cniExcludeNamespaces, cniPullSecret),
                { parent: this, dependsOn: args.cniNamespace.resources },
            );
            // The guide's order: CNI agent running on every node, then CNI on in the control plane, then a restart.
            this.istio = new k8s.apiextensions.CustomResourcePatch(`${name}-istio`, istioPatchObject(), {
                parent: this,
                dependsOn: [this.istioCni, ...args.gatewayApiCrds],
            });
            const restart = new k8s.apps.v1.DeploymentPatch(`${name}-istiod-restart`, istiodRestartPatchArgs(existingIstioPatchValues()), {
                parent: this,
                dependsOn: [this.istio],
            });
            this.meshCrds = [];
            this.ready = [this.istio, this.istioCni, restart];
        }

        this.registerOutputs({ istioVersion: args.istioVersion, existingIstio: args.existingIstio });
    }
}

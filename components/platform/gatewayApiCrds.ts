import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CrdOwner, PlatformSources } from "../../config/types";

export interface GatewayApiCrdsArgs {
    sources: Pick<PlatformSources, "gatewayApiCrds" | "inferenceExtensionCrds">;
    crdOwner: CrdOwner;
}

/**
 * The Gateway API (standard channel) and Gateway API Inference Extension CRDs, applied from their pinned release
 * manifests, when the stack owns them.
 *
 * Ownership, decided once so nothing ever fights over a CRD:
 * - `crdOwner = "stack"`: these two manifests are stack resources. GKE's managed Gateway API is off on the
 *   cluster (GkeCluster), so no GKE controller rewrites them. Everything that uses the kinds depends on this
 *   component, so on destroy the CRDs go last.
 * - `crdOwner = "gke"`: GKE's managed Gateway API owns the Gateway API CRDs (and, on newer versions, InferencePool
 *   v1); the stack applies neither manifest. Applying them anyway would have GKE's addon manager and the stack
 *   overwrite each other on every reconcile.
 *
 * InferenceModel (v1alpha2), which the EA1 KServe controller still creates, is in neither manifest (GIE v1.x
 * dropped it). It comes from the KServe chart's `crds/` directory, which Helm installs only when a CRD is absent:
 * because the KServe release waits for this component, Helm finds the v1.2.0 InferencePools already present and
 * adds just the missing InferenceModel (with `crdOwner = "gke"` it also adds whichever InferencePool GKE lacks).
 */
export class GatewayApiCrds extends pulumi.ComponentResource {
    /** The CRD manifests applied by the stack; empty when GKE owns the CRDs. */
    readonly crds: pulumi.Resource[];

    constructor(name: string, args: GatewayApiCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:platform:GatewayApiCrds", name, {}, opts);
        this.crds =
            args.crdOwner === "stack"
                ? [
                      new k8s.yaml.v2.ConfigFile(`${name}-gateway-api`, { file: args.sources.gatewayApiCrds.url }, { parent: this }),
                      new k8s.yaml.v2.ConfigFile(
                          `${name}-inference-extension`,
                          { file: args.sources.inferenceExtensionCrds.url },
                          { parent: this },
                      ),
                  ]
                : [];
        this.registerOutputs({
            owner: args.crdOwner,
            gatewayApi: args.crdOwner === "stack" ? args.sources.gatewayApiCrds.version : "gke",
            inferenceExtension: args.crdOwner === "stack" ? args.sources.inferenceExtensionCrds.version : "gke",
        });
    }
}

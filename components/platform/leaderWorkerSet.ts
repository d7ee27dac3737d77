import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ChartSource } from "../../config/types";
import { leaderWorkerSetValues, releaseArgs } from "./charts";
import { NamespaceHandle } from "./namespaces";
import { patchAnnotations } from "./annotations";
import { RELEASE_NAMES } from "../../config/names";

export interface LeaderWorkerSetArgs {
    source: ChartSource;
    namespace: NamespaceHandle;
}

/** The CRD the LWS chart installs (0.7.0: from `templates/crds/`, so it is part of the release). */
export const LWS_CRD = "leaderworkersets.leaderworkerset.x-k8s.io";

/**
 * Keeps the LWS CRD through a chart upgrade: from 0.8.0 the chart ships the CRD in `crds/`, so the first upgrade
 * across that boundary sees it removed from the release and deletes it, and with it every LeaderWorkerSet, unless
 * the live CRD says `helm.sh/resource-policy: keep` (Helm reads the annotation from the live object when it prunes).
 * The annotation goes on after the release and comes off before it on destroy, so the uninstall still removes it.
 */
export function lwsCrdKeepPatchArgs(): k8s.apiextensions.v1.CustomResourceDefinitionPatchArgs {
    return { metadata: { name: LWS_CRD, annotations: { ...patchAnnotations(), "helm.sh/resource-policy": "keep" } } };
}

/**
 * The LeaderWorkerSet operator (Helm). A single-host TPU service never creates a LeaderWorkerSet, but the KServe
 * LLMInferenceService controller watches the kind and does not start without its CRD.
 */
export class LeaderWorkerSet extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly crdKeep: k8s.apiextensions.v1.CustomResourceDefinitionPatch;

    constructor(name: string, args: LeaderWorkerSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:platform:LeaderWorkerSet", name, {}, opts);
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            releaseArgs({
                name: RELEASE_NAMES.leaderWorkerSet,
                source: args.source,
                values: leaderWorkerSetValues(args.namespace.pullSecretName),
                timeoutSeconds: 600,
            }),
            { parent: this, dependsOn: args.namespace.resources },
        );
        this.crdKeep = new k8s.apiextensions.v1.CustomResourceDefinitionPatch(`${name}-crd-keep`, lwsCrdKeepPatchArgs(), {
            parent: this,
            dependsOn: [this.release],
        });
        this.registerOutputs({ release: this.release.status });
    }
}

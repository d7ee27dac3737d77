import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ChartSource } from "../../config/types";
import { leaderWorkerSetValues, releaseArgs } from "./charts";
import { NamespaceHandle } from "./namespaces";
import { RELEASE_NAMES } from "../../config/names";

export interface LeaderWorkerSetArgs {
    source: ChartSource;
    namespace: NamespaceHandle;
}

/**
 * The LeaderWorkerSet operator (Helm). A single-host TPU service never creates a LeaderWorkerSet, but the KServe
 * LLMInferenceService controller watches the kind and does not start without its CRD.
 */
export class LeaderWorkerSet extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

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
        this.registerOutputs({ release: this.release.status });
    }
}

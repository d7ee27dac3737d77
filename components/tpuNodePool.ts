import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { ClusterConfig } from "../config/types";

export interface TpuNodePoolArgs {
    cluster: ClusterConfig;
    clusterName: pulumi.Input<string>;
    serviceAccountEmail: pulumi.Input<string>;
}

/**
 * Single-host TPU v6e node pool: one node per vLLM replica, `nodeCount` 0 keeps the pool without nodes.
 *
 * With `surgeNodes` > 0 the pool autoscales between `replicas` and `replicas + surgeNodes`: KServe rolls an image or
 * flag change by surging one pod, which needs a free TPU node, and the autoscaler only ever removes nodes no pod
 * uses, so shrinking `replicas` never takes a node from under a serving pod before KServe has scaled the service
 * down. With `surgeNodes` 0 the pool holds exactly `replicas` nodes.
 *
 * GKE labels TPU nodes (`cloud.google.com/gke-tpu-*`) and taints them (`google.com/tpu=present:NoSchedule`) itself;
 * the pool sets neither, so Pulumi never fights GKE over them.
 */
export class TpuNodePool extends pulumi.ComponentResource {
    readonly nodePool: gcp.container.NodePool;
    readonly nodeCount: pulumi.Output<number>;
    readonly chips: pulumi.Output<number>;

    constructor(name: string, args: TpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:gke:TpuNodePool", name, {}, opts);
        const c = args.cluster;
        const tpu = c.tpuPool;

        this.nodePool = new gcp.container.NodePool(
            `${name}-pool`,
            {
                project: c.project,
                cluster: args.clusterName,
                location: c.zone,
                name: "tpu-pool",
                ...(tpu.surgeNodes === 0
                    ? { nodeCount: tpu.nodeCount }
                    : {
                          initialNodeCount: tpu.nodeCount,
                          autoscaling: { minNodeCount: tpu.nodeCount, maxNodeCount: tpu.nodeCount + tpu.surgeNodes },
                      }),
                management: { autoRepair: true, autoUpgrade: true },
                nodeConfig: {
                    machineType: tpu.machineType,
                    diskSizeGb: tpu.diskSizeGb,
                    serviceAccount: args.serviceAccountEmail,
                    oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
                    workloadMetadataConfig: { mode: "GKE_METADATA" },
                    spot: tpu.spot,
                    reservationAffinity: tpu.reservation
                        ? {
                              consumeReservationType: "SPECIFIC_RESERVATION",
                              key: "compute.googleapis.com/reservation-name",
                              values: [tpu.reservation],
                          }
                        : undefined,
                },
            },
            {
                parent: this,
                // The pool has a fixed name (the one the guide's gcloud commands use): a replacement must delete first.
                deleteBeforeReplace: true,
                // The autoscaler owns the size once the pool exists; a new initial size would replace the pool.
                ignoreChanges: ["initialNodeCount"],
                // TPU VMs can take long to be granted capacity; the provider's 20-minute default is often too short.
                customTimeouts: { create: "60m", update: "60m", delete: "30m" },
            },
        );

        this.nodeCount = pulumi.output(tpu.nodeCount);
        this.chips = pulumi.output(tpu.nodeCount * tpu.chips);
        this.registerOutputs({ nodeCount: this.nodeCount, chips: this.chips });
    }
}

import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { CapacitySource, ClusterConfig } from "../config/types";
import { computeClassObject } from "./capacity/computeClass";

export interface TpuNodePoolArgs {
    cluster: ClusterConfig;
    clusterName: pulumi.Input<string>;
    serviceAccountEmail: pulumi.Input<string>;
    /** The cluster's Kubernetes provider: the ComputeClass of computeClass mode is an in-cluster object. */
    provider?: k8s.Provider;
}

/**
 * Autoscaling bounds of the TPU pool in every configuration: at least `replicas` nodes, room for `surgeNodes` more.
 *
 * The pool always autoscales, never takes a fixed size: with a fixed `nodeCount` a lower `replicas` resized the pool
 * (NodePools.SetSize) before KServe scaled the service down, and GKE chose which nodes to delete while vLLM pods
 * still served on them. A lower maximum only stops scale-up; the cluster autoscaler does not enforce it and removes
 * only nodes whose pods can move (docs/UPSTREAM.md rows "cluster autoscaler: min/max not enforced" and "scale-down
 * only of unneeded nodes"), so a node leaves once KServe has taken its pod away. The maximum stays at least 1:
 * `replicas` 0 then has no node and nothing asks for one, and a maximum of 0 is not something this stack relies on.
 */
export function tpuPoolAutoscaling(tpu: ClusterConfig["tpuPool"]): { minNodeCount: number; maxNodeCount: number } {
    return { minNodeCount: tpu.nodeCount, maxNodeCount: Math.max(1, tpu.nodeCount + tpu.surgeNodes) };
}

/**
 * How GKE upgrades TPU nodes (nodePool mode): surge strategy with the configured surge and unavailability. The
 * default (surge 0, unavailable 1) needs no spare TPU quota and upgrades one node at a time: that replica is out for
 * a node re-creation plus a vLLM cold start. Surge 1 creates the new node first (one more node of quota), so only
 * the cold start is lost. Blue-green would need a second full set of TPU nodes and is not offered.
 */
export function tpuUpgradeSettings(tpu: ClusterConfig["tpuPool"]) {
    return { strategy: "SURGE", maxSurge: tpu.upgrade.maxSurge, maxUnavailable: tpu.upgrade.maxUnavailable };
}

/**
 * TPU v6e capacity for the vLLM replicas, one single-host node per replica, in one of two modes:
 *
 * - nodePool: one node pool of one kind (on-demand, Spot or a specific reservation) that autoscales between
 *   `replicas` and `replicas + surgeNodes` (see tpuPoolAutoscaling). KServe rolls an image or flag change by surging
 *   one pod, which needs a free TPU node.
 * - computeClass: a GKE ComputeClass (components/capacity/computeClass.ts) listing the sources in order; GKE creates
 *   and deletes the node pools itself. No node pool of the stack's own exists, so nothing here pins a size.
 *
 * GKE labels TPU nodes (`cloud.google.com/gke-tpu-*`) and taints them (`google.com/tpu=present:NoSchedule`) itself;
 * the pool sets neither, so Pulumi never fights GKE over them.
 */
export class TpuNodePool extends pulumi.ComponentResource {
    readonly nodePool?: gcp.container.NodePool;
    readonly computeClass?: k8s.apiextensions.CustomResource;
    readonly nodeCount: pulumi.Output<number>;
    readonly chips: pulumi.Output<number>;
    readonly capacityMode: pulumi.Output<string>;
    readonly capacitySources: pulumi.Output<CapacitySource[]>;

    constructor(name: string, args: TpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:gke:TpuNodePool", name, {}, opts);
        const c = args.cluster;
        const tpu = c.tpuPool;

        if (tpu.capacity.mode === "computeClass") {
            if (!args.provider) throw new Error("TpuNodePool: computeClass mode needs the cluster's Kubernetes provider");
            // Only the service account is known later; kind and name are static, as the provider needs them.
            const { apiVersion, kind, metadata, spec } = computeClassObject(c, "");
            const nodePoolConfig = pulumi.output(args.serviceAccountEmail).apply((serviceAccount) => ({ serviceAccount }));
            this.computeClass = new k8s.apiextensions.CustomResource(
                `${name}-compute-class`,
                { apiVersion, kind, metadata, spec: { ...spec, nodePoolConfig } },
                { parent: this, provider: args.provider },
            );
        } else {
            this.nodePool = this.tpuPool(name, args);
        }

        this.nodeCount = pulumi.output(tpu.nodeCount);
        this.chips = pulumi.output(tpu.nodeCount * tpu.chips);
        this.capacityMode = pulumi.output(tpu.capacity.mode);
        this.capacitySources = pulumi.output(tpu.capacity.sources);
        this.registerOutputs({ nodeCount: this.nodeCount, chips: this.chips, capacityMode: this.capacityMode, capacitySources: this.capacitySources });
    }

    private tpuPool(name: string, args: TpuNodePoolArgs): gcp.container.NodePool {
        const c = args.cluster;
        const tpu = c.tpuPool;
        return new gcp.container.NodePool(
            `${name}-pool`,
            {
                project: c.project,
                cluster: args.clusterName,
                location: c.zone,
                name: "tpu-pool",
                initialNodeCount: tpu.nodeCount,
                autoscaling: tpuPoolAutoscaling(tpu),
                management: { autoRepair: true, autoUpgrade: tpu.autoUpgrade },
                upgradeSettings: tpuUpgradeSettings(tpu),
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
    }
}

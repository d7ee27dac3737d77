import { STACK_NAMES, stackLabels } from "../../config/names";
import { COMPUTE_CLASS_LABEL } from "../../config/tpu";
import { ClusterConfig, CapacitySource } from "../../config/types";
import { COMPUTE_CLASS_API_VERSION, COMPUTE_CLASS_KIND, ComputeClass, ComputeClassPriority } from "../../crds/computeClass";

/**
 * GKE's flex-start node recycling lead time, as Google's TPU v6e ComputeClass example sets it (3600 s). What GKE does
 * with it (create a replacement before a flex-start node reaches its run duration) is UNVERIFIED: docs/UPSTREAM.md.
 */
export const FLEX_START_RECYCLING_LEAD_SECONDS = 3600;

/** One ComputeClass priority per capacity source, each for the configured v6e machine type and topology. */
export function capacityPriority(source: CapacitySource, tpu: ClusterConfig["tpuPool"]): ComputeClassPriority {
    const node = {
        machineType: tpu.machineType,
        tpu: { type: tpu.accelerator, count: tpu.chips, topology: tpu.topology },
        storage: { bootDiskSize: tpu.diskSizeGb },
    };
    switch (source) {
        case "reservation":
            // TPU reservations take Specific affinity only; the reservation is in the cluster's project.
            return { ...node, spot: false, reservations: { affinity: "Specific", specific: [{ name: tpu.reservation! }] } };
        case "onDemand":
            return { ...node, spot: false };
        case "flexStart":
            return {
                ...node,
                flexStart: { enabled: true, nodeRecycling: { leadTimeSeconds: FLEX_START_RECYCLING_LEAD_SECONDS } },
                maxRunDurationSeconds: tpu.flexStartMaxRunDurationSeconds,
            };
        case "spot":
            return { ...node, spot: true };
    }
}

/**
 * The ComputeClass the vLLM pods select in computeClass mode: GKE tries the sources in the configured order and,
 * with node pool auto-creation, creates the node pools itself. `DoNotScaleUp`: when no source has capacity the pods
 * wait (GKE's default since 1.33, stated so an upgrade cannot change it) instead of landing on a default machine
 * without TPUs. Active migration moves a replica back up the list (e.g. off Spot) when better capacity appears; it
 * respects the vLLM PodDisruptionBudget, so it takes one replica at a time, and each move is one cold start.
 * Auto-created nodes run as the stack's least-privilege node service account.
 */
export function computeClassObject(cluster: ClusterConfig, serviceAccountEmail: string): ComputeClass {
    const tpu = cluster.tpuPool;
    return {
        apiVersion: COMPUTE_CLASS_API_VERSION,
        kind: COMPUTE_CLASS_KIND,
        metadata: { name: STACK_NAMES.tpuComputeClass, labels: stackLabels("tpu-capacity") },
        spec: {
            priorities: tpu.capacity.sources.map((source) => capacityPriority(source, tpu)),
            whenUnsatisfiable: "DoNotScaleUp",
            nodePoolAutoCreation: { enabled: true },
            activeMigration: { optimizeRulePriority: true },
            nodePoolConfig: { serviceAccount: serviceAccountEmail },
        },
    };
}

/**
 * What a vLLM pod adds to select the ComputeClass (computeClass mode; nothing in nodePool mode): the class's node
 * selector, which GKE accepts beside the TPU system labels (only labels with a ComputeClass field, such as
 * gke-spot or machine-type, are refused; docs/UPSTREAM.md "ComputeClass: system-label selectors"), and a toleration of
 * the class taint GKE puts on nodes of a class, in case GKE's own admission does not add it (UNVERIFIED either way).
 */
export function computeClassSelection(cluster: ClusterConfig): {
    nodeSelector: Record<string, string>;
    tolerations: { key: string; operator: "Equal"; value: string; effect: "NoSchedule" }[];
} {
    if (cluster.tpuPool.capacity.mode !== "computeClass") return { nodeSelector: {}, tolerations: [] };
    const name = STACK_NAMES.tpuComputeClass;
    return {
        nodeSelector: { [COMPUTE_CLASS_LABEL]: name },
        tolerations: [{ key: COMPUTE_CLASS_LABEL, operator: "Equal", value: name, effect: "NoSchedule" }],
    };
}

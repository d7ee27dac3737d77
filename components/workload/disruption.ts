import { POD_LABELS, kserveNames, stackLabels } from "../../config/names";
import { StackConfig } from "../../config/types";

/** A policy/v1 PodDisruptionBudget as the stack writes it. */
export interface PodDisruptionBudget {
    apiVersion: "policy/v1";
    kind: "PodDisruptionBudget";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: {
        maxUnavailable: number;
        selector: { matchLabels: Record<string, string> };
        unhealthyPodEvictionPolicy: "AlwaysAllow";
    };
}

/**
 * The vLLM pods' PodDisruptionBudget: voluntary disruptions (node drains for upgrades, the cluster autoscaler,
 * ComputeClass active migration) take at most one replica at a time, so at least `replicas - 1` keep serving.
 * `maxUnavailable: 1` rather than `minAvailable: replicas - 1`: the same bound, and it never needs updating when
 * `replicas` changes. With fewer than 2 replicas there is none: a budget cannot keep a single replica serving without
 * blocking every drain of its node forever. `AlwaysAllow` lets a drain evict a pod that is not ready (still
 * compiling, crash-looping): such a pod serves nothing, and counting it would block drains until it recovers.
 *
 * Selector: the labels KServe puts on the workload pods (app.kubernetes.io/name = the service, kserve.io/component
 * = workload; docs/UPSTREAM.md "KServe workload pod labels"), which the EPP pods do not carry in full.
 */
export function vllmDisruptionBudget(config: StackConfig): PodDisruptionBudget | undefined {
    const w = config.workload;
    if (w.replicas < 2) return undefined;
    const names = kserveNames(w);
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: `${names.workloadDeployment}-pdb`, namespace: w.namespace, labels: stackLabels("inference-service") },
        spec: {
            maxUnavailable: 1,
            selector: { matchLabels: { ...names.appLabel, ...POD_LABELS.kserveWorkload } },
            unhealthyPodEvictionPolicy: "AlwaysAllow",
        },
    };
}

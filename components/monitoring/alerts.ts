import * as gcp from "@pulumi/gcp";
import { AlertsConfig, StackConfig } from "../../config/types";
import { assertKnownMetrics } from "./metrics";
import { queries } from "./queries";

/**
 * Alert policies (`alerts = true`), as `gcp.monitoring.AlertPolicy` arguments: each one PromQL condition
 * (`conditionPrometheusQueryLanguage`, firing while the query returns a series) that must hold for
 * `alertQueueMinutes`, notifying `alertNotificationChannel`.
 *
 * - no ready replica: the EPP's count of ready pods in the InferencePool is below 1, or the EPP reports nothing at
 *   all (`or vector(0)`: a missing series is the worst case, not an all-clear). Not created with `replicas = 0`,
 *   where no replica is what was asked for.
 * - waiting queue: a replica has more than `alertQueueThreshold` requests waiting.
 * - 5xx: more than `alert5xxPercent` of the gateway's responses for the service are 5xx.
 */

export type AlertName = "noReadyReplica" | "waitingQueue" | "gateway5xx";

export function alertPolicies(config: StackConfig, alerts: AlertsConfig): Partial<Record<AlertName, gcp.monitoring.AlertPolicyArgs>> {
    const q = queries(config);
    const w = config.workload;
    const subject = `${w.serviceName} (${config.cluster.name}/${w.namespace})`;
    const policy = (title: string, query: string, why: string): gcp.monitoring.AlertPolicyArgs => ({
        project: config.cluster.project,
        displayName: `${subject}: ${title}`,
        combiner: "OR",
        conditions: [
            {
                displayName: title,
                conditionPrometheusQueryLanguage: { query: assertKnownMetrics(query), duration: `${alerts.forMinutes * 60}s`, evaluationInterval: "60s" },
            },
        ],
        notificationChannels: [alerts.notificationChannel],
        documentation: { mimeType: "text/markdown", content: why },
        userLabels: { "managed-by": "pulumi", "part-of": "tpu-inference" },
    });
    const noReady = policy(
        "no ready replica",
        `(${q.readyReplicas} or vector(0)) < 1`,
        "The EPP sees no ready vLLM pod in the InferencePool: every request fails. Check the pods and the LLMInferenceService conditions (README, \"Readiness, failure, scaling, updates\").",
    );
    return {
        ...(w.replicas > 0 ? { noReadyReplica: noReady } : {}),
        waitingQueue: policy(
            `more than ${alerts.queueThreshold} requests waiting on a replica`,
            `${q.waiting} > ${alerts.queueThreshold}`,
            "Requests wait in a vLLM replica's queue: the replicas are saturated. Add replicas, or check the dashboard for one replica taking more than its share (prefix routing concentrates shared prefixes).",
        ),
        gateway5xx: policy(
            `gateway 5xx above ${alerts.errorPercent}%`,
            `${q.gateway5xxRatio} > ${alerts.errorPercent / 100}`,
            "The gateway answers this service's requests with 5xx: see the gateway and EPP logs, and the dashboard's errors panel.",
        ),
    };
}

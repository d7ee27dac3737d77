import { z } from "zod";
import { ISTIO_VERSION, PROFILES, SAIL_API_VERSION } from "./istio";

/**
 * Sail operator `IstioCNI` (sailoperator.io/v1, cluster-scoped; OSSM 3.2.1 / Sail 1.27 CRD), the fields this stack
 * sets or might reasonably set. `spec.values` mirrors the istio-cni Helm values.
 *
 * The CRD has no `tolerations` for the CNI DaemonSet: the chart's own default tolerates every NoSchedule and
 * NoExecute taint (`operator: Exists`), which is what lets the node agent run on tainted TPU nodes.
 */

export const ISTIO_CNI_KIND = "IstioCNI";

export const cniValuesSchema = z.strictObject({
    /** Host directory of CNI binaries (GKE: /home/kubernetes/bin). */
    cniBinDir: z.string().min(1).optional(),
    /** Host directory of CNI network configuration. */
    cniConfDir: z.string().min(1).optional(),
    cniConfFileName: z.string().optional(),
    /** Pods in these namespaces are left alone by the plugin. */
    excludeNamespaces: z.array(z.string().min(1)).optional(),
    chained: z.boolean().optional(),
    provider: z.string().optional(),
    privileged: z.boolean().optional(),
    pullPolicy: z.enum(["Always", "Never", "IfNotPresent"]).optional(),
    env: z.record(z.string(), z.string()).optional(),
});

export const cniGlobalValuesSchema = z.strictObject({
    imagePullSecrets: z.array(z.string().min(1)).optional(),
    hub: z.string().optional(),
    platform: z.string().optional(),
});

export const istioCniSpecSchema = z.strictObject({
    /** Namespace of the node agent DaemonSet; immutable once set. */
    namespace: z.string().min(1).max(63),
    version: z.string().regex(ISTIO_VERSION),
    profile: z.enum(PROFILES).optional(),
    values: z
        .strictObject({
            cni: cniValuesSchema.optional(),
            global: cniGlobalValuesSchema.optional(),
        })
        .optional(),
});

export const istioCniSchema = z.strictObject({
    apiVersion: z.literal(SAIL_API_VERSION),
    kind: z.literal(ISTIO_CNI_KIND),
    metadata: z.strictObject({
        name: z.string().min(1).max(253),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
    }),
    spec: istioCniSpecSchema,
});

export type IstioCni = z.infer<typeof istioCniSchema>;

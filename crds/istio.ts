import { z } from "zod";

/**
 * Sail operator `Istio` (sailoperator.io/v1, cluster-scoped; OpenShift Service Mesh 3.2.1 / Sail 1.27 CRD), the
 * fields this stack sets or might reasonably set. `spec.values` mirrors the istiod Helm values the operator renders;
 * only the branches used here are modelled, each strict so a misplaced key fails validation.
 */

export const SAIL_API_VERSION = "sailoperator.io/v1";
export const ISTIO_KIND = "Istio";

/** `v1.27.3` or `v1.27-latest`; the CRD enumerates the versions its operator build ships. */
export const ISTIO_VERSION = /^v\d+\.\d+(\.\d+|-latest)$/;

export const PROFILES = ["ambient", "default", "demo", "empty", "external", "openshift", "openshift-ambient", "preview", "remote", "stable"] as const;

const clusterScopedMetaSchema = z.strictObject({
    name: z.string().min(1).max(253),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
});

const tolerationSchema = z.strictObject({
    key: z.string().optional(),
    operator: z.enum(["Exists", "Equal"]).optional(),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
    tolerationSeconds: z.number().int().optional(),
});

/** `spec.values.global`: settings shared by every component the operator renders. */
export const istioGlobalValuesSchema = z.strictObject({
    /** Secret names (strings, not objects) for the control plane's and gateways' ServiceAccounts. */
    imagePullSecrets: z.array(z.string().min(1)).optional(),
    hub: z.string().optional(),
    platform: z.string().optional(),
    istioNamespace: z.string().optional(),
});

export const pilotValuesSchema = z.strictObject({
    /** Use the node-level CNI plugin instead of the privileged istio-init container. */
    cni: z.strictObject({ enabled: z.boolean().optional(), provider: z.string().optional() }).optional(),
    /** Environment of the istiod container (feature flags). */
    env: z.record(z.string(), z.string()).optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    tolerations: z.array(tolerationSchema).optional(),
    replicaCount: z.number().int().optional(),
});

export const istioValuesSchema = z.strictObject({
    global: istioGlobalValuesSchema.optional(),
    pilot: pilotValuesSchema.optional(),
});

export const istioSpecSchema = z.strictObject({
    /** Namespace istiod runs in; immutable once set. */
    namespace: z.string().min(1).max(63),
    version: z.string().regex(ISTIO_VERSION),
    profile: z.enum(PROFILES).optional(),
    updateStrategy: z
        .strictObject({
            type: z.enum(["InPlace", "RevisionBased"]).optional(),
            inactiveRevisionDeletionGracePeriodSeconds: z.number().int().min(0).optional(),
            updateWorkloads: z.boolean().optional(),
        })
        .optional(),
    values: istioValuesSchema.optional(),
});

export const istioSchema = z.strictObject({
    apiVersion: z.literal(SAIL_API_VERSION),
    kind: z.literal(ISTIO_KIND),
    metadata: clusterScopedMetaSchema,
    spec: istioSpecSchema,
});

export type Istio = z.infer<typeof istioSchema>;
export type IstioValues = z.infer<typeof istioValuesSchema>;

/**
 * A server-side-apply patch of an existing `Istio`: the same fields, all optional, because the patch only carries
 * the values this stack owns and leaves the rest to whoever created the resource.
 */
export const istioPatchSchema = z.strictObject({
    apiVersion: z.literal(SAIL_API_VERSION),
    kind: z.literal(ISTIO_KIND),
    metadata: clusterScopedMetaSchema,
    spec: istioSpecSchema.partial(),
});

export type IstioPatch = z.infer<typeof istioPatchSchema>;

import { z } from "zod";

/**
 * GKE custom `ComputeClass` (cloud.google.com/v1, cluster-scoped), the fields this stack sets. GKE manages the CRD
 * and publishes no manifest of the current one, so each field is modelled from a source (docs/UPSTREAM.md rows
 * "ComputeClass ..."):
 *  - a CRD dumped from a GKE cluster (tommy351/kubernetes-models-ts third-party/gke/crd/computeclasses.yaml):
 *    `activeMigration`, `nodePoolAutoCreation`, `priorities[].machineType|spot|tpu{type,count,topology}|storage`,
 *    `whenUnsatisfiable` (enum ScaleUpAnyway | DoNotScaleUp);
 *  - GKE's ComputeClass reference and "About custom ComputeClasses": `nodePoolConfig.serviceAccount`,
 *    `priorities[].maxRunDurationSeconds`, `priorities[].reservations{affinity: Specific, specific[].name|project}`;
 *  - Google's TPU v6e example (GoogleCloudPlatform/accelerated-platforms custom-compute-tpu-v6e-2x2.yaml):
 *    `priorities[].flexStart{enabled, nodeRecycling.leadTimeSeconds}` beside `maxRunDurationSeconds`.
 * Everything strict: a field none of these shows fails validation here.
 */

export const COMPUTE_CLASS_API_VERSION = "cloud.google.com/v1";
export const COMPUTE_CLASS_KIND = "ComputeClass";

const tpuSchema = z.strictObject({
    type: z.string().min(1),
    count: z.number().int().min(1),
    topology: z.string().regex(/^\d+x\d+(x\d+)?$/),
});

export const computeClassPrioritySchema = z.strictObject({
    machineType: z.string().min(1).optional(),
    spot: z.boolean().optional(),
    tpu: tpuSchema.optional(),
    /** Dumped CRD: boot disk size in GB, at least 10. */
    storage: z.strictObject({ bootDiskSize: z.number().int().min(10).optional() }).optional(),
    /** GKE reference; TPU reservations need `Specific` affinity ("About custom ComputeClasses"). */
    reservations: z
        .strictObject({
            affinity: z.literal("Specific"),
            specific: z.array(z.strictObject({ name: z.string().min(1), project: z.string().min(1).optional() })).min(1),
        })
        .optional(),
    flexStart: z
        .strictObject({
            enabled: z.boolean(),
            nodeRecycling: z.strictObject({ leadTimeSeconds: z.number().int().min(0) }).optional(),
        })
        .optional(),
    maxRunDurationSeconds: z.number().int().min(1).optional(),
});

export const computeClassSchema = z.strictObject({
    apiVersion: z.literal(COMPUTE_CLASS_API_VERSION),
    kind: z.literal(COMPUTE_CLASS_KIND),
    metadata: z.strictObject({
        // "The name of your ComputeClass can't begin with gke or autopilot."
        name: z.string().regex(/^(?!gke|autopilot)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
    }),
    spec: z.strictObject({
        activeMigration: z.strictObject({ optimizeRulePriority: z.boolean() }).optional(),
        nodePoolAutoCreation: z.strictObject({ enabled: z.boolean() }).optional(),
        nodePoolConfig: z.strictObject({ serviceAccount: z.string().min(1).optional() }).optional(),
        priorities: z.array(computeClassPrioritySchema).min(1),
        whenUnsatisfiable: z.enum(["ScaleUpAnyway", "DoNotScaleUp"]),
    }),
});

export type ComputeClass = z.infer<typeof computeClassSchema>;
export type ComputeClassPriority = z.infer<typeof computeClassPrioritySchema>;

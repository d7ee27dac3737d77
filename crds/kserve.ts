import { z } from "zod";
import { httpRouteSpecSchema, namespacedMetaSchema } from "./httproute";

/**
 * KServe `LLMInferenceService` and `LLMInferenceServiceConfig` (serving.kserve.io/v1alpha1, the RHOAI 3.4 EA1 CRDs),
 * the fields this stack sets or might reasonably set. Names and nesting copied by hand from the CRDs; every object is
 * strict, so a field the CRD lacks (the guide's `router.scheduler.image` / `.args`) fails validation here instead of
 * being pruned by the API server.
 *
 * `template`, `worker` and `router.scheduler.template` are core/v1 PodSpecs; only the PodSpec fields used for
 * single-host TPU serving and the EPP are modelled.
 */

export const KSERVE_API_VERSION = "serving.kserve.io/v1alpha1";
export const LLM_INFERENCE_SERVICE_KIND = "LLMInferenceService";
export const LLM_INFERENCE_SERVICE_CONFIG_KIND = "LLMInferenceServiceConfig";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** resource.Quantity as the CRD's pattern accepts it. */
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const quantitySchema = z.union([z.number().int(), z.string().regex(QUANTITY)]);
const intOrStringSchema = z.union([z.number().int(), z.string().min(1)]);

const keyRefSchema = z.strictObject({ name: z.string(), key: z.string(), optional: z.boolean().optional() });

export const envVarSchema = z
    .strictObject({
        name: z.string().min(1),
        value: z.string().optional(),
        valueFrom: z
            .strictObject({
                secretKeyRef: keyRefSchema.optional(),
                configMapKeyRef: keyRefSchema.optional(),
                fieldRef: z.strictObject({ apiVersion: z.string().optional(), fieldPath: z.string() }).optional(),
            })
            .optional(),
    })
    .refine((e) => !(e.value !== undefined && e.valueFrom !== undefined), { message: "env: value and valueFrom are exclusive" });

export const probeSchema = z.strictObject({
    httpGet: z
        .strictObject({
            path: z.string().optional(),
            port: intOrStringSchema,
            host: z.string().optional(),
            scheme: z.enum(["HTTP", "HTTPS"]).optional(),
            httpHeaders: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
        })
        .optional(),
    grpc: z.strictObject({ port: z.number().int(), service: z.string().optional() }).optional(),
    tcpSocket: z.strictObject({ port: intOrStringSchema, host: z.string().optional() }).optional(),
    exec: z.strictObject({ command: z.array(z.string()).optional() }).optional(),
    initialDelaySeconds: z.number().int().min(0).optional(),
    periodSeconds: z.number().int().min(1).optional(),
    timeoutSeconds: z.number().int().min(1).optional(),
    successThreshold: z.number().int().min(1).optional(),
    failureThreshold: z.number().int().min(1).optional(),
    terminationGracePeriodSeconds: z.number().int().optional(),
});

export const containerSchema = z.strictObject({
    name: z.string().min(1),
    image: z.string().min(1).optional(),
    imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    workingDir: z.string().optional(),
    env: z.array(envVarSchema).optional(),
    ports: z
        .array(
            z.strictObject({
                containerPort: z.number().int().min(1).max(65535),
                name: z.string().max(15).optional(),
                protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
            }),
        )
        .optional(),
    resources: z
        .strictObject({
            limits: z.record(z.string(), quantitySchema).optional(),
            requests: z.record(z.string(), quantitySchema).optional(),
        })
        .optional(),
    livenessProbe: probeSchema.optional(),
    readinessProbe: probeSchema.optional(),
    startupProbe: probeSchema.optional(),
    volumeMounts: z
        .array(
            z.strictObject({
                name: z.string().min(1),
                mountPath: z.string().min(1),
                readOnly: z.boolean().optional(),
                subPath: z.string().optional(),
            }),
        )
        .optional(),
});

export const tolerationSchema = z.strictObject({
    key: z.string().optional(),
    operator: z.enum(["Exists", "Equal"]).optional(),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
    tolerationSeconds: z.number().int().optional(),
});

export const volumeSchema = z.strictObject({
    name: z.string().min(1),
    emptyDir: z.strictObject({ medium: z.string().optional(), sizeLimit: quantitySchema.optional() }).optional(),
    secret: z
        .strictObject({
            secretName: z.string().optional(),
            defaultMode: z.number().int().optional(),
            optional: z.boolean().optional(),
            items: z.array(z.strictObject({ key: z.string(), path: z.string(), mode: z.number().int().optional() })).optional(),
        })
        .optional(),
    configMap: z
        .strictObject({
            name: z.string().optional(),
            defaultMode: z.number().int().optional(),
            optional: z.boolean().optional(),
            items: z.array(z.strictObject({ key: z.string(), path: z.string(), mode: z.number().int().optional() })).optional(),
        })
        .optional(),
    persistentVolumeClaim: z.strictObject({ claimName: z.string().min(1), readOnly: z.boolean().optional() }).optional(),
});

/** The core/v1 PodSpec subset this stack uses in `template`, `worker` and `router.scheduler.template`. */
export const podSpecSchema = z.strictObject({
    containers: z.array(containerSchema).optional(),
    initContainers: z.array(containerSchema).optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    tolerations: z.array(tolerationSchema).optional(),
    imagePullSecrets: z.array(z.strictObject({ name: z.string() })).optional(),
    volumes: z.array(volumeSchema).optional(),
    serviceAccountName: z.string().optional(),
    priorityClassName: z.string().optional(),
    terminationGracePeriodSeconds: z.number().int().min(0).optional(),
});

/** `router.scheduler.pool.spec`: the EA1 CRD embeds the v1alpha2 InferencePool spec (targetPortNumber, extensionRef). */
export const inferencePoolSpecSchema = z.strictObject({
    selector: z.record(z.string(), z.string().max(63).regex(LABEL_VALUE)),
    targetPortNumber: z.number().int().min(1).max(65535),
    extensionRef: z.strictObject({
        group: z.string().max(253).optional(),
        kind: z.string().min(1).max(63).optional(),
        name: z.string().min(1).max(253),
        portNumber: z.number().int().min(1).max(65535).optional(),
        failureMode: z.enum(["FailOpen", "FailClose"]).optional(),
    }),
});

export const routerSchema = z.strictObject({
    /** `{}`: KServe creates the HTTPRoute from its `kserve-config-llm-router-route` template. */
    route: z
        .strictObject({
            http: z
                .strictObject({
                    refs: z.array(z.strictObject({ name: z.string() })).optional(),
                    spec: httpRouteSpecSchema.optional(),
                })
                .optional(),
        })
        .optional(),
    gateway: z
        .strictObject({
            refs: z
                .array(
                    z.strictObject({
                        name: z.string().min(1).max(253),
                        namespace: z.string().min(1).max(63).regex(DNS_LABEL).optional(),
                    }),
                )
                .optional(),
        })
        .optional(),
    /** Only `pool` and `template`: there is no `image` or `args` (the guide's mistake). */
    scheduler: z
        .strictObject({
            pool: z
                .strictObject({
                    ref: z.strictObject({ name: z.string() }).optional(),
                    spec: inferencePoolSpecSchema.optional(),
                })
                .refine((p) => !(p.ref && p.spec), { message: "scheduler.pool: ref and spec are exclusive" })
                .optional(),
            template: podSpecSchema.optional(),
        })
        .optional(),
});

export const parallelismSchema = z.strictObject({
    tensor: z.number().int().min(1).optional(),
    pipeline: z.number().int().min(1).optional(),
    data: z.number().int().min(1).optional(),
    dataLocal: z.number().int().min(1).optional(),
    dataRPCPort: z.number().int().min(1).max(65535).optional(),
    expert: z.boolean().optional(),
});

export const modelSchema = z.strictObject({
    uri: z.string().min(1),
    name: z.string().min(1).optional(),
    criticality: z.enum(["Critical", "Standard", "Sheddable"]).optional(),
});

const specFields = {
    model: modelSchema,
    replicas: z.number().int().min(0).optional(),
    parallelism: parallelismSchema.optional(),
    template: podSpecSchema.optional(),
    worker: podSpecSchema.optional(),
    router: routerSchema.optional(),
    baseRefs: z.array(z.strictObject({ name: z.string() })).optional(),
};

/** The service itself must name its model; a config may leave any field to the service. */
export const llmInferenceServiceSpecSchema = z.strictObject(specFields);
export const llmInferenceServiceConfigSpecSchema = z.strictObject({ ...specFields, model: modelSchema.optional() });

export const llmInferenceServiceSchema = z.strictObject({
    apiVersion: z.literal(KSERVE_API_VERSION),
    kind: z.literal(LLM_INFERENCE_SERVICE_KIND),
    metadata: namespacedMetaSchema,
    spec: llmInferenceServiceSpecSchema,
});

export const llmInferenceServiceConfigSchema = z.strictObject({
    apiVersion: z.literal(KSERVE_API_VERSION),
    kind: z.literal(LLM_INFERENCE_SERVICE_CONFIG_KIND),
    metadata: namespacedMetaSchema,
    spec: llmInferenceServiceConfigSpecSchema,
});

export type PodSpec = z.infer<typeof podSpecSchema>;
export type Container = z.infer<typeof containerSchema>;
export type Probe = z.infer<typeof probeSchema>;
export type EnvVar = z.infer<typeof envVarSchema>;
export type LLMInferenceService = z.infer<typeof llmInferenceServiceSchema>;
export type LLMInferenceServiceSpec = z.infer<typeof llmInferenceServiceSpecSchema>;
export type LLMInferenceServiceConfig = z.infer<typeof llmInferenceServiceConfigSchema>;

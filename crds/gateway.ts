import { z } from "zod";

/**
 * Gateway API `Gateway` (gateway.networking.k8s.io/v1, standard channel v1.4.0), the fields this stack sets or
 * might reasonably set. Names and nesting copied from the CRD; strict objects so a field the CRD lacks fails
 * validation instead of being pruned silently by the API server.
 */

export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";
export const GATEWAY_KIND = "Gateway";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Listener protocol: a core name (HTTP, HTTPS, TCP...) or a domain-prefixed implementation-specific one. */
const PROTOCOL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/;
/** Kubernetes label value (the CRD's LabelValue / AnnotationValue pattern for infrastructure labels). */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const objectMetaSchema = z.strictObject({
    name: z.string().min(1).max(253),
    namespace: z.string().min(1).max(63).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
});

const labelSelectorSchema = z.strictObject({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
        .array(
            z.strictObject({
                key: z.string(),
                operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
                values: z.array(z.string()).optional(),
            }),
        )
        .optional(),
});

export const allowedRoutesSchema = z.strictObject({
    namespaces: z
        .strictObject({
            from: z.enum(["All", "Selector", "Same"]).optional(),
            selector: labelSelectorSchema.optional(),
        })
        .optional(),
    kinds: z.array(z.strictObject({ group: z.string().optional(), kind: z.string().min(1).max(63) })).max(8).optional(),
});

/** `listeners[].tls`: Terminate (the default) needs certificateRefs or options (the CRD's CEL rule). */
export const listenerTlsSchema = z
    .strictObject({
        mode: z.enum(["Terminate", "Passthrough"]).optional(),
        certificateRefs: z
            .array(
                z.strictObject({
                    group: z.string().max(253).optional(),
                    kind: z.string().min(1).max(63).optional(),
                    name: z.string().min(1).max(253),
                    namespace: z.string().min(1).max(63).optional(),
                }),
            )
            .max(64)
            .optional(),
        options: z.record(z.string(), z.string().max(4096)).optional(),
    })
    .refine((t) => (t.mode ?? "Terminate") !== "Terminate" || (t.certificateRefs?.length ?? 0) > 0 || Object.keys(t.options ?? {}).length > 0, {
        message: "certificateRefs or options must be specified when mode is Terminate",
    });

export const listenerSchema = z.strictObject({
    name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN),
    hostname: z.string().min(1).max(253).optional(),
    port: z.number().int().min(1).max(65535),
    protocol: z.string().min(1).max(255).regex(PROTOCOL),
    tls: listenerTlsSchema.optional(),
    allowedRoutes: allowedRoutesSchema.optional(),
});

/** `spec.infrastructure`: labels/annotations copied onto what the implementation creates, and a parameters object. */
export const gatewayInfrastructureSchema = z.strictObject({
    labels: z.record(z.string(), z.string().max(63).regex(LABEL_VALUE)).optional(),
    annotations: z.record(z.string(), z.string().max(4096)).optional(),
    parametersRef: z
        .strictObject({
            group: z.string().max(253),
            kind: z.string().min(1).max(63),
            name: z.string().min(1).max(253),
        })
        .optional(),
});

export const gatewaySpecSchema = z.strictObject({
    gatewayClassName: z.string().min(1).max(253),
    listeners: z.array(listenerSchema).min(1).max(64),
    infrastructure: gatewayInfrastructureSchema.optional(),
    addresses: z
        .array(z.strictObject({ type: z.string().optional(), value: z.string().min(1).max(253) }))
        .max(16)
        .optional(),
});

export const gatewaySchema = z.strictObject({
    apiVersion: z.literal(GATEWAY_API_VERSION),
    kind: z.literal(GATEWAY_KIND),
    metadata: objectMetaSchema.extend({ namespace: z.string().min(1).max(63) }),
    spec: gatewaySpecSchema,
});

export type Gateway = z.infer<typeof gatewaySchema>;

/** What the stack reads back from a Gateway's status. */
export interface GatewayStatus {
    addresses?: { type?: string; value: string }[];
}

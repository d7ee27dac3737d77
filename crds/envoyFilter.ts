import { z } from "zod";
import { namespacedMetaSchema } from "./httproute";

/**
 * Istio `EnvoyFilter` (networking.istio.io/v1alpha3, the OSSM 3.2.1 / Sail 1.27 CRD), the fields this stack sets or
 * might reasonably set. Names and nesting copied from the CRD; strict objects. `patch.value` is free-form Envoy
 * configuration in the CRD (`x-kubernetes-preserve-unknown-fields`) and stays a plain record here.
 */

export const ISTIO_NETWORKING_API_VERSION = "networking.istio.io/v1alpha3";
export const ENVOY_FILTER_KIND = "EnvoyFilter";

const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

const filterMatchSchema = z.strictObject({
    name: z.string().optional(),
    subFilter: z.strictObject({ name: z.string().optional() }).optional(),
});

export const listenerMatchSchema = z.strictObject({
    name: z.string().optional(),
    portNumber: z.number().int().min(0).max(4294967295).optional(),
    portName: z.string().optional(),
    listenerFilter: z.string().optional(),
    filterChain: z
        .strictObject({
            name: z.string().optional(),
            sni: z.string().optional(),
            transportProtocol: z.string().optional(),
            applicationProtocols: z.string().optional(),
            destinationPort: z.number().int().min(0).max(4294967295).optional(),
            filter: filterMatchSchema.optional(),
        })
        .optional(),
});

export const routeConfigurationMatchSchema = z.strictObject({
    name: z.string().optional(),
    gateway: z.string().optional(),
    portNumber: z.number().int().min(0).max(4294967295).optional(),
    portName: z.string().optional(),
    vhost: z
        .strictObject({
            name: z.string().optional(),
            domainName: z.string().optional(),
            route: z
                .strictObject({
                    name: z.string().optional(),
                    action: z.enum(["ANY", "ROUTE", "REDIRECT", "DIRECT_RESPONSE"]).optional(),
                })
                .optional(),
        })
        .optional(),
});

export const clusterMatchSchema = z.strictObject({
    name: z.string().optional(),
    portNumber: z.number().int().min(0).max(4294967295).optional(),
    service: z.string().optional(),
    subset: z.string().optional(),
});

export const patchMatchSchema = z
    .strictObject({
        context: z.enum(["ANY", "SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY"]).optional(),
        proxy: z
            .strictObject({
                proxyVersion: z.string().optional(),
                metadata: z.record(z.string(), z.string()).optional(),
            })
            .optional(),
        listener: listenerMatchSchema.optional(),
        routeConfiguration: routeConfigurationMatchSchema.optional(),
        cluster: clusterMatchSchema.optional(),
    })
    // The CRD's oneOf: at most one of listener, routeConfiguration and cluster.
    .refine((m) => [m.listener, m.routeConfiguration, m.cluster].filter((x) => x !== undefined).length <= 1, {
        message: "match: at most one of listener, routeConfiguration, cluster",
    });

export const configPatchSchema = z.strictObject({
    applyTo: z.enum([
        "LISTENER",
        "FILTER_CHAIN",
        "NETWORK_FILTER",
        "HTTP_FILTER",
        "ROUTE_CONFIGURATION",
        "VIRTUAL_HOST",
        "HTTP_ROUTE",
        "CLUSTER",
        "EXTENSION_CONFIG",
        "BOOTSTRAP",
        "LISTENER_FILTER",
    ]),
    match: patchMatchSchema.optional(),
    patch: z.strictObject({
        operation: z.enum(["MERGE", "ADD", "REMOVE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "REPLACE"]),
        value: z.record(z.string(), z.unknown()).optional(),
        filterClass: z.enum(["UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"]).optional(),
    }),
});

export const envoyFilterSpecSchema = z
    .strictObject({
        workloadSelector: z
            .strictObject({
                labels: z.record(z.string(), z.string().max(63).refine((v) => !v.includes("*"), { message: "wildcard is not supported in selector" })),
            })
            .optional(),
        targetRefs: z
            .array(
                z.strictObject({
                    group: z.string().max(253).regex(GROUP).optional(),
                    kind: z.string().min(1).max(63).regex(KIND),
                    name: z.string().min(1).max(253),
                }),
            )
            .max(16)
            .optional(),
        priority: z.number().int().optional(),
        configPatches: z.array(configPatchSchema).min(1),
    })
    .refine((s) => !(s.workloadSelector && s.targetRefs), { message: "only one of targetRefs or workloadSelector can be set" });

export const envoyFilterSchema = z.strictObject({
    apiVersion: z.literal(ISTIO_NETWORKING_API_VERSION),
    kind: z.literal(ENVOY_FILTER_KIND),
    metadata: namespacedMetaSchema,
    spec: envoyFilterSpecSchema,
});

export type EnvoyFilter = z.infer<typeof envoyFilterSchema>;
export type EnvoyFilterConfigPatch = z.infer<typeof configPatchSchema>;

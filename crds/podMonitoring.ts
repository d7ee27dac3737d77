import { z } from "zod";
import { namespacedMetaSchema } from "./httproute";

/**
 * Google Cloud Managed Service for Prometheus `PodMonitoring` (monitoring.googleapis.com/v1), written from the CRD
 * of GoogleCloudPlatform/prometheus-engine v0.17.2 (`charts/operator/crds/monitoring.googleapis.com_podmonitorings.yaml`,
 * commit 7920a2a222af), the version GKE's managed collection installs the CRD from. The fields this stack sets and
 * the ones a user might reasonably add: endpoints (port, scheme, path, interval, timeout, params, TLS, bearer
 * authorization, metric relabeling), the pod selector, `filterRunning`, `limits` and `targetLabels`. `basicAuth`,
 * `oauth2` and `proxyUrl` are left out: the stack never sets them, and a strict model refuses them.
 */

export const MONITORING_API_VERSION = "monitoring.googleapis.com/v1";
export const POD_MONITORING_KIND = "PodMonitoring";

/** Prometheus' duration syntax (`model.ParseDuration`): units from years down to milliseconds, largest first. */
const PROMETHEUS_DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const UNIT_MS: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds of a Prometheus duration such as `30s` or `1m30s`. */
export function durationMs(duration: string): number {
    let total = 0;
    for (const [, n, unit] of duration.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(n) * UNIT_MS[unit];
    return total;
}

const durationSchema = z
    .string()
    .refine((d) => PROMETHEUS_DURATION.test(d) && durationMs(d) > 0, "must be a positive Prometheus duration such as 30s or 1m");

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Target labels the operator sets itself; the CRD's CEL rules refuse relabeling onto them. */
export const PROTECTED_TARGET_LABELS = [
    "project_id",
    "location",
    "cluster",
    "namespace",
    "job",
    "instance",
    "top_level_controller",
    "top_level_controller_type",
    "__address__",
] as const;

const targetLabelSchema = z
    .string()
    .regex(LABEL_NAME)
    .refine((l) => !(PROTECTED_TARGET_LABELS as readonly string[]).includes(l), { message: "cannot relabel onto a protected label" });

/** A key of a Secret in the PodMonitoring's own namespace: the CRD forbids `namespace` on PodMonitoring references. */
const secretKeySchema = z.strictObject({
    secret: z.strictObject({ name: z.string().min(1), key: z.string().min(1) }).optional(),
});

const relabelingRuleSchema = z
    .strictObject({
        action: z.enum(["replace", "lowercase", "uppercase", "keep", "drop", "keepequal", "dropequal", "hashmod", "labeldrop", "labelkeep"]).optional(),
        modulus: z.number().int().optional(),
        regex: z.string().max(10000).optional(),
        replacement: z.string().optional(),
        separator: z.string().optional(),
        sourceLabels: z.array(z.string().regex(LABEL_NAME)).max(100).optional(),
        targetLabel: targetLabelSchema.optional(),
    })
    .refine((r) => r.action !== "labeldrop" || r.regex !== undefined, { message: "labeldrop needs a regex" });

const tlsSchema = z
    .strictObject({
        ca: secretKeySchema.optional(),
        cert: secretKeySchema.optional(),
        key: secretKeySchema.optional(),
        insecureSkipVerify: z.boolean().optional(),
        serverName: z.string().optional(),
        minVersion: z.enum(["TLS10", "TLS11", "TLS12", "TLS13"]).optional(),
        maxVersion: z.enum(["TLS10", "TLS11", "TLS12", "TLS13"]).optional(),
    })
    .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: "client cert and client key must be provided together" });

const authorizationSchema = z.strictObject({
    /** Defaults to Bearer; the CRD refuses "Basic" (that is basicAuth). */
    type: z
        .string()
        .refine((t) => t !== "Basic", { message: 'authorization type cannot be "Basic"' })
        .optional(),
    credentials: secretKeySchema.optional(),
});

export const scrapeEndpointSchema = z
    .strictObject({
        /** Container port number or name (a name is needed for the `container` target label). */
        port: z.union([z.number().int().min(1).max(65535), z.string().min(1).max(253)]),
        scheme: z.enum(["http", "https"]).optional(),
        path: z.string().optional(),
        params: z.record(z.string(), z.array(z.string())).optional(),
        interval: durationSchema,
        timeout: durationSchema.optional(),
        metricRelabeling: z.array(relabelingRuleSchema).max(250).optional(),
        tls: tlsSchema.optional(),
        authorization: authorizationSchema.optional(),
    })
    .refine((e) => e.timeout === undefined || durationMs(e.timeout) <= durationMs(e.interval), {
        message: "scrape timeout must not be greater than scrape interval",
    });

const labelSelectorSchema = z.strictObject({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
        .array(z.strictObject({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
        .optional(),
});

export const podMonitoringSpecSchema = z.strictObject({
    endpoints: z.array(scrapeEndpointSchema).min(1).max(10),
    selector: labelSelectorSchema,
    filterRunning: z.boolean().optional(),
    limits: z
        .strictObject({
            labelNameLength: z.number().int().optional(),
            labelValueLength: z.number().int().optional(),
            labels: z.number().int().optional(),
            samples: z.number().int().optional(),
        })
        .optional(),
    targetLabels: z
        .strictObject({
            fromPod: z.array(z.strictObject({ from: z.string(), to: targetLabelSchema.optional() })).max(100).optional(),
            metadata: z.array(z.enum(["container", "node", "pod", "top_level_controller_name", "top_level_controller_type"])).optional(),
        })
        .optional(),
});

export const podMonitoringSchema = z.strictObject({
    apiVersion: z.literal(MONITORING_API_VERSION),
    kind: z.literal(POD_MONITORING_KIND),
    metadata: namespacedMetaSchema,
    spec: podMonitoringSpecSchema,
});

export type PodMonitoring = z.infer<typeof podMonitoringSchema>;
export type ScrapeEndpoint = z.infer<typeof scrapeEndpointSchema>;

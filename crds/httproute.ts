import { z } from "zod";

/**
 * Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1, standard channel v1.4.0), the fields this stack sets or
 * might reasonably set. Names and nesting copied from the CRD; strict objects so a field the CRD lacks fails
 * validation. The CRD's CEL rules that matter for the routes built here are repeated as refinements.
 *
 * `httpRouteSpecSchema` is also the shape of an LLMInferenceService's `router.route.http.spec`.
 */

export const HTTPROUTE_API_VERSION = "gateway.networking.k8s.io/v1";
export const HTTPROUTE_KIND = "HTTPRoute";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** GEP-2257 duration, e.g. `0s`, `30s`, `1h30m`. */
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
/** Characters an Exact/PathPrefix path may contain. */
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

export const namespacedMetaSchema = z.strictObject({
    name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN),
    namespace: z.string().min(1).max(63).regex(DNS_LABEL),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
});

export const parentRefSchema = z.strictObject({
    group: z.string().max(253).regex(GROUP).optional(),
    kind: z.string().min(1).max(63).regex(KIND).optional(),
    namespace: z.string().min(1).max(63).regex(DNS_LABEL).optional(),
    name: z.string().min(1).max(253),
    sectionName: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).optional(),
    port: z.number().int().min(1).max(65535).optional(),
});

export const pathMatchSchema = z
    .strictObject({
        type: z.enum(["Exact", "PathPrefix", "RegularExpression"]).optional(),
        value: z.string().max(1024).optional(),
    })
    .superRefine((p, ctx) => {
        if ((p.type ?? "PathPrefix") === "RegularExpression" || p.value === undefined) return;
        const v = p.value;
        const problems = [
            [!v.startsWith("/"), "must be an absolute path and start with '/'"],
            [v.includes("//"), "must not contain '//'"],
            [v.includes("/./") || v.includes("/../") || v.endsWith("/.") || v.endsWith("/.."), "must not contain dot segments"],
            [/%2f|#/i.test(v), "must not contain '%2f' or '#'"],
            [!PATH_CHARS.test(v), "must only contain valid path characters"],
        ] as const;
        for (const [bad, message] of problems) if (bad) ctx.addIssue({ code: "custom", message: `path ${v}: ${message}` });
    });

const headerMatchSchema = z.strictObject({
    type: z.enum(["Exact", "RegularExpression"]).optional(),
    name: z.string().min(1).max(256),
    value: z.string().min(1).max(4096),
});

export const routeMatchSchema = z.strictObject({
    path: pathMatchSchema.optional(),
    headers: z.array(headerMatchSchema).max(16).optional(),
    queryParams: z.array(headerMatchSchema).max(16).optional(),
    method: z.enum(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]).optional(),
});

const pathModifierSchema = z
    .strictObject({
        type: z.enum(["ReplaceFullPath", "ReplacePrefixMatch"]),
        replaceFullPath: z.string().max(1024).optional(),
        replacePrefixMatch: z.string().max(1024).optional(),
    })
    .refine((p) => (p.type === "ReplaceFullPath") === (p.replaceFullPath !== undefined), {
        message: "replaceFullPath must be set exactly when type is ReplaceFullPath",
    })
    .refine((p) => (p.type === "ReplacePrefixMatch") === (p.replacePrefixMatch !== undefined), {
        message: "replacePrefixMatch must be set exactly when type is ReplacePrefixMatch",
    });

const headerModifierSchema = z.strictObject({
    set: z.array(z.strictObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(4096) })).max(16).optional(),
    add: z.array(z.strictObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(4096) })).max(16).optional(),
    remove: z.array(z.string()).max(16).optional(),
});

export const routeFilterSchema = z.strictObject({
    type: z.enum(["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite", "ExtensionRef"]),
    urlRewrite: z
        .strictObject({
            hostname: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).optional(),
            path: pathModifierSchema.optional(),
        })
        .optional(),
    requestHeaderModifier: headerModifierSchema.optional(),
    responseHeaderModifier: headerModifierSchema.optional(),
});

export const backendRefSchema = z
    .strictObject({
        group: z.string().max(253).regex(GROUP).optional(),
        kind: z.string().min(1).max(63).regex(KIND).optional(),
        name: z.string().min(1).max(253),
        namespace: z.string().min(1).max(63).regex(DNS_LABEL).optional(),
        port: z.number().int().min(1).max(65535).optional(),
        weight: z.number().int().min(0).max(1_000_000).optional(),
    })
    .refine((b) => !((b.group ?? "") === "" && (b.kind ?? "Service") === "Service") || b.port !== undefined, {
        message: "Must have port for Service reference",
    });

export const routeRuleSchema = z
    .strictObject({
        name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).optional(),
        matches: z.array(routeMatchSchema).max(64).optional(),
        filters: z.array(routeFilterSchema).max(16).optional(),
        backendRefs: z.array(backendRefSchema).max(16).optional(),
        timeouts: z
            .strictObject({
                request: z.string().regex(DURATION).optional(),
                backendRequest: z.string().regex(DURATION).optional(),
            })
            .optional(),
    })
    .refine(
        (r) => {
            const prefixRewrite = (r.filters ?? []).some((f) => f.urlRewrite?.path?.type === "ReplacePrefixMatch");
            if (!prefixRewrite) return true;
            const m = r.matches ?? [];
            return m.length === 1 && (m[0].path?.type ?? "PathPrefix") === "PathPrefix" && m[0].path !== undefined;
        },
        { message: "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified" },
    );

export const httpRouteSpecSchema = z.strictObject({
    parentRefs: z.array(parentRefSchema).max(32).optional(),
    hostnames: z.array(z.string().min(1).max(253)).max(16).optional(),
    rules: z.array(routeRuleSchema).max(16).optional(),
});

export const httpRouteSchema = z.strictObject({
    apiVersion: z.literal(HTTPROUTE_API_VERSION),
    kind: z.literal(HTTPROUTE_KIND),
    metadata: namespacedMetaSchema,
    spec: httpRouteSpecSchema,
});

export type HTTPRoute = z.infer<typeof httpRouteSchema>;
export type HTTPRouteSpec = z.infer<typeof httpRouteSpecSchema>;

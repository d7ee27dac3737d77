import { z } from "zod";

/**
 * Istio `RequestAuthentication` and `AuthorizationPolicy` (security.istio.io/v1), as the Sail operator 1.27.3 chart
 * ships them (chart/crds/security.istio.io_requestauthentications.yaml, _authorizationpolicies.yaml): the fields the
 * stack sets or a user might reasonably set, names and limits copied from the CRDs, strict so a field the CRD lacks
 * fails validation instead of being pruned by the API server.
 */

export const ISTIO_SECURITY_API_VERSION = "security.istio.io/v1";
export const REQUEST_AUTHENTICATION_KIND = "RequestAuthentication";
export const AUTHORIZATION_POLICY_KIND = "AuthorizationPolicy";

const metaSchema = z.strictObject({
    name: z.string().min(1).max(253),
    namespace: z.string().min(1).max(63),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
});

/** `spec.selector`: the workloads (pods) in the policy's namespace it applies to; no wildcards, no empty keys. */
const workloadSelectorSchema = z.strictObject({
    matchLabels: z
        .record(
            z.string().min(1).refine((k) => !k.includes("*"), { message: "wildcard not allowed in label key match" }),
            z.string().max(63).refine((v) => !v.includes("*"), { message: "wildcard not allowed in label value match" }),
        )
        .optional(),
});

const URL_SCHEME = /^https?:\/\//;

export const jwtRuleSchema = z
    .strictObject({
        issuer: z.string().min(1),
        audiences: z.array(z.string().min(1)).optional(),
        /** Inline JSON Web Key Set (a JSON document in a string). */
        jwks: z.string().optional(),
        jwksUri: z.string().min(1).max(2048).regex(URL_SCHEME, { message: "url must have scheme http:// or https://" }).optional(),
        fromHeaders: z.array(z.strictObject({ name: z.string().min(1), prefix: z.string().optional() })).optional(),
        fromParams: z.array(z.string().min(1)).optional(),
        fromCookies: z.array(z.string().min(1)).optional(),
        outputPayloadToHeader: z.string().optional(),
        outputClaimToHeaders: z.array(z.strictObject({ header: z.string().min(1).regex(/^[-_A-Za-z0-9]+$/), claim: z.string().min(1) })).optional(),
        /** Keep the token on the request forwarded upstream; false (the default) strips it. */
        forwardOriginalToken: z.boolean().optional(),
        timeout: z.string().optional(),
    })
    .refine((r) => (r.jwks === undefined ? 0 : 1) + (r.jwksUri === undefined ? 0 : 1) <= 1, { message: "only one of jwks or jwksUri can be set" });

export const requestAuthenticationSchema = z.strictObject({
    apiVersion: z.literal(ISTIO_SECURITY_API_VERSION),
    kind: z.literal(REQUEST_AUTHENTICATION_KIND),
    metadata: metaSchema,
    spec: z.strictObject({
        selector: workloadSelectorSchema.optional(),
        jwtRules: z.array(jwtRuleSchema).max(4096).optional(),
    }),
});

const sourceSchema = z.strictObject({
    principals: z.array(z.string()).optional(),
    notPrincipals: z.array(z.string()).optional(),
    requestPrincipals: z.array(z.string()).optional(),
    notRequestPrincipals: z.array(z.string()).optional(),
    namespaces: z.array(z.string()).optional(),
    notNamespaces: z.array(z.string()).optional(),
    ipBlocks: z.array(z.string()).optional(),
    notIpBlocks: z.array(z.string()).optional(),
    remoteIpBlocks: z.array(z.string()).optional(),
    notRemoteIpBlocks: z.array(z.string()).optional(),
});

const operationSchema = z.strictObject({
    hosts: z.array(z.string()).optional(),
    notHosts: z.array(z.string()).optional(),
    ports: z.array(z.string()).optional(),
    notPorts: z.array(z.string()).optional(),
    methods: z.array(z.string()).optional(),
    notMethods: z.array(z.string()).optional(),
    paths: z.array(z.string()).optional(),
    notPaths: z.array(z.string()).optional(),
});

export const authorizationRuleSchema = z.strictObject({
    from: z.array(z.strictObject({ source: sourceSchema.optional() })).max(512).optional(),
    to: z.array(z.strictObject({ operation: operationSchema.optional() })).optional(),
    when: z.array(z.strictObject({ key: z.string(), values: z.array(z.string()).optional(), notValues: z.array(z.string()).optional() })).optional(),
});

export const authorizationPolicySchema = z.strictObject({
    apiVersion: z.literal(ISTIO_SECURITY_API_VERSION),
    kind: z.literal(AUTHORIZATION_POLICY_KIND),
    metadata: metaSchema,
    spec: z.strictObject({
        selector: workloadSelectorSchema.optional(),
        /** ALLOW (the default) admits only requests a rule matches, once any ALLOW policy applies to a workload. */
        action: z.enum(["ALLOW", "DENY", "AUDIT", "CUSTOM"]).optional(),
        rules: z.array(authorizationRuleSchema).max(512).optional(),
    }),
});

export type RequestAuthentication = z.infer<typeof requestAuthenticationSchema>;
export type AuthorizationPolicy = z.infer<typeof authorizationPolicySchema>;
export type AuthorizationRule = z.infer<typeof authorizationRuleSchema>;

import { describe, expect, it } from "vitest";
import { allowedPrincipals, authorizationPolicy, requestAuthentication, tokenAudience } from "../../components/platform/gatewayAuth";
import { AuthorizationPolicy, authorizationPolicySchema, requestAuthenticationSchema } from "../../crds/istioSecurity";
import { stackConfig } from "../workload/fixtures";

const PREFIX = "/rhaii-inference/qwen-3b-tpu-svc";

/**
 * Istio's ALLOW semantics (docs/UPSTREAM.md rows "Istio AuthorizationPolicy ALLOW" and "requestPrincipals
 * iss/sub"): with an ALLOW policy on the workload, a request passes only if some rule matches; a rule matches when
 * every present field does; values match exactly or by a `*` at one end.
 */
function admits(policy: AuthorizationPolicy, request: { method: string; path: string; principal?: string }): boolean {
    const match = (values: string[] | undefined, value: string | undefined) =>
        values === undefined ||
        (value !== undefined &&
            values.some((v) => v === "*" || v === value || (v.endsWith("*") && value.startsWith(v.slice(0, -1))) || (v.startsWith("*") && value.endsWith(v.slice(1)))));
    return (policy.spec.rules ?? []).some(
        (rule) =>
            (rule.from ?? [{}]).some((f) => match(f.source?.requestPrincipals, request.principal)) &&
            (rule.to ?? [{}]).some((t) => match(t.operation?.methods, request.method) && match(t.operation?.paths, request.path)),
    );
}

describe("RequestAuthentication on the gateway pods", () => {
    it("verifies the stack's tokens with its inline key set, for this service's audience, and strips the token", () => {
        const config = stackConfig();
        const authn = requestAuthentication(config, '{"keys":[]}');
        expect(authn).toEqual({
            apiVersion: "security.istio.io/v1",
            kind: "RequestAuthentication",
            metadata: {
                name: "inference-gateway-jwt",
                namespace: "opendatahub",
                labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "tpu-inference", "app.kubernetes.io/component": "inference-gateway" },
            },
            spec: {
                selector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } },
                jwtRules: [{ issuer: "tpu-inference/test", audiences: ["rhaii-inference/qwen-3b-tpu-svc"], jwks: '{"keys":[]}', forwardOriginalToken: false }],
            },
        });
        expect(requestAuthenticationSchema.safeParse(authn).success).toBe(true);
        expect(tokenAudience(config)).toBe("rhaii-inference/qwen-3b-tpu-svc");
        // Without the key set yet (a preview) the rule holds an empty one, never another issuer's keys.
        expect(requestAuthentication(config).spec.jwtRules).toEqual([{ ...authn.spec.jwtRules![0], jwks: "" }]);
    });

    it("uses an external issuer's JWKS URI instead, with no audience of the stack's", () => {
        const config = stackConfig({ authIssuer: "https://id.example.com", authJwksUri: "https://id.example.com/jwks.json" });
        const authn = requestAuthentication(config);
        expect(authn.spec.jwtRules).toEqual([{ issuer: "https://id.example.com", jwksUri: "https://id.example.com/jwks.json", forwardOriginalToken: false }]);
        expect(requestAuthenticationSchema.safeParse(authn).success).toBe(true);
        expect(allowedPrincipals(config)).toEqual(["https://id.example.com/*"]);
    });

    it("has a model that refuses what the CRD refuses", () => {
        const authn = requestAuthentication(stackConfig(), "{}");
        const rule = authn.spec.jwtRules![0];
        const withRule = (r: object) => ({ ...authn, spec: { ...authn.spec, jwtRules: [r] } });
        expect(requestAuthenticationSchema.safeParse(withRule({ ...rule, jwksUri: "https://x/jwks" })).success).toBe(false);
        expect(requestAuthenticationSchema.safeParse(withRule({ ...rule, jwks: undefined, jwksUri: "ftp://x" })).success).toBe(false);
        expect(requestAuthenticationSchema.safeParse(withRule({ ...rule, issuer: "" })).success).toBe(false);
        expect(requestAuthenticationSchema.safeParse(withRule({ ...rule, forwardToken: true })).success).toBe(false);
        expect(requestAuthenticationSchema.safeParse({ ...authn, spec: { ...authn.spec, selector: { matchLabels: { app: "gw*" } } } }).success).toBe(false);
        expect(requestAuthenticationSchema.safeParse({ ...authn, apiVersion: "security.istio.io/v1beta2" }).success).toBe(false);
    });
});

describe("AuthorizationPolicy on the gateway pods", () => {
    // Built inside each test (not at collection time), so mutation testing sees which test covers what.
    const build = () => authorizationPolicy(stackConfig({ authClients: ["default", "ci"] }));
    const who = { principal: "tpu-inference/test/default" };

    it("is one ALLOW policy: POST completions and chat, GET models and health, each for a configured client", () => {
        const policy = build();
        expect(authorizationPolicySchema.safeParse(policy).success).toBe(true);
        expect(policy.metadata).toEqual({
            name: "inference-gateway-clients",
            namespace: "opendatahub",
            labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "tpu-inference", "app.kubernetes.io/component": "inference-gateway" },
        });
        expect(policy.spec.selector).toEqual({ matchLabels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } });
        const clients = [{ source: { requestPrincipals: ["tpu-inference/test/default", "tpu-inference/test/ci"] } }];
        expect(policy.spec).toEqual({
            selector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } },
            action: "ALLOW",
            rules: [
                { from: clients, to: [{ operation: { methods: ["POST"], paths: [`${PREFIX}/v1/completions`, `${PREFIX}/v1/chat/completions`] } }] },
                { from: clients, to: [{ operation: { methods: ["GET"], paths: [`${PREFIX}/v1/models`, `${PREFIX}/health`] } }] },
            ],
        });
    });

    it("admits a client with a token on the OpenAI paths only", () => {
        const policy = build();
        for (const [method, path] of [["POST", "/v1/completions"], ["POST", "/v1/chat/completions"], ["GET", "/v1/models"], ["GET", "/health"]]) {
            expect(admits(policy, { method, path: `${PREFIX}${path}`, ...who }), path).toBe(true);
            expect(admits(policy, { method, path: `${PREFIX}${path}` }), `${path} without a token`).toBe(false);
            expect(admits(policy, { method, path: `${PREFIX}${path}`, principal: "tpu-inference/test/removed" }), `${path} revoked`).toBe(false);
            expect(admits(policy, { method, path: `${PREFIX}${path}`, principal: "tpu-inference/other-stack/default" }), `${path} other issuer`).toBe(false);
        }
    });

    it("denies everything else KServe's catch-all would route to vLLM, with a token or without", () => {
        const policy = build();
        const denied = ["/metrics", "/tokenize", "/detokenize", "/docs", "/openapi.json", "/version", "/v1/embeddings", "/pooling", "/v1/completions/x", "/ping", "/"];
        for (const path of denied) {
            expect(admits(policy, { method: "GET", path: `${PREFIX}${path}`, ...who }), path).toBe(false);
            expect(admits(policy, { method: "POST", path: `${PREFIX}${path}`, ...who }), path).toBe(false);
        }
        // Wrong method on an allowed path, and another service's paths.
        expect(admits(policy, { method: "GET", path: `${PREFIX}/v1/completions`, ...who })).toBe(false);
        expect(admits(policy, { method: "DELETE", path: `${PREFIX}/v1/models`, ...who })).toBe(false);
        expect(admits(policy, { method: "POST", path: "/other-ns/other-svc/v1/completions", ...who })).toBe(false);
        expect(JSON.stringify(policy)).not.toContain("*");
    });

    it("opens GET /health without a token only when authOpenHealth is set", () => {
        const policy = build();
        expect(admits(policy, { method: "GET", path: `${PREFIX}/health` })).toBe(false);
        const open = authorizationPolicy(stackConfig({ authOpenHealth: true }));
        expect(open.spec.rules).toHaveLength(3);
        expect(open.spec.rules![2]).toEqual({ to: [{ operation: { methods: ["GET"], paths: [`${PREFIX}/health`] } }] });
        expect(admits(open, { method: "GET", path: `${PREFIX}/health` })).toBe(true);
        expect(admits(open, { method: "GET", path: `${PREFIX}/metrics` })).toBe(false);
        expect(admits(open, { method: "POST", path: `${PREFIX}/v1/completions` })).toBe(false);
    });

    it("admits any subject of an external issuer", () => {
        const external = authorizationPolicy(stackConfig({ authIssuer: "https://id.example.com", authJwksUri: "https://id.example.com/jwks.json" }));
        expect(admits(external, { method: "POST", path: `${PREFIX}/v1/completions`, principal: "https://id.example.com/alice" })).toBe(true);
        expect(admits(external, { method: "POST", path: `${PREFIX}/v1/completions`, principal: "https://evil.example.com/alice" })).toBe(false);
        expect(admits(external, { method: "POST", path: `${PREFIX}/v1/completions` })).toBe(false);
    });

    it("has a model that refuses what the CRD refuses", () => {
        const policy = build();
        expect(authorizationPolicySchema.safeParse({ ...policy, spec: { ...policy.spec, action: "PERMIT" } }).success).toBe(false);
        expect(authorizationPolicySchema.safeParse({ ...policy, spec: { ...policy.spec, rules: [{ to: [{ operation: { path: ["/x"] } }] }] } }).success).toBe(false);
        expect(authorizationPolicySchema.safeParse({ ...policy, spec: { ...policy.spec, rules: [{ from: [{ source: { principal: ["x"] } }] }] } }).success).toBe(false);
        expect(authorizationPolicySchema.safeParse({ ...policy, metadata: { name: "x" } }).success).toBe(false);
    });
});

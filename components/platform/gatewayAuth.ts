import { POD_LABELS, gatewayNames, kserveNames, stackLabels } from "../../config/names";
import { StackConfig } from "../../config/types";
import {
    AUTHORIZATION_POLICY_KIND,
    AuthorizationPolicy,
    AuthorizationRule,
    ISTIO_SECURITY_API_VERSION,
    REQUEST_AUTHENTICATION_KIND,
    RequestAuthentication,
} from "../../crds/istioSecurity";

/**
 * Who may call the service through the gateway, as Istio objects on the gateway's pods (selected by the label
 * Istio puts on the pods of a Gateway). RequestAuthentication makes Envoy verify a JWT in `Authorization: Bearer`
 * against the issuer's keys and reject a bad one; a request without a token passes it with no principal. The
 * AuthorizationPolicy is an ALLOW policy, so once it applies only what a rule matches is admitted: the service's
 * OpenAI paths, with a principal of the issuer. Everything else the gateway would route (KServe's catch-all rule
 * sends every `/<ns>/<svc>/*` path to vLLM: `/metrics`, `/tokenize`, `/docs`, `/openapi.json`, ...) gets 403.
 * Paths are matched exactly, before the routes rewrite them, on Istio's normalized path.
 */

/** The audience the stack's tokens carry and the gateway requires: the service they are for. */
export function tokenAudience(config: StackConfig): string {
    return `${config.workload.namespace}/${config.workload.serviceName}`;
}

/** The paths a client may call, by method; `/health` only when it is open or with a token. */
export function allowedOperations(config: StackConfig) {
    const paths = kserveNames(config.workload).paths;
    return {
        post: [paths.completions, paths.chatCompletions],
        get: [paths.models, paths.health],
    };
}

/** `<issuer>/<subject>` principals the policy admits: each configured client, or any subject of an external issuer. */
export function allowedPrincipals(config: StackConfig): string[] {
    const auth = config.gateway.auth;
    return auth.mode === "stack" ? auth.clients.map((client) => `${auth.issuer}/${client}`) : [`${auth.issuer}/*`];
}

const gatewayPods = (config: StackConfig) => ({ matchLabels: { [POD_LABELS.gatewayNameKey]: config.gateway.name } });

/** `jwks`: the stack's public key set (inline, public data); absent for an external issuer, whose keys come from its URI. */
export function requestAuthentication(config: StackConfig, jwks?: string): RequestAuthentication {
    const auth = config.gateway.auth;
    const keys = auth.mode === "external" ? { jwksUri: auth.jwksUri } : { jwks: jwks ?? "" };
    return {
        apiVersion: ISTIO_SECURITY_API_VERSION,
        kind: REQUEST_AUTHENTICATION_KIND,
        metadata: { name: gatewayNames(config.gateway).requestAuthentication, namespace: config.gateway.namespace, labels: stackLabels("inference-gateway") },
        spec: {
            selector: gatewayPods(config),
            jwtRules: [
                {
                    issuer: auth.issuer,
                    ...(auth.mode === "stack" ? { audiences: [tokenAudience(config)] } : {}),
                    ...keys,
                    // The token stops at the gateway: vLLM never sees it.
                    forwardOriginalToken: false,
                },
            ],
        },
    };
}

export function authorizationPolicy(config: StackConfig): AuthorizationPolicy {
    const ops = allowedOperations(config);
    const paths = kserveNames(config.workload).paths;
    const authenticated = { from: [{ source: { requestPrincipals: allowedPrincipals(config) } }] };
    const rules: AuthorizationRule[] = [
        { ...authenticated, to: [{ operation: { methods: ["POST"], paths: ops.post } }] },
        { ...authenticated, to: [{ operation: { methods: ["GET"], paths: ops.get } }] },
        ...(config.gateway.auth.openHealth ? [{ to: [{ operation: { methods: ["GET"], paths: [paths.health] } }] }] : []),
    ];
    return {
        apiVersion: ISTIO_SECURITY_API_VERSION,
        kind: AUTHORIZATION_POLICY_KIND,
        metadata: { name: gatewayNames(config.gateway).authorizationPolicy, namespace: config.gateway.namespace, labels: stackLabels("inference-gateway") },
        spec: { selector: gatewayPods(config), action: "ALLOW", rules },
    };
}

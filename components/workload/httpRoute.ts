import { INFERENCE_POOL_KIND, kserveNames, PORTS, stackLabels } from "../../config/names";
import { StackConfig } from "../../config/types";
import { HTTPROUTE_API_VERSION, HTTPROUTE_KIND, HTTPRoute } from "../../crds/httproute";

/**
 * `<pathPrefix>/health` and `<pathPrefix>/v1/models` through the gateway (the guide's httproute-health-models), so
 * clients and the verify tool can check the service without sending a completion.
 *
 * It lives in the workload namespace, next to the InferencePool it routes to (a backendRef into another namespace
 * would need a ReferenceGrant), and attaches to the gateway, which admits routes from all namespaces. The backend is
 * KServe's InferencePool, in the API group the mesh routes to (config/compatibility.ts), so these requests reach only
 * endpoints the EPP considers serving, over the same TLS as completions (vLLM's HTTPS per KServe's
 * DestinationRule). Gateway API prefers the longer prefix, so these rules win over KServe's catch-all.
 *
 * `pulumi up` waits until the gateway has accepted the route and resolved its backend: a route the gateway rejects
 * fails the update instead of a later curl.
 */

export const HEALTH_ROUTE_TIMEOUT_SECONDS = 300;

/**
 * What `pulumi up` waits for on the route: accepted by the gateway AND its backends resolved. A mesh that does not
 * watch this InferencePool API reports `ResolvedRefs=False` (InvalidKind) while still accepting the route, so
 * `Accepted` alone would pass with `/health` and `/v1/models` broken. Every entry must hold (a JSON list in
 * `pulumi.com/waitFor` is a conjunction).
 */
const routeConditions = ["Accepted", "ResolvedRefs"] as const;

export function healthRouteName(serviceName: string): string {
    return `${serviceName}-health-models`;
}

export function healthModelsRoute(config: StackConfig): HTTPRoute {
    const names = kserveNames(config.workload);
    const rule = (prefix: string, upstreamPath: string) => ({
        matches: [{ path: { type: "PathPrefix" as const, value: prefix } }],
        filters: [
            {
                type: "URLRewrite" as const,
                urlRewrite: { path: { type: "ReplacePrefixMatch" as const, replacePrefixMatch: upstreamPath } },
            },
        ],
        backendRefs: [{ group: config.workload.inferencePool.group, kind: INFERENCE_POOL_KIND, name: names.inferencePool, port: PORTS.vllm, weight: 1 }],
    });
    return {
        apiVersion: HTTPROUTE_API_VERSION,
        kind: HTTPROUTE_KIND,
        metadata: {
            name: healthRouteName(names.serviceName),
            namespace: names.namespace,
            labels: stackLabels("inference-routing"),
            annotations: {
                "pulumi.com/waitFor": JSON.stringify(routeConditions.map((type) => `jsonpath={.status.parents[0].conditions[?(@.type=="${type}")].status}=True`)),
                "pulumi.com/timeoutSeconds": String(HEALTH_ROUTE_TIMEOUT_SECONDS),
            },
        },
        spec: {
            parentRefs: [
                {
                    group: "gateway.networking.k8s.io",
                    kind: "Gateway",
                    name: config.gateway.name,
                    namespace: config.gateway.namespace,
                },
            ],
            rules: [rule(names.paths.health, "/health"), rule(names.paths.models, "/v1/models")],
        },
    };
}

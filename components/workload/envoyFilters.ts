import { ENVOY_FILTER_NAMES, KSERVE_ROUTE_RULES, KserveNames, POD_LABELS, kserveNames, stackLabels } from "../../config/names";
import { GatewayConfig, StackConfig } from "../../config/types";
import { ENVOY_FILTER_KIND, EnvoyFilter, EnvoyFilterConfigPatch, ISTIO_NETWORKING_API_VERSION } from "../../crds/envoyFilter";

/**
 * The guide's three EnvoyFilters (step 6), applied to the inference gateway's Envoy only and named after the
 * service, with every cluster, SNI and route name derived from `kserveNames()`.
 *
 * TLS layers, per hop (KServe's design is TLS from the gateway to the EPP and to vLLM, set by the DestinationRules
 * its controller creates; the namespace's Istio sidecars add no second layer on these hops):
 * - gateway -> EPP (ext_proc gRPC, 9002): ONE TLS session from the gateway's Envoy to the EPP process, which
 *   serves TLS itself (`--secure-serving`, KServe's certificate). `eppTlsFilter` sets that session on the EPP
 *   cluster. The EPP's sidecar passes it through untouched: the ALPN offered is `h2`, not Istio's, so it is not
 *   mistaken for mesh mTLS.
 * - gateway -> vLLM (InferencePool routes `.0`/`.1`, the catch-all `.2`, and the stack's HTTPRoute): vLLM's own
 *   HTTPS with KServe's certificate, originated per KServe's DestinationRule. No EnvoyFilter touches it.
 */

/** Fully typed `@type` URLs of the Envoy messages patched. */
const ENVOY_TYPES = {
    upstreamTls: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
    extProc: "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
    extProcPerRoute: "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
} as const;

/** How long the gateway waits for the EPP's answer before the pool's failure mode applies. */
export const EXT_PROC_TIMEOUT = "10s";

/**
 * The InferencePool routes of KServe's HTTPRoute: completions (`.0`) and chat completions (`.1`). The catch-all
 * `.2` goes to the workload Service, has no EPP in front, and is left alone.
 */
export const INFERENCE_POOL_RULES = [KSERVE_ROUTE_RULES.completions, KSERVE_ROUTE_RULES.chatCompletions] as const;

/** Names of the stack's EnvoyFilters: service and its namespace, so two services on one gateway do not collide. */
export function envoyFilterNames(names: KserveNames) {
    const base = `${names.namespace}-${names.serviceName}`;
    return {
        eppTls: `${base}-epp-tls`,
        extProc: `${base}-ext-proc`,
        bodyForwarding: `${base}-body-forwarding`,
    };
}

function envoyFilter(gateway: GatewayConfig, name: string, configPatches: EnvoyFilterConfigPatch[], priority?: number): EnvoyFilter {
    return {
        apiVersion: ISTIO_NETWORKING_API_VERSION,
        kind: ENVOY_FILTER_KIND,
        metadata: { name, namespace: gateway.namespace, labels: stackLabels("inference-routing") },
        spec: {
            workloadSelector: { labels: { [POD_LABELS.gatewayNameKey]: gateway.name } },
            ...(priority !== undefined ? { priority } : {}),
            configPatches,
        },
    };
}

/**
 * TLS on the gateway's EPP cluster, with the ALPN gRPC needs (`h2`; the EPP image speaks h2 over TLS from
 * llm-d-inference-scheduler v0.7.0). It patches the cluster Istio generated after KServe's DestinationRule, on the
 * same layer (gateway to EPP process), so the two never stack. The EPP's certificate is KServe's, not issued by
 * the mesh CA, hence no chain verification (as in the guide). The gateway's own mesh certificate (SDS `default`)
 * is offered as client certificate, as in the guide's working filter; the EPP does not ask for one. Priority 10: after Istio's own cluster generation, before the
 * ext_proc filter that points at this cluster.
 */
export function eppTlsFilter(config: StackConfig): EnvoyFilter {
    const names = kserveNames(config.workload);
    return envoyFilter(
        config.gateway,
        envoyFilterNames(names).eppTls,
        [
            {
                applyTo: "CLUSTER",
                match: { context: "GATEWAY", cluster: { name: names.eppCluster } },
                patch: {
                    operation: "MERGE",
                    value: {
                        transport_socket: {
                            name: ENVOY_FILTER_NAMES.tlsTransportSocket,
                            typed_config: {
                                "@type": ENVOY_TYPES.upstreamTls,
                                common_tls_context: {
                                    alpn_protocols: ["h2"],
                                    tls_certificate_sds_secret_configs: [
                                        {
                                            name: ENVOY_FILTER_NAMES.workloadCertificate,
                                            sds_config: {
                                                api_config_source: {
                                                    api_type: "GRPC",
                                                    grpc_services: [{ envoy_grpc: { cluster_name: ENVOY_FILTER_NAMES.sdsCluster } }],
                                                    transport_api_version: "V3",
                                                },
                                                resource_api_version: "V3",
                                            },
                                        },
                                    ],
                                    validation_context: { trust_chain_verification: "ACCEPT_UNTRUSTED" },
                                },
                                sni: names.eppSni,
                            },
                        },
                    },
                },
            },
        ],
        10,
    );
}

/**
 * Points the gateway's ext_proc filter at the EPP cluster above (the guide found Istio generating it with a
 * cluster that is not the EPP's) and bounds each call. No TLS setting of its own: the transport is the cluster's.
 * It applies to every ext_proc filter of this gateway, so the gateway serves one LLMInferenceService's pool, which
 * is what this stack deploys. Priority 20: after Istio's generation and the cluster patch.
 */
export function extProcFilter(config: StackConfig): EnvoyFilter {
    const names = kserveNames(config.workload);
    return envoyFilter(
        config.gateway,
        envoyFilterNames(names).extProc,
        [
            {
                applyTo: "HTTP_FILTER",
                match: {
                    context: "GATEWAY",
                    listener: {
                        filterChain: {
                            filter: { name: ENVOY_FILTER_NAMES.httpConnectionManager, subFilter: { name: ENVOY_FILTER_NAMES.extProc } },
                        },
                    },
                },
                patch: {
                    operation: "MERGE",
                    value: {
                        typed_config: {
                            "@type": ENVOY_TYPES.extProc,
                            grpc_service: { envoy_grpc: { cluster_name: names.eppCluster }, timeout: EXT_PROC_TIMEOUT },
                        },
                    },
                },
            },
        ],
        20,
    );
}

/**
 * Sends the request body to the EPP on the two InferencePool routes (completions `.0`, chat completions `.1`):
 * the prefix-cache scorer hashes the prompt, which is in the body. Streamed full-duplex so the gateway does not
 * buffer large prompts; responses are not sent (the EPP does not need them). Envoy requires request trailers to be
 * sent with a full-duplex streamed body (the end of the stream is how the EPP knows the body is complete), as in
 * the ext_proc filter Istio generates for an InferencePool; the guide's override left that out.
 */
export function bodyForwardingFilter(config: StackConfig): EnvoyFilter {
    const names = kserveNames(config.workload);
    return envoyFilter(
        config.gateway,
        envoyFilterNames(names).bodyForwarding,
        INFERENCE_POOL_RULES.map((rule) => ({
            applyTo: "HTTP_ROUTE" as const,
            match: { context: "GATEWAY" as const, routeConfiguration: { vhost: { route: { name: names.envoyRoute(rule) } } } },
            patch: {
                operation: "MERGE" as const,
                value: {
                    typed_per_filter_config: {
                        [ENVOY_FILTER_NAMES.extProc]: {
                            "@type": ENVOY_TYPES.extProcPerRoute,
                            overrides: {
                                processing_mode: {
                                    request_header_mode: "SEND",
                                    response_header_mode: "SEND",
                                    request_body_mode: "FULL_DUPLEX_STREAMED",
                                    request_trailer_mode: "SEND",
                                    response_body_mode: "NONE",
                                },
                            },
                        },
                    },
                },
            },
        })),
    );
}

/** All three, keyed like `envoyFilterNames`. */
export function envoyFilters(config: StackConfig): Record<keyof ReturnType<typeof envoyFilterNames>, EnvoyFilter> {
    return { eppTls: eppTlsFilter(config), extProc: extProcFilter(config), bodyForwarding: bodyForwardingFilter(config) };
}

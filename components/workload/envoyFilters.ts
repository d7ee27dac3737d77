import { ENVOY_FILTER_NAMES, KSERVE_PKI, KSERVE_ROUTE_RULES, KserveNames, POD_LABELS, kserveNames, stackLabels } from "../../config/names";
import { GatewayConfig, StackConfig } from "../../config/types";
import { ENVOY_FILTER_KIND, EnvoyFilter, EnvoyFilterConfigPatch, ISTIO_NETWORKING_API_VERSION } from "../../crds/envoyFilter";

/**
 * The gateway's EnvoyFilters for the service's InferencePool routes, applied to the inference gateway's Envoy only
 * and named after the service, with every cluster and route name derived from `kserveNames()`. Upstream facts: the
 * docs/UPSTREAM.md rows "Istio EnvoyFilter merge", "Istio per-route ext_proc", "KServe DestinationRules" and
 * "KServe self-signed certificate".
 *
 * TLS layers, per hop (KServe's design is TLS from the gateway to the EPP and to vLLM, set by the DestinationRules
 * its controller creates; the namespace's Istio sidecars add no second layer on these hops):
 * - gateway -> EPP (ext_proc gRPC, 9002): ONE TLS session from the gateway's Envoy to the EPP process, which serves
 *   TLS itself (`--secure-serving`, KServe's certificate). KServe's DestinationRule makes it SIMPLE TLS with ALPN h2
 *   and the EPP's name as SNI, but with `insecureSkipVerify`; `eppTlsFilter` adds verification against the KServe CA
 *   the gateway mounts, and a match on the EPP Service's name, which KServe's certificate carries.
 * - gateway -> vLLM (InferencePool routes `.0`/`.1`, the catch-all `.2`, and the stack's HTTPRoute): vLLM's own
 *   HTTPS with KServe's certificate, verified against the KServe CA by KServe's DestinationRule. No EnvoyFilter
 *   touches it.
 */

/** Fully typed `@type` URLs of the Envoy messages patched. */
const ENVOY_TYPES = {
    upstreamTls: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
    extProcPerRoute: "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
} as const;

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
        extProcRoutes: `${base}-ext-proc-routes`,
    };
}

function envoyFilter(gateway: GatewayConfig, name: string, configPatches: EnvoyFilterConfigPatch[]): EnvoyFilter {
    return {
        apiVersion: ISTIO_NETWORKING_API_VERSION,
        kind: ENVOY_FILTER_KIND,
        metadata: { name, namespace: gateway.namespace, labels: stackLabels("inference-routing") },
        spec: {
            workloadSelector: { labels: { [POD_LABELS.gatewayNameKey]: gateway.name } },
            configPatches,
        },
    };
}

/**
 * Verification on the gateway's EPP cluster. A CLUSTER MERGE deep-merges into the TLS context Istio generated from
 * KServe's DestinationRule, so only the empty `validation_context` that `insecureSkipVerify` leaves is filled in:
 * ALPN, SNI and everything else stay KServe's. The EPP's certificate is signed by the KServe CA (`opendatahub-ca`,
 * the Secret the gateway mounts) and names the EPP Service, so the gateway checks both. Should KServe one day verify
 * this hop itself (`combined_validation_context`), this check replaces that one, with the same CA: never weaker.
 */
export function eppTlsFilter(config: StackConfig): EnvoyFilter {
    const names = kserveNames(config.workload);
    return envoyFilter(config.gateway, envoyFilterNames(names).eppTls, [
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
                                validation_context: {
                                    trusted_ca: { filename: `${KSERVE_PKI.gatewayCaMountPath}/${KSERVE_PKI.gatewayCaFile}` },
                                    match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: names.eppServiceFqdn } }],
                                },
                            },
                        },
                    },
                },
            },
        },
    ]);
}

/**
 * How the gateway calls the EPP on the two InferencePool routes, as ONE self-contained per-route override. An
 * HTTP_ROUTE MERGE replaces the route's `envoy.filters.http.ext_proc` entry wholesale (Istio's proto merge replaces
 * map entries), so the override carries everything Istio would have set there itself: the EPP cluster, the failure
 * mode (KServe's pool says FailOpen, which Istio turns into `failure_mode_allow: true`; `eppFailureMode = closed`
 * turns it off), and request and response headers and bodies streamed full-duplex, which is what the prefix-cache
 * scorer (request body) and the EPP's response accounting (response body) read. What it adds is the trailer modes:
 * Envoy documents full-duplex streaming as requiring trailers SEND, which Istio only sets from 1.28 (so on 1.28+ the
 * filter is not rendered). Nothing else depends on it: if it were missing, Istio's own per-route config would still
 * reach the EPP.
 */
export function extProcRoutesFilter(config: StackConfig): EnvoyFilter {
    const names = kserveNames(config.workload);
    return envoyFilter(
        config.gateway,
        envoyFilterNames(names).extProcRoutes,
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
                                grpc_service: { envoy_grpc: { cluster_name: names.eppCluster } },
                                failure_mode_allow: config.workload.scheduler.failOpen,
                                processing_mode: {
                                    request_header_mode: "SEND",
                                    response_header_mode: "SEND",
                                    request_body_mode: "FULL_DUPLEX_STREAMED",
                                    response_body_mode: "FULL_DUPLEX_STREAMED",
                                    request_trailer_mode: "SEND",
                                    response_trailer_mode: "SEND",
                                },
                            },
                        },
                    },
                },
            },
        })),
    );
}

/** The Istio minor from which Istio's own per-route ext_proc config sets the trailer modes (istio/istio 27f1eeb3). */
export const ISTIO_MINOR_WITH_EXT_PROC_TRAILERS = 28;

/**
 * The filters for this mesh, keyed like `envoyFilterNames`. The per-route override is only rendered where Istio's
 * own config falls short: before 1.28 (no trailer modes), or when the failure mode differs from KServe's FailOpen.
 */
export function envoyFilters(config: StackConfig): { eppTls: EnvoyFilter; extProcRoutes?: EnvoyFilter } {
    const needsOverride = config.operators.istioMinor < ISTIO_MINOR_WITH_EXT_PROC_TRAILERS || !config.workload.scheduler.failOpen;
    return { eppTls: eppTlsFilter(config), ...(needsOverride ? { extProcRoutes: extProcRoutesFilter(config) } : {}) };
}

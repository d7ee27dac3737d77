import { describe, expect, it } from "vitest";
import { envoyFilters, eppTlsFilter, extProcRoutesFilter } from "../../components/workload/envoyFilters";
import { healthModelsRoute } from "../../components/workload/httpRoute";
import { envoyFilterSchema } from "../../crds/envoyFilter";
import { httpRouteSchema } from "../../crds/httproute";
import { stackConfig } from "./fixtures";

const DEFAULT_LITERALS = ["qwen-3b-tpu-svc", "rhaii-inference", "inference-gateway", "opendatahub"];
const custom = { serviceName: "llama-svc", namespace: "team-a", gatewayName: "edge-gw", gatewayNamespace: "edge" };

describe("EnvoyFilters for the default config", () => {
    const config = stackConfig();
    const EPP_CLUSTER = "outbound|9002||qwen-3b-tpu-svc-epp-service.rhaii-inference.svc.cluster.local";

    // docs/UPSTREAM.md rows "KServe DestinationRules", "KServe self-signed certificate", "Istio cluster TLS from a DestinationRule".
    it("verify the EPP's certificate against the KServe CA and the EPP Service's name, and change nothing else", () => {
        const f = eppTlsFilter(config);
        expect(f.metadata).toEqual({
            name: "rhaii-inference-qwen-3b-tpu-svc-epp-tls",
            namespace: "opendatahub",
            labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "tpu-inference", "app.kubernetes.io/component": "inference-routing" },
        });
        expect(f.spec.workloadSelector).toEqual({ labels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } });
        expect(f.spec.priority).toBeUndefined();
        expect(f.spec.configPatches).toEqual([
            {
                applyTo: "CLUSTER",
                match: { context: "GATEWAY", cluster: { name: EPP_CLUSTER } },
                patch: {
                    operation: "MERGE",
                    value: {
                        transport_socket: {
                            name: "envoy.transport_sockets.tls",
                            typed_config: {
                                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                                common_tls_context: {
                                    validation_context: {
                                        trusted_ca: { filename: "/var/run/secrets/opendatahub/ca.crt" },
                                        match_typed_subject_alt_names: [
                                            { san_type: "DNS", matcher: { exact: "qwen-3b-tpu-svc-epp-service.rhaii-inference.svc.cluster.local" } },
                                        ],
                                    },
                                },
                            },
                        },
                    },
                },
            },
        ]);
        // Nothing that would weaken or duplicate what KServe's DestinationRule sets (lists append in a CLUSTER MERGE).
        const json = JSON.stringify(f);
        for (const weakening of ["ACCEPT_UNTRUSTED", "alpn_protocols", "tls_certificate_sds_secret_configs", '"sni"']) expect(json).not.toContain(weakening);
    });

    // docs/UPSTREAM.md rows "Istio EnvoyFilter merge" and "Istio per-route ext_proc".
    // docs/UPSTREAM.md row "KServe scheduler pool failureMode".
    it("give the two InferencePool routes a self-contained ext_proc override: EPP cluster, KServe's FailOpen, full-duplex with trailers", () => {
        const f = extProcRoutesFilter(config);
        expect(f.metadata.name).toBe("rhaii-inference-qwen-3b-tpu-svc-ext-proc-routes");
        const routes = f.spec.configPatches.map((p) => p.match!.routeConfiguration!.vhost!.route!.name);
        expect(routes).toEqual(["rhaii-inference.qwen-3b-tpu-svc-kserve-route.0", "rhaii-inference.qwen-3b-tpu-svc-kserve-route.1"]);
        expect(JSON.stringify(f)).not.toContain("kserve-route.2");
        for (const p of f.spec.configPatches) {
            expect(p.applyTo).toBe("HTTP_ROUTE");
            expect((p.patch.value as any).typed_per_filter_config["envoy.filters.http.ext_proc"]).toEqual({
                "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
                overrides: {
                    grpc_service: { envoy_grpc: { cluster_name: EPP_CLUSTER } },
                    failure_mode_allow: true,
                    processing_mode: {
                        request_header_mode: "SEND",
                        response_header_mode: "SEND",
                        request_body_mode: "FULL_DUPLEX_STREAMED",
                        response_body_mode: "FULL_DUPLEX_STREAMED",
                        request_trailer_mode: "SEND",
                        response_trailer_mode: "SEND",
                    },
                },
            });
        }
    });

    it("patch no listener filter: nothing points Istio's ext_proc filter anywhere (so nothing can fail open to Istio's dummy cluster)", () => {
        const filters = Object.values(envoyFilters(config));
        expect(filters.map((f) => f!.metadata.name)).toEqual(["rhaii-inference-qwen-3b-tpu-svc-epp-tls", "rhaii-inference-qwen-3b-tpu-svc-ext-proc-routes"]);
        for (const f of filters) for (const p of f!.spec.configPatches) expect(p.applyTo).not.toBe("HTTP_FILTER");
    });

    it("fail closed when asked: requests fail instead of being served without the EPP", () => {
        const closed = extProcRoutesFilter(stackConfig({ eppFailureMode: "closed" }));
        for (const p of closed.spec.configPatches) {
            expect((p.patch.value as any).typed_per_filter_config["envoy.filters.http.ext_proc"].overrides.failure_mode_allow).toBe(false);
        }
    });

    it("leave the per-route config to Istio from 1.28, which sets the trailer modes itself, unless the failure mode differs", () => {
        const istio128 = { sailOperatorVersion: "1.28.0", istioVersion: "v1.28.0", allowUntestedVersions: true };
        expect(Object.keys(envoyFilters(stackConfig(istio128)))).toEqual(["eppTls"]);
        expect(Object.keys(envoyFilters(stackConfig({ ...istio128, eppFailureMode: "closed" })))).toEqual(["eppTls", "extProcRoutes"]);
    });

    it("are valid against the EnvoyFilter model", () => {
        for (const f of Object.values(envoyFilters(config))) expect(envoyFilterSchema.safeParse(f).success).toBe(true);
    });
});

describe("names derived for another service, namespace and gateway", () => {
    const config = stackConfig(custom);
    const objects = [...Object.values(envoyFilters(config)), healthModelsRoute(config)];

    it("leave no literal of the defaults", () => {
        // The KServe CA's mount path in the gateway pod is KServe's fixed name, not the gateway namespace.
        const json = JSON.stringify(objects).replaceAll("/var/run/secrets/opendatahub/", "");
        for (const literal of DEFAULT_LITERALS) expect(json).not.toContain(literal);
    });

    it("use the derived cluster, SAN, routes, gateway selector and namespaces", () => {
        const { eppTls, extProcRoutes } = envoyFilters(config);
        const cluster = "outbound|9002||llama-svc-epp-service.team-a.svc.cluster.local";
        expect(eppTls.spec.configPatches[0].match!.cluster!.name).toBe(cluster);
        expect((eppTls.spec.configPatches[0].patch.value as any).transport_socket.typed_config.common_tls_context.validation_context.match_typed_subject_alt_names).toEqual([
            { san_type: "DNS", matcher: { exact: "llama-svc-epp-service.team-a.svc.cluster.local" } },
        ]);
        expect(extProcRoutes!.spec.configPatches.map((p) => p.match!.routeConfiguration!.vhost!.route!.name)).toEqual([
            "team-a.llama-svc-kserve-route.0",
            "team-a.llama-svc-kserve-route.1",
        ]);
        for (const p of extProcRoutes!.spec.configPatches) {
            expect((p.patch.value as any).typed_per_filter_config["envoy.filters.http.ext_proc"].overrides.grpc_service.envoy_grpc.cluster_name).toBe(cluster);
        }
        for (const f of [eppTls, extProcRoutes!]) {
            expect(f.metadata.namespace).toBe("edge");
            expect(f.metadata.name.startsWith("team-a-llama-svc-")).toBe(true);
            expect(f.spec.workloadSelector!.labels).toEqual({ "gateway.networking.k8s.io/gateway-name": "edge-gw" });
        }
    });

    it("route health and models through the service's InferencePool", () => {
        const route = healthModelsRoute(config);
        expect(route.metadata).toMatchObject({ name: "llama-svc-health-models", namespace: "team-a" });
        expect(route.spec.parentRefs).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge-gw", namespace: "edge" }]);
        expect(route.spec.rules).toEqual([
            {
                matches: [{ path: { type: "PathPrefix", value: "/team-a/llama-svc/health" } }],
                filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/health" } } }],
                backendRefs: [{ group: "inference.networking.x-k8s.io", kind: "InferencePool", name: "llama-svc-inference-pool", port: 8000, weight: 1 }],
            },
            {
                matches: [{ path: { type: "PathPrefix", value: "/team-a/llama-svc/v1/models" } }],
                filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v1/models" } } }],
                backendRefs: [{ group: "inference.networking.x-k8s.io", kind: "InferencePool", name: "llama-svc-inference-pool", port: 8000, weight: 1 }],
            },
        ]);
        expect(httpRouteSchema.safeParse(route).success).toBe(true);
    });

    // docs/UPSTREAM.md row "pulumi.com/waitFor lists".
    it("make pulumi up wait until the gateway accepted the route and resolved its InferencePool backend", () => {
        expect(healthModelsRoute(config).metadata.annotations).toEqual({
            "pulumi.com/waitFor": JSON.stringify([
                'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
                'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}=True',
            ]),
            "pulumi.com/timeoutSeconds": "300",
        });
    });
});

import { describe, expect, it } from "vitest";
import { bodyForwardingFilter, envoyFilters, eppTlsFilter, extProcFilter } from "../../components/workload/envoyFilters";
import { healthModelsRoute } from "../../components/workload/httpRoute";
import { envoyFilterSchema } from "../../crds/envoyFilter";
import { httpRouteSchema } from "../../crds/httproute";
import { stackConfig } from "./fixtures";

const DEFAULT_LITERALS = ["qwen-3b-tpu-svc", "rhaii-inference", "inference-gateway", "opendatahub"];
const custom = { serviceName: "llama-svc", namespace: "team-a", gatewayName: "edge-gw", gatewayNamespace: "edge" };

describe("EnvoyFilters for the default config", () => {
    const config = stackConfig();

    it("patch the EPP cluster with TLS, h2 ALPN and Istio's SNI for that cluster", () => {
        const f = eppTlsFilter(config);
        expect(f.metadata).toMatchObject({ name: "rhaii-inference-qwen-3b-tpu-svc-epp-tls", namespace: "opendatahub" });
        expect(f.spec.workloadSelector).toEqual({ labels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } });
        expect(f.spec.priority).toBe(10);
        const [patch] = f.spec.configPatches;
        expect(patch.applyTo).toBe("CLUSTER");
        expect(patch.match).toEqual({
            context: "GATEWAY",
            cluster: { name: "outbound|9002||qwen-3b-tpu-svc-epp-service.rhaii-inference.svc.cluster.local" },
        });
        const socket = (patch.patch.value as any).transport_socket;
        expect(socket.typed_config["@type"]).toBe("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext");
        expect(socket.typed_config.sni).toBe("outbound_.9002_._.qwen-3b-tpu-svc-epp-service.rhaii-inference.svc.cluster.local");
        expect(socket.typed_config.common_tls_context.alpn_protocols).toEqual(["h2"]);
        expect(socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name).toBe("default");
    });

    it("point ext_proc at the EPP cluster with a timeout", () => {
        const f = extProcFilter(config);
        expect(f.spec.priority).toBe(20);
        const [patch] = f.spec.configPatches;
        expect(patch.applyTo).toBe("HTTP_FILTER");
        expect((patch.patch.value as any).typed_config.grpc_service).toEqual({
            envoy_grpc: { cluster_name: "outbound|9002||qwen-3b-tpu-svc-epp-service.rhaii-inference.svc.cluster.local" },
            timeout: "10s",
        });
    });

    it("forward the body on the two InferencePool routes only (.0 completions, .1 chat), never the catch-all .2", () => {
        const f = bodyForwardingFilter(config);
        const routes = f.spec.configPatches.map((p) => p.match!.routeConfiguration!.vhost!.route!.name);
        expect(routes).toEqual(["rhaii-inference.qwen-3b-tpu-svc-kserve-route.0", "rhaii-inference.qwen-3b-tpu-svc-kserve-route.1"]);
        expect(JSON.stringify(f)).not.toContain("kserve-route.2");
        expect(JSON.stringify(f)).not.toContain("gpu");
        for (const p of f.spec.configPatches) {
            expect(p.applyTo).toBe("HTTP_ROUTE");
            expect((p.patch.value as any).typed_per_filter_config["envoy.filters.http.ext_proc"].overrides.processing_mode).toEqual({
                request_header_mode: "SEND",
                response_header_mode: "SEND",
                request_body_mode: "FULL_DUPLEX_STREAMED",
                request_trailer_mode: "SEND",
                response_body_mode: "NONE",
            });
        }
    });

    it("are valid against the EnvoyFilter model", () => {
        for (const f of Object.values(envoyFilters(config))) expect(envoyFilterSchema.safeParse(f).success).toBe(true);
    });
});

describe("names derived for another service, namespace and gateway", () => {
    const config = stackConfig(custom);
    const objects = [...Object.values(envoyFilters(config)), healthModelsRoute(config)];

    it("leave no literal of the defaults", () => {
        const json = JSON.stringify(objects);
        for (const literal of DEFAULT_LITERALS) expect(json).not.toContain(literal);
    });

    it("use the derived cluster, SNI, routes, gateway selector and namespaces", () => {
        const { eppTls, extProc, bodyForwarding } = envoyFilters(config);
        const cluster = "outbound|9002||llama-svc-epp-service.team-a.svc.cluster.local";
        expect(eppTls.spec.configPatches[0].match!.cluster!.name).toBe(cluster);
        expect((eppTls.spec.configPatches[0].patch.value as any).transport_socket.typed_config.sni).toBe(
            "outbound_.9002_._.llama-svc-epp-service.team-a.svc.cluster.local",
        );
        expect((extProc.spec.configPatches[0].patch.value as any).typed_config.grpc_service.envoy_grpc.cluster_name).toBe(cluster);
        expect(bodyForwarding.spec.configPatches.map((p) => p.match!.routeConfiguration!.vhost!.route!.name)).toEqual([
            "team-a.llama-svc-kserve-route.0",
            "team-a.llama-svc-kserve-route.1",
        ]);
        for (const f of [eppTls, extProc, bodyForwarding]) {
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

    it("make pulumi up wait until the gateway accepted the route", () => {
        expect(healthModelsRoute(config).metadata.annotations).toEqual({
            "pulumi.com/waitFor": 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
            "pulumi.com/timeoutSeconds": "300",
        });
    });
});

import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gatewayCertificate, gatewayListeners, gatewayServiceOverlay } from "../../components/platform/gatewayEdge";
import { gatewayObject, gatewayParameters } from "../../components/platform/gatewayObjects";
import { certificateSchema } from "../../crds/certManager";
import { gatewaySchema } from "../../crds/gateway";
import { GATEWAY, ROUTE_NAMESPACES } from "./gatewayFixture";
import { runPlatform } from "./harness";
import { CERTIFICATE, GATEWAY as GATEWAY_TYPE } from "../helpers/types";

/**
 * docs/UPSTREAM.md rows: "Gateway API listener tls", "Istio Gateway API Terminate -> SIMPLE", "allowedRoutes Selector",
 * "Gateway parameters service key", "GKE internal LB and source ranges", "cert-manager Certificate ipAddresses".
 */

const ONLY_WORKLOAD = { namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["rhaii-inference"] }] } } };

describe("gateway listeners", () => {
    it("serve HTTPS only by default, with the stack's certificate, to routes of the workload namespace only", () => {
        expect(gatewayListeners(GATEWAY, ROUTE_NAMESPACES)).toEqual([
            { name: "https", port: 443, protocol: "HTTPS", tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "inference-gateway-tls" }] }, allowedRoutes: ONLY_WORKLOAD },
        ]);
        // Gateway API v1.4.0: a Terminate listener needs a certificate (CEL rule of the CRD, mirrored by the model).
        const gw = gatewayObject(GATEWAY, ROUTE_NAMESPACES);
        expect(gatewaySchema.safeParse(gw).success).toBe(true);
        const noCert = { ...gw, spec: { ...gw.spec, listeners: [{ ...gw.spec.listeners[0], tls: { mode: "Terminate" } }] } };
        expect(gatewaySchema.safeParse(noCert).success).toBe(false);
        expect(JSON.stringify(gw)).not.toContain('"All"');
    });

    it("add plain HTTP on gatewayPort only with gatewayPlainHttp, under the same route restriction", () => {
        const listeners = gatewayListeners({ ...GATEWAY, plainHttp: true, port: 8080 }, ROUTE_NAMESPACES);
        expect(listeners.map((l) => [l.name, l.protocol, l.port])).toEqual([
            ["https", "HTTPS", 443],
            ["http", "HTTP", 8080],
        ]);
        expect(listeners[1]).toEqual({ name: "http", port: 8080, protocol: "HTTP", allowedRoutes: ONLY_WORKLOAD });
    });

    it("list every namespace the stack serves, sorted", () => {
        expect(gatewayListeners(GATEWAY, ["team-b", "team-a"])[0].allowedRoutes?.namespaces?.selector?.matchExpressions?.[0].values).toEqual(["team-a", "team-b"]);
    });
});

describe("gateway load balancer exposure", () => {
    it("external with no source ranges leaves Istio's Service as it is", () => {
        expect(gatewayServiceOverlay(GATEWAY)).toEqual({});
        expect(gatewayParameters(GATEWAY).data.service).toBeUndefined();
    });

    it("internal makes it a GKE internal passthrough load balancer", () => {
        expect(gatewayServiceOverlay({ ...GATEWAY, exposure: "internal" })).toEqual({ metadata: { annotations: { "networking.gke.io/load-balancer-type": "Internal" } } });
    });

    it("source ranges become the Service's loadBalancerSourceRanges, in either mode", () => {
        const ranges = ["203.0.113.0/24", "198.51.100.7/32"];
        expect(gatewayServiceOverlay({ ...GATEWAY, sourceRanges: ranges })).toEqual({ spec: { loadBalancerSourceRanges: ranges } });
        expect(parse(gatewayParameters({ ...GATEWAY, exposure: "internal", sourceRanges: ["10.0.0.0/8"] }).data.service ?? "")).toEqual({
            metadata: { annotations: { "networking.gke.io/load-balancer-type": "Internal" } },
            spec: { loadBalancerSourceRanges: ["10.0.0.0/8"] },
        });
    });
});

describe("gateway certificate", () => {
    it("is issued by the CA issuer for the load balancer's IP", () => {
        const cert = gatewayCertificate(GATEWAY, "192.0.2.10");
        expect(certificateSchema.safeParse(cert).success).toBe(true);
        expect(cert.metadata).toMatchObject({ name: "inference-gateway-tls", namespace: "opendatahub", annotations: { "pulumi.com/waitFor": "condition=Ready" } });
        expect(cert.spec).toEqual({
            secretName: "inference-gateway-tls",
            ipAddresses: ["192.0.2.10"],
            usages: ["server auth", "digital signature"],
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            issuerRef: { name: "opendatahub-ca-issuer", kind: "ClusterIssuer", group: "cert-manager.io" },
        });
    });

    it("names the configured hostname too, and a load balancer hostname as a DNS name", () => {
        expect(gatewayCertificate({ ...GATEWAY, hostname: "llm.example.com" }, "192.0.2.10").spec).toMatchObject({ dnsNames: ["llm.example.com"], ipAddresses: ["192.0.2.10"] });
        const byName = gatewayCertificate(GATEWAY, "lb.example.net").spec;
        expect(byName.dnsNames).toEqual(["lb.example.net"]);
        expect(byName.ipAddresses).toBeUndefined();
        expect(gatewayCertificate(GATEWAY, "2001:db8::10").spec.ipAddresses).toEqual(["2001:db8::10"]);
        // A name is a name even with digits at either end.
        for (const name of ["10.lb.example.net", "lb.example.10x", "gw1"]) expect(gatewayCertificate(GATEWAY, name).spec, name).toMatchObject({ dnsNames: [name] });
        expect(gatewayCertificate(GATEWAY, "192.0.2.10").metadata.labels).toEqual({
            "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/part-of": "tpu-inference",
            "app.kubernetes.io/component": "inference-gateway",
        });
    });
});

describe("the gateway edge in the platform", () => {
    it("issues the certificate for the Gateway's address, after the Gateway", async () => {
        const s = await runPlatform();
        const cert = s.byType(CERTIFICATE).find((c) => (c.inputs.metadata as { name: string }).name === "inference-gateway-tls")!;
        expect(cert.inputs.spec).toMatchObject({ ipAddresses: ["192.0.2.10"], secretName: "inference-gateway-tls" });
        expect(cert.dependsOn).toEqual(expect.arrayContaining(["platform-cert-manager-ca-issuer", "platform-gateway-inference-gateway"]));
        expect(s.one(GATEWAY_TYPE).dependsOn).not.toContain(cert.name);
    });

    it("exposes the gateway internally, to the configured ranges, through Istio's parameters", async () => {
        const s = await runPlatform({ config: { gatewayExposure: "internal", gatewaySourceRanges: ["10.20.0.0/16"] } });
        const params = s.one("kubernetes:core/v1:ConfigMap", "platform-gateway-parameters").inputs as { data: { service: string } };
        expect(Object.keys(params.data).sort()).toEqual(["deployment", "horizontalPodAutoscaler", "podDisruptionBudget", "service"]);
        expect(parse(params.data.service)).toEqual({ metadata: { annotations: { "networking.gke.io/load-balancer-type": "Internal" } }, spec: { loadBalancerSourceRanges: ["10.20.0.0/16"] } });
    });
});

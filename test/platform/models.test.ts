import { describe, expect, it } from "vitest";
import { GATEWAY, ROUTE_NAMESPACES } from "./gatewayFixture";
import { certificateSchema, clusterIssuerSchema } from "../../crds/certManager";
import { gatewaySchema } from "../../crds/gateway";
import { istioPatchSchema, istioSchema } from "../../crds/istio";
import { istioCniSchema } from "../../crds/sail";
import { gatewayObject } from "../../components/platform/gatewayObjects";
import { istioCniObject, istioObject, istioPatchObject } from "../../components/platform/mesh";
import { caCertificate, caIssuer, selfSignedIssuer } from "../../components/platform/pki";


/** Deep copy with `value` set at `path` (dot-separated). */
function withField<T>(obj: T, path: string, value: unknown): T {
    const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
    const keys = path.split(".");
    let cur = copy;
    for (const k of keys.slice(0, -1)) {
        cur[k] = (cur[k] as Record<string, unknown> | undefined) ?? {};
        cur = cur[k] as Record<string, unknown>;
    }
    cur[keys[keys.length - 1]] = value;
    return copy as T;
}

describe("CRD models reject what the API server would prune or refuse", () => {
    it("Istio: unknown or misplaced fields, bad versions, a missing namespace", () => {
        const istio = istioObject("v1.27.3");
        expect(istioSchema.safeParse(istio).success).toBe(true);
        expect(istioSchema.safeParse(withField(istio, "spec.values.cni", { enabled: true })).success).toBe(false);
        expect(istioSchema.safeParse(withField(istio, "spec.values.pilot.cniEnabled", true)).success).toBe(false);
        expect(istioSchema.safeParse(withField(istio, "spec.values.global.imagePullSecrets", [{ name: "x" }])).success).toBe(false);
        expect(istioSchema.safeParse(withField(istio, "spec.version", "1.27.3")).success).toBe(false);
        expect(istioSchema.safeParse(withField(istio, "spec.version", "v1.27-latest")).success).toBe(true);
        expect(istioSchema.safeParse(withField(istio, "spec.namespace", undefined)).success).toBe(false);
        expect(istioSchema.safeParse(withField(istio, "metadata.namespace", "istio-system")).success).toBe(false);
    });

    it("Istio patch: partial spec, still strict", () => {
        const patch = istioPatchObject();
        expect(istioPatchSchema.safeParse(patch).success).toBe(true);
        expect(istioPatchSchema.safeParse(withField(patch, "spec.values.pilot.enableCni", true)).success).toBe(false);
    });

    it("IstioCNI: paths belong under values.cni; tolerations do not exist", () => {
        const cni = istioCniObject("v1.27.3", ["kube-system"]);
        expect(istioCniSchema.safeParse(cni).success).toBe(true);
        expect(istioCniSchema.safeParse(withField(cni, "spec.values.cniBinDir", "/home/kubernetes/bin")).success).toBe(false);
        expect(istioCniSchema.safeParse(withField(cni, "spec.values.cni.tolerations", [{ operator: "Exists" }])).success).toBe(false);
        expect(istioCniSchema.safeParse(withField(cni, "spec.tolerations", [])).success).toBe(false);
    });

    it("Gateway: listener fields, namespaces.from values, infrastructure", () => {
        const gw = gatewayObject(GATEWAY, ROUTE_NAMESPACES);
        expect(gatewaySchema.safeParse(gw).success).toBe(true);
        expect(gatewaySchema.safeParse(withField(gw, "spec.listeners", [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "Any" } } }])).success).toBe(false);
        expect(gatewaySchema.safeParse(withField(gw, "spec.listeners", [{ name: "http", port: 0, protocol: "HTTP" }])).success).toBe(false);
        expect(gatewaySchema.safeParse(withField(gw, "spec.listeners", [])).success).toBe(false);
        expect(gatewaySchema.safeParse(withField(gw, "spec.infrastructure.parametersRef", { kind: "ConfigMap", name: "x" })).success).toBe(false);
        expect(gatewaySchema.safeParse(withField(gw, "spec.infrastructure.serviceType", "LoadBalancer")).success).toBe(false);
        expect(gatewaySchema.safeParse(withField(gw, "metadata.namespace", undefined)).success).toBe(false);
    });

    it("cert-manager: one issuer type, a certificate name or DNS name, Go durations", () => {
        expect(clusterIssuerSchema.safeParse(selfSignedIssuer()).success).toBe(true);
        expect(clusterIssuerSchema.safeParse(withField(caIssuer(), "spec.selfSigned", {})).success).toBe(false);
        expect(clusterIssuerSchema.safeParse(withField(caIssuer(), "spec.ca.secret", "x")).success).toBe(false);
        expect(clusterIssuerSchema.safeParse(withField(caIssuer(), "metadata.namespace", "cert-manager")).success).toBe(false);
        const ca = caCertificate("cert-manager");
        expect(certificateSchema.safeParse(ca).success).toBe(true);
        expect(certificateSchema.safeParse(withField(ca, "spec.duration", "10y")).success).toBe(false);
        expect(certificateSchema.safeParse(withField(ca, "spec.commonName", undefined)).success).toBe(false);
        expect(certificateSchema.safeParse(withField(withField(ca, "spec.commonName", undefined), "spec.dnsNames", ["ca.example"])).success).toBe(true);
        expect(certificateSchema.safeParse(withField(ca, "spec.issuer", { name: "x" })).success).toBe(false);
        expect(certificateSchema.safeParse(withField(ca, "metadata.namespace", undefined)).success).toBe(false);
    });
});

import { KSERVE_PKI, NAMESPACE_NAME_LABEL, gatewayNames, stackLabels } from "../../config/names";
import { GatewayConfig } from "../../config/types";
import { CERT_MANAGER_API_VERSION, CERT_MANAGER_GROUP, Certificate } from "../../crds/certManager";
import { Gateway } from "../../crds/gateway";
import { awaitAnnotations } from "./annotations";

/**
 * The gateway's edge as pure data: its listeners (HTTPS with a certificate from the stack's CA; plain HTTP only
 * when asked), which namespaces may attach routes, and how its load balancer is exposed.
 */

type Listener = Gateway["spec"]["listeners"][number];

/** The GKE annotation that makes a LoadBalancer Service an internal passthrough Network Load Balancer. */
export const GKE_INTERNAL_LB_ANNOTATION = { "networking.gke.io/load-balancer-type": "Internal" } as const;

/**
 * Routes may attach only from `routeNamespaces` (the workload's): an HTTPRoute in any other namespace, however exact
 * its match, is refused by the gateway (NotAllowedByListeners), so nobody with route rights elsewhere can take over
 * the completion paths. The API server labels every Namespace with its own name, which is what the selector reads.
 */
export function gatewayListeners(gateway: GatewayConfig, routeNamespaces: string[]): Listener[] {
    const names = gatewayNames(gateway);
    const allowedRoutes = {
        namespaces: { from: "Selector" as const, selector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In" as const, values: [...routeNamespaces].sort() }] } },
    };
    const https: Listener = {
        name: names.httpsListener,
        port: gateway.httpsPort,
        protocol: "HTTPS",
        tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: names.tls }] },
        allowedRoutes,
    };
    const http: Listener = { name: names.httpListener, port: gateway.port, protocol: "HTTP", allowedRoutes };
    return gateway.plainHttp ? [https, http] : [https];
}

/**
 * Overlay on the LoadBalancer Service Istio generates for the Gateway (the `service` key of its parameters): the
 * internal-LB annotation, and the client ranges GKE turns into VPC firewall rules. Empty when neither is set.
 */
export function gatewayServiceOverlay(gateway: GatewayConfig): Record<string, unknown> {
    return {
        ...(gateway.exposure === "internal" ? { metadata: { annotations: { ...GKE_INTERNAL_LB_ANNOTATION } } } : {}),
        ...(gateway.sourceRanges.length > 0 ? { spec: { loadBalancerSourceRanges: [...gateway.sourceRanges] } } : {}),
    };
}

/** cert-manager issues the gateway's certificate in seconds once the CA issuer is Ready. */
const CERTIFICATE_TIMEOUT_SECONDS = 300;

/**
 * The HTTPS listener's certificate, issued by the CA ClusterIssuer (the KServe CA, the stack's output
 * `caCertificate`), for the load balancer's address and the configured hostname. Known only once the Gateway has
 * an address, so it is created after the Gateway; until it is Ready the HTTPS listener has no certificate and
 * serves nothing, never something weaker.
 */
export function gatewayCertificate(gateway: GatewayConfig, address: string): Certificate {
    const isIp = /^[\d.]+$|:/.test(address);
    const dnsNames = [...(gateway.hostname ? [gateway.hostname] : []), ...(isIp ? [] : [address])];
    return {
        apiVersion: CERT_MANAGER_API_VERSION,
        kind: "Certificate",
        metadata: {
            name: gatewayNames(gateway).tls,
            namespace: gateway.namespace,
            labels: stackLabels("inference-gateway"),
            annotations: awaitAnnotations("condition=Ready", CERTIFICATE_TIMEOUT_SECONDS),
        },
        spec: {
            secretName: gatewayNames(gateway).tls,
            ...(dnsNames.length > 0 ? { dnsNames } : {}),
            ...(isIp ? { ipAddresses: [address] } : {}),
            usages: ["server auth", "digital signature"],
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            issuerRef: { name: KSERVE_PKI.caIssuer, kind: "ClusterIssuer", group: CERT_MANAGER_GROUP },
        },
    };
}

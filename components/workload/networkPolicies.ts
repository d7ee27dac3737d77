import { ISTIO_PORTS, KUBE_DNS, MANAGED_PROMETHEUS, NAMESPACE_NAME_LABEL, PORTS, POD_LABELS, STACK_NAMES, kserveNames, stackLabels } from "../../config/names";
import { StackConfig } from "../../config/types";

/**
 * Least-privilege NetworkPolicies for the workload namespace (`networkPolicies = true`; enforced by the cluster's
 * Dataplane V2). Everything is denied both ways, then exactly these flows are allowed:
 *
 * | from | to | ports |
 * |---|---|---|
 * | gateway pods (gateway namespace, gateway-name label) | vLLM pods | 8000 |
 * | gateway pods | EPP pods | 9002 (ext_proc), 9003 (gRPC health) |
 * | EPP pods | vLLM pods | 8000 (metrics the scorers read, HTTPS) |
 * | metricsNamespace (when set) | vLLM / EPP pods | 8000 / 9090, sidecar 15020, 15090 |
 * | Managed Prometheus' collector (gmp-system, `monitoring = true`) | vLLM / EPP pods | 8000 / 9090 |
 * | every pod | kube-dns (kube-system) | 53 UDP+TCP |
 * | every pod (its sidecar) | istiod (Istio namespace) | 15012 (xDS and certificates) |
 * | EPP pods | Kubernetes API server (the `kubernetes` ClusterIP and its EndpointSlice addresses, /32 each; any address when not given) | their ports, 443 (it watches Pods and its InferencePool) |
 * | vLLM pods | public internet | 443 (storage initializer: model download) |
 *
 * Not needed, so not allowed: kubelet probes (the node's own traffic to its pods is never subject to
 * NetworkPolicy, so the guide's "any pod on 8000" rule only opened the port to the whole cluster); traffic from
 * istiod to the pods (sidecars dial istiod, never the reverse; 15017 is istiod's webhook port, called by the API
 * server, not by pods); any "allow all" egress.
 *
 * The builder is pure data: the API server's addresses, known only once the cluster exists, come in as plain values
 * (`apiServer`); the component resolves them from the cluster and hands each policy's spec over as an Output.
 */

export interface NetworkPolicyPeer {
    podSelector?: { matchLabels: Record<string, string> };
    namespaceSelector?: { matchLabels: Record<string, string> };
    ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyPort {
    protocol: "TCP" | "UDP";
    port: number;
}

export interface NetworkPolicy {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: {
        podSelector: { matchLabels?: Record<string, string> };
        policyTypes: ("Ingress" | "Egress")[];
        ingress?: { from: NetworkPolicyPeer[]; ports: NetworkPolicyPort[] }[];
        egress?: { to: NetworkPolicyPeer[]; ports: NetworkPolicyPort[] }[];
    };
}

const inNamespace = (ns: string) => ({ matchLabels: { [NAMESPACE_NAME_LABEL]: ns } });
const tcp = (...ports: number[]): NetworkPolicyPort[] => ports.map((port) => ({ protocol: "TCP", port }));

/** Every IPv4 address. */
export const ANY_IPV4 = "0.0.0.0/0";

/** Addresses that are never "the internet": RFC 1918, CGNAT (used by some GKE pod ranges) and link-local. */
export const NON_PUBLIC_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

/** Where pods reach the Kubernetes API server, as read from the cluster (see `apiServerPeers`). */
export interface ApiServerPeers {
    /** /32s of the `kubernetes` Service's ClusterIP and of every address in its EndpointSlice. */
    cidrs: string[];
    /** The Service's port and the endpoints' ports (443 and the API server's own port). */
    ports: number[];
}

export interface NetworkPolicyOptions {
    /**
     * Where the EPP reaches the Kubernetes API server. The EPP dials the `kubernetes` Service; whether Dataplane V2
     * (Cilium) checks egress before or after it translates the ClusterIP to the control plane's address is not
     * documented, and on current GKE the address behind it is the control plane's (often private) endpoint, not the
     * cluster's public `endpoint`. So the rule allows both what the pod dials and what it is translated to, exactly:
     * the ClusterIP and each address of the Service's EndpointSlice, on their ports. Without them the fallback is any
     * address on 443, for the EPP pods only: the policy still isolates everything else, but the EPP could reach any
     * HTTPS host.
     */
    apiServer?: ApiServerPeers;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * An API server address as a single-address CIDR. Anything but an IPv4 address (a hostname, an IPv6 address of a
 * dual-stack slice) cannot go into this ipBlock, and failing here names the value instead of an API-server rejection.
 */
export function apiServerCidr(address: string): string {
    if (!IPV4.test(address)) throw new Error(`the API server address must be an IPv4 address for a NetworkPolicy ipBlock, got "${address}"`);
    return `${address}/32`;
}

/** The peers from what the cluster reports: the Service's ClusterIP and port, the EndpointSlice's addresses and ports. */
export function apiServerPeers(service: { clusterIP: string; ports: number[] }, slice: { addresses: string[]; ports: number[] }): ApiServerPeers {
    const unique = <T>(xs: T[]) => [...new Set(xs)];
    return {
        cidrs: unique([service.clusterIP, ...slice.addresses].map(apiServerCidr)),
        ports: unique([...service.ports, ...slice.ports]).sort((a, b) => a - b),
    };
}

/** The allow policies, and the namespace-wide deny that must come last (see the component). */
export interface WorkloadNetworkPolicies {
    allow: NetworkPolicy[];
    defaultDeny: NetworkPolicy;
    /** The one policy whose rules depend on `apiServer` (the EPP's). */
    apiServerPolicy: string;
}

export function networkPolicies(config: StackConfig, options: NetworkPolicyOptions = {}): WorkloadNetworkPolicies {
    const names = kserveNames(config.workload);
    const ns = names.namespace;
    const workloadPods = { matchLabels: { ...names.appLabel, ...POD_LABELS.workloadComponent } };
    const eppPods = { matchLabels: { ...names.appLabel, ...POD_LABELS.schedulerComponent } };
    const gatewayPods: NetworkPolicyPeer = {
        namespaceSelector: inNamespace(config.gateway.namespace),
        podSelector: { matchLabels: { [POD_LABELS.gatewayNameKey]: config.gateway.name } },
    };
    const metrics = config.workload.metricsNamespace;
    const metricsPeer: NetworkPolicyPeer[] = metrics ? [{ namespaceSelector: inNamespace(metrics) }] : [];
    // Managed Prometheus' collector pods (`monitoring`), on exactly the ports its PodMonitorings scrape.
    const collector: NetworkPolicyPeer = {
        namespaceSelector: inNamespace(MANAGED_PROMETHEUS.namespace),
        podSelector: { matchLabels: { ...MANAGED_PROMETHEUS.collectorPodLabels } },
    };
    const scrapedBy = (port: number) => (config.monitoring.enabled ? [{ from: [collector], ports: tcp(port) }] : []);
    const labels = stackLabels("network-policy");
    const meta = (name: string) => ({ name, namespace: ns, labels });
    const apiServer = options.apiServer ?? { cidrs: [ANY_IPV4], ports: [443] };

    const workload: NetworkPolicy = {
        metadata: meta(`${names.serviceName}-workload`),
        spec: {
            podSelector: workloadPods,
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                { from: [gatewayPods], ports: tcp(PORTS.vllm) },
                { from: [{ podSelector: eppPods }], ports: tcp(PORTS.vllm) },
                ...scrapedBy(PORTS.vllm),
                ...(metrics
                    ? [{ from: metricsPeer, ports: tcp(PORTS.vllm, ISTIO_PORTS.sidecarMergedMetrics, ISTIO_PORTS.sidecarEnvoyMetrics) }]
                    : []),
            ],
            egress: [
                // Model download by the storage initializer (Hugging Face, S3 over HTTPS), never in-cluster.
                { to: [{ ipBlock: { cidr: ANY_IPV4, except: NON_PUBLIC_CIDRS } }], ports: tcp(443) },
            ],
        },
    };

    const scheduler: NetworkPolicy = {
        metadata: meta(`${names.serviceName}-scheduler`),
        spec: {
            podSelector: eppPods,
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                // 9003 is the EPP's gRPC health service; kubelet probes need no rule, a gateway-side check does.
                { from: [gatewayPods], ports: tcp(PORTS.eppGrpc, PORTS.eppHealth) },
                ...scrapedBy(PORTS.eppMetrics),
                ...(metrics
                    ? [{ from: metricsPeer, ports: tcp(PORTS.eppMetrics, ISTIO_PORTS.sidecarMergedMetrics, ISTIO_PORTS.sidecarEnvoyMetrics) }]
                    : []),
            ],
            egress: [
                { to: [{ podSelector: workloadPods }], ports: tcp(PORTS.vllm) },
                { to: apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...apiServer.ports) },
            ],
        },
    };

    const dns: NetworkPolicy = {
        metadata: meta("allow-dns"),
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ namespaceSelector: inNamespace(KUBE_DNS.namespace), podSelector: { matchLabels: { ...KUBE_DNS.labels } } }],
                    ports: [
                        { protocol: "UDP", port: KUBE_DNS.port },
                        { protocol: "TCP", port: KUBE_DNS.port },
                    ],
                },
            ],
        },
    };

    // Every pod in the namespace has a sidecar (istio-injection), and every sidecar needs istiod.
    const istiod: NetworkPolicy = {
        metadata: meta("allow-istiod"),
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [{ namespaceSelector: inNamespace(STACK_NAMES.istioNamespace) }], ports: tcp(ISTIO_PORTS.istiodXds) }],
        },
    };

    return { allow: [workload, scheduler, dns, istiod], defaultDeny: defaultDeny(ns, labels), apiServerPolicy: scheduler.metadata.name };
}

/** Deny everything not allowed above, both ways, for every pod of the namespace. */
export function defaultDeny(namespace: string, labels: Record<string, string>): NetworkPolicy {
    return {
        metadata: { name: "default-deny", namespace, labels },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    };
}

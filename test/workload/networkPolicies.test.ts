import { describe, expect, it } from "vitest";
import {
    NON_PUBLIC_CIDRS,
    NetworkPolicy,
    NetworkPolicyOptions,
    NetworkPolicyPeer,
    apiServerCidr,
    apiServerPeers,
    networkPolicies as build,
} from "../../components/workload/networkPolicies";
import { StackConfig } from "../../config/types";
import { stackConfig } from "./fixtures";

/**
 * A small NetworkPolicy evaluator (Kubernetes semantics for the subset the stack uses): a flow is allowed when
 * the source's egress policies (if any select it) and the destination's ingress policies (if any) each have a rule
 * matching the peer and port. Pods outside the workload namespace carry no policy of ours.
 */
interface Endpoint {
    namespace?: string;
    labels?: Record<string, string>;
    /** For addresses outside the cluster. */
    ip?: string;
}
interface Flow {
    from: Endpoint;
    to: Endpoint;
    port: number;
    protocol?: "TCP" | "UDP";
}

const selects = (selector: { matchLabels?: Record<string, string> }, labels: Record<string, string> = {}) =>
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

function ipIn(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const n = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}

/** The builder takes the API server's CIDR as an Input; these tests hand it plain strings, never an Output. */
function cidrOf(peer: NetworkPolicyPeer): string | undefined {
    const cidr = peer.ipBlock?.cidr;
    if (cidr !== undefined && typeof cidr !== "string") throw new Error("the evaluator needs plain CIDRs");
    return cidr;
}

function peerMatches(peer: NetworkPolicyPeer, policyNs: string, ep: Endpoint): boolean {
    if (peer.ipBlock) return ep.ip !== undefined && ipIn(ep.ip, cidrOf(peer)!) && !(peer.ipBlock.except ?? []).some((c) => ipIn(ep.ip!, c));
    if (ep.namespace === undefined) return false;
    const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": ep.namespace }) : ep.namespace === policyNs;
    const podOk = peer.podSelector ? selects(peer.podSelector, ep.labels) : true;
    return nsOk && podOk;
}

function allowed(policies: NetworkPolicy[], flow: Flow): boolean {
    const protocol = flow.protocol ?? "TCP";
    const side = (ep: Endpoint, type: "Ingress" | "Egress", peer: Endpoint) => {
        const applying = policies.filter(
            (p) => ep.namespace === p.metadata.namespace && p.spec.policyTypes.includes(type) && selects(p.spec.podSelector, ep.labels),
        );
        if (applying.length === 0) return true;
        return applying.some((p) =>
            (type === "Ingress" ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (p.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }))).some(
                // Kubernetes semantics: no ports = every port, no peers = every peer.
                (r) =>
                    (r.ports.length === 0 || r.ports.some((x) => x.port === flow.port && x.protocol === protocol)) &&
                    (r.peers.length === 0 || r.peers.some((x) => peerMatches(x, p.metadata.namespace, peer))),
            ),
        );
    };
    return side(flow.from, "Egress", flow.to) && side(flow.to, "Ingress", flow.from);
}

/** All policies of the builder, the deny last. */
function networkPolicies(config: StackConfig, options?: NetworkPolicyOptions): NetworkPolicy[] {
    const { allow, defaultDeny } = build(config, options);
    return [...allow, defaultDeny];
}

const NS = "rhaii-inference";
const vllm: Endpoint = {
    namespace: NS,
    labels: { "app.kubernetes.io/name": "qwen-3b-tpu-svc", "app.kubernetes.io/component": "llminferenceservice-workload", "kserve.io/component": "workload" },
};
const epp: Endpoint = {
    namespace: NS,
    labels: { "app.kubernetes.io/name": "qwen-3b-tpu-svc", "app.kubernetes.io/component": "llminferenceservice-router-scheduler" },
};
const otherServiceVllm: Endpoint = { namespace: NS, labels: { ...vllm.labels, "app.kubernetes.io/name": "other-svc" } };
const gateway: Endpoint = { namespace: "opendatahub", labels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } };
const otherGatewayNsPod: Endpoint = { namespace: "opendatahub", labels: { app: "kserve-controller" } };
const anyPod: Endpoint = { namespace: "default", labels: { app: "curl" } };
const prometheus: Endpoint = { namespace: "monitoring", labels: { app: "prometheus" } };
const kubeDns: Endpoint = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
const istiod: Endpoint = { namespace: "istio-system", labels: { app: "istiod" } };
const internet: Endpoint = { ip: "13.107.42.14" };
const gkeControlPlane: Endpoint = { ip: "34.118.0.5" };
const privateControlPlane: Endpoint = { ip: "172.16.0.2" };
const clusterPodIp: Endpoint = { ip: "10.52.3.7" };
/** The `kubernetes` Service's ClusterIP. */
const apiServerClusterIp: Endpoint = { ip: "34.118.224.1" };
/** What the component passes: the ClusterIP and the EndpointSlice's address, as read from the cluster. */
const WITH_API_SERVER: NetworkPolicyOptions = {
    apiServer: apiServerPeers({ clusterIP: apiServerClusterIp.ip!, ports: [443] }, { addresses: [privateControlPlane.ip!], ports: [443] }),
};

/** Egress rules that reach every IPv4 address (minus any `except`), by policy name. */
const openIpRules = (policies: NetworkPolicy[]) =>
    policies.flatMap((p) => (p.spec.egress ?? []).filter((r) => r.to.some((t) => cidrOf(t) === "0.0.0.0/0")).map((r) => ({ name: p.metadata.name, r })));

describe("NetworkPolicies (enabled, with the API server's address)", () => {
    // Built inside each test, so a mutant of the builder is active when it runs (Stryker's per-test coverage).
    const build = () => networkPolicies(stackConfig({ networkPolicies: true }), WITH_API_SERVER);

    it("deny everything by default, both ways, in the workload namespace", () => {
        const deny = build().find((p) => p.metadata.name === "default-deny")!;
        expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(build().every((p) => p.metadata.namespace === NS)).toBe(true);
        expect(build().map((p) => p.metadata.name)).toEqual([
            "qwen-3b-tpu-svc-workload",
            "qwen-3b-tpu-svc-scheduler",
            "allow-dns",
            "allow-istiod",
            "default-deny",
        ]);
    });

    it.each([
        ["gateway -> vLLM 8000", { from: gateway, to: vllm, port: 8000 }, true],
        ["gateway -> EPP 9002", { from: gateway, to: epp, port: 9002 }, true],
        ["gateway -> EPP 9003", { from: gateway, to: epp, port: 9003 }, true],
        ["EPP -> vLLM 8000", { from: epp, to: vllm, port: 8000 }, true],
        ["vLLM -> kube-dns 53/UDP", { from: vllm, to: kubeDns, port: 53, protocol: "UDP" }, true],
        ["EPP -> kube-dns 53/TCP", { from: epp, to: kubeDns, port: 53 }, true],
        ["vLLM sidecar -> istiod 15012", { from: vllm, to: istiod, port: 15012 }, true],
        ["EPP sidecar -> istiod 15012", { from: epp, to: istiod, port: 15012 }, true],
        // docs/UPSTREAM.md row "API server egress on Dataplane V2": before or after Service translation, both match.
        ["EPP -> kubernetes ClusterIP 443", { from: epp, to: apiServerClusterIp, port: 443 }, true],
        ["EPP -> control plane endpoint behind it 443", { from: epp, to: privateControlPlane, port: 443 }, true],
        ["vLLM -> internet 443 (model download)", { from: vllm, to: internet, port: 443 }, true],
    ] as const)("allow %s", (_, flow, expected) => {
        expect(allowed(build(), flow as Flow)).toBe(expected);
    });

    it.each([
        ["any pod -> vLLM 8000 (the guide's hole)", { from: anyPod, to: vllm, port: 8000 }],
        ["another pod of the gateway namespace -> vLLM 8000", { from: otherGatewayNsPod, to: vllm, port: 8000 }],
        ["gateway -> vLLM 9002", { from: gateway, to: vllm, port: 9002 }],
        ["gateway -> EPP 9090", { from: gateway, to: epp, port: 9090 }],
        ["vLLM -> EPP 9002", { from: vllm, to: epp, port: 9002 }],
        ["EPP -> another service's vLLM 8000", { from: epp, to: otherServiceVllm, port: 8000 }],
        ["prometheus -> vLLM 8000 without metricsNamespace", { from: prometheus, to: vllm, port: 8000 }],
        ["vLLM -> internet 80", { from: vllm, to: internet, port: 80 }],
        ["vLLM -> in-cluster address 443", { from: vllm, to: clusterPodIp, port: 443 }],
        ["vLLM -> control plane (private) 443", { from: vllm, to: privateControlPlane, port: 443 }],
        ["vLLM -> istiod 15017", { from: vllm, to: istiod, port: 15017 }],
        ["istiod -> vLLM 15012", { from: istiod, to: vllm, port: 15012 }],
        ["EPP -> internet 80", { from: epp, to: internet, port: 80 }],
        ["EPP -> internet 443 (only the API server's address)", { from: epp, to: internet, port: 443 }],
        ["EPP -> another private address 443", { from: epp, to: clusterPodIp, port: 443 }],
        ["EPP -> the cluster's public endpoint 443 (not what pods dial)", { from: epp, to: gkeControlPlane, port: 443 }],
        ["EPP -> control plane 80", { from: epp, to: privateControlPlane, port: 80 }],
        ["vLLM -> any pod 8000", { from: vllm, to: anyPod, port: 8000 }],
        ["vLLM -> GKE metadata server 80", { from: vllm, to: { ip: "169.254.169.254" }, port: 80 }],
    ] as const)("deny %s", (_, flow) => {
        expect(allowed(build(), flow as Flow)).toBe(false);
    });

    it("never allow all egress or ingress from any pod", () => {
        for (const p of build()) {
            for (const r of p.spec.egress ?? []) {
                expect(r.ports.length, `${p.metadata.name} egress without ports`).toBeGreaterThan(0);
                expect(r.to.length, `${p.metadata.name} egress to everything`).toBeGreaterThan(0);
            }
            for (const r of p.spec.ingress ?? []) {
                expect(r.ports.length).toBeGreaterThan(0);
                expect(r.from.length).toBeGreaterThan(0);
                for (const peer of r.from) {
                    // A peer without selectors or with an empty namespaceSelector means "every pod".
                    expect(peer.podSelector || peer.namespaceSelector || peer.ipBlock).toBeTruthy();
                    if (peer.namespaceSelector) expect(Object.keys(peer.namespaceSelector.matchLabels)).toEqual(["kubernetes.io/metadata.name"]);
                }
            }
        }
        // Only the vLLM pods' model download reaches any address: public ones, on 443.
        expect(openIpRules(build())).toEqual([
            {
                name: "qwen-3b-tpu-svc-workload",
                r: { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: NON_PUBLIC_CIDRS } }], ports: [{ protocol: "TCP", port: 443 }] },
            },
        ]);
        expect(JSON.stringify(build().filter((p) => p.metadata.name !== "qwen-3b-tpu-svc-workload"))).not.toContain("0.0.0.0/0");
    });

    it("send the EPP to the API server's addresses only", () => {
        const scheduler = build().find((p) => p.metadata.name === "qwen-3b-tpu-svc-scheduler")!;
        expect(scheduler.spec.egress).toContainEqual({
            to: [{ ipBlock: { cidr: "34.118.224.1/32" } }, { ipBlock: { cidr: "172.16.0.2/32" } }],
            ports: [{ protocol: "TCP", port: 443 }],
        });
    });
});

describe("NetworkPolicies without the API server's address (fallback)", () => {
    // Built inside each test, so a mutant of the builder is active when it runs (Stryker's per-test coverage).
    const build = () => networkPolicies(stackConfig({ networkPolicies: true }));

    it("let the EPP reach any address on 443 and nothing else on other ports", () => {
        expect(allowed(build(), { from: epp, to: gkeControlPlane, port: 443 })).toBe(true);
        expect(allowed(build(), { from: epp, to: privateControlPlane, port: 443 })).toBe(true);
        expect(allowed(build(), { from: epp, to: internet, port: 80 })).toBe(false);
        expect(allowed(build(), { from: vllm, to: privateControlPlane, port: 443 })).toBe(false);
        expect(openIpRules(build()).map((x) => x.name).sort()).toEqual(["qwen-3b-tpu-svc-scheduler", "qwen-3b-tpu-svc-workload"]);
        for (const { r } of openIpRules(build())) expect(r.ports).toEqual([{ protocol: "TCP", port: 443 }]);
    });
});

describe("apiServerPeers", () => {
    it("allows the ClusterIP and every endpoint once, on every port either reports", () => {
        expect(apiServerPeers({ clusterIP: "10.0.0.1", ports: [443] }, { addresses: ["172.16.0.2", "172.16.0.3", "172.16.0.2"], ports: [6443] })).toEqual({
            cidrs: ["10.0.0.1/32", "172.16.0.2/32", "172.16.0.3/32"],
            ports: [443, 6443],
        });
        expect(apiServerPeers({ clusterIP: "10.0.0.1", ports: [443] }, { addresses: [], ports: [443] })).toEqual({ cidrs: ["10.0.0.1/32"], ports: [443] });
        // Ports in numeric order, whatever order the cluster reports them in.
        expect(apiServerPeers({ clusterIP: "10.0.0.1", ports: [8443] }, { addresses: [], ports: [443, 10443] }).ports).toEqual([443, 8443, 10443]);
    });

    it("refuses what cannot go into an IPv4 ipBlock", () => {
        expect(() => apiServerPeers({ clusterIP: "None", ports: [443] }, { addresses: [], ports: [] })).toThrow(/IPv4 address for a NetworkPolicy ipBlock, got "None"/);
        expect(() => apiServerPeers({ clusterIP: "10.0.0.1", ports: [443] }, { addresses: ["fd00::1"], ports: [] })).toThrow(/fd00::1/);
    });
});

describe("apiServerCidr", () => {
    it("makes a /32 of the cluster endpoint", () => {
        expect(apiServerCidr("192.0.2.1")).toBe("192.0.2.1/32");
        expect(apiServerCidr("34.118.0.5")).toBe("34.118.0.5/32");
    });

    it.each(["", "https://192.0.2.1", "192.0.2.1/32", "256.0.2.1", "192.0.2", "kubernetes.example.com", "2001:db8::1"])("rejects %j", (address) => {
        expect(() => apiServerCidr(address)).toThrow(/IPv4 address/);
    });
});

describe("NetworkPolicies with options", () => {
    it("admit metrics scraping from metricsNamespace only when it is set", () => {
        const policies = networkPolicies(stackConfig({ metricsNamespace: "monitoring" }));
        expect(allowed(policies, { from: prometheus, to: vllm, port: 8000 })).toBe(true);
        expect(allowed(policies, { from: prometheus, to: epp, port: 9090 })).toBe(true);
        expect(allowed(policies, { from: prometheus, to: vllm, port: 15090 })).toBe(true);
        expect(allowed(policies, { from: prometheus, to: epp, port: 9002 })).toBe(false);
        expect(allowed(policies, { from: anyPod, to: vllm, port: 15090 })).toBe(false);
    });

    it("follow the service name, namespaces and gateway", () => {
        const policies = networkPolicies(stackConfig({ serviceName: "llama-svc", namespace: "team-a", gatewayName: "gw", gatewayNamespace: "edge" }));
        const pod = (e: Endpoint, name: string) => ({ namespace: "team-a", labels: { ...e.labels, "app.kubernetes.io/name": name } });
        const gw = { namespace: "edge", labels: { "gateway.networking.k8s.io/gateway-name": "gw" } };
        expect(allowed(policies, { from: gw, to: pod(vllm, "llama-svc"), port: 8000 })).toBe(true);
        expect(allowed(policies, { from: gateway, to: pod(vllm, "llama-svc"), port: 8000 })).toBe(false);
        expect(allowed(policies, { from: pod(epp, "llama-svc"), to: pod(vllm, "llama-svc"), port: 8000 })).toBe(true);
        expect(JSON.stringify(policies)).not.toContain("qwen-3b-tpu-svc");
        expect(JSON.stringify(policies)).not.toContain("rhaii-inference");
    });
});

describe("NetworkPolicies and Managed Prometheus' collector", () => {
    // Row: "GMP collector pods: namespace gmp-system, selector label app.kubernetes.io/name=collector, no hostNetwork".
    const collector: Endpoint = { namespace: "gmp-system", labels: { app: "managed-prometheus-collector", "app.kubernetes.io/name": "collector", "app.kubernetes.io/version": "0.17.2" } };
    const ruleEvaluator: Endpoint = { namespace: "gmp-system", labels: { "app.kubernetes.io/name": "rule-evaluator" } };
    const lookalike: Endpoint = { namespace: "monitoring", labels: { "app.kubernetes.io/name": "collector" } };

    it.each([
        ["collector -> vLLM 8000", { from: collector, to: vllm, port: 8000 }, true],
        ["collector -> EPP 9090", { from: collector, to: epp, port: 9090 }, true],
        ["collector -> vLLM 15020", { from: collector, to: vllm, port: 15020 }, false],
        ["collector -> vLLM 15090", { from: collector, to: vllm, port: 15090 }, false],
        ["collector -> EPP 9002", { from: collector, to: epp, port: 9002 }, false],
        ["collector -> EPP 8000", { from: collector, to: epp, port: 8000 }, false],
        ["collector -> vLLM 9090", { from: collector, to: vllm, port: 9090 }, false],
        ["another gmp-system pod -> vLLM 8000", { from: ruleEvaluator, to: vllm, port: 8000 }, false],
        ["a collector-labelled pod elsewhere -> EPP 9090", { from: lookalike, to: epp, port: 9090 }, false],
    ] as const)("with collection (the default): %s is %s", (_, flow, expected) => {
        expect(allowed(networkPolicies(stackConfig({ networkPolicies: true }), WITH_API_SERVER), flow as Flow)).toBe(expected);
    });

    it("admit the collector with exactly one rule per scraped port", () => {
        const policies = networkPolicies(stackConfig({ networkPolicies: true }), WITH_API_SERVER);
        const rule = {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gmp-system" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "collector" } } }],
        };
        const ingress = (name: string) => policies.find((p) => p.metadata.name === name)!.spec.ingress;
        expect(ingress("qwen-3b-tpu-svc-workload")).toContainEqual({ ...rule, ports: [{ protocol: "TCP", port: 8000 }] });
        expect(ingress("qwen-3b-tpu-svc-scheduler")).toContainEqual({ ...rule, ports: [{ protocol: "TCP", port: 9090 }] });
        expect(JSON.stringify(policies).split("gmp-system").length - 1).toBe(2);
    });

    it("without collection (monitoring = false), admit no collector", () => {
        const policies = networkPolicies(stackConfig({ networkPolicies: true, monitoring: false }), WITH_API_SERVER);
        expect(allowed(policies, { from: collector, to: vllm, port: 8000 })).toBe(false);
        expect(allowed(policies, { from: collector, to: epp, port: 9090 })).toBe(false);
        expect(JSON.stringify(policies)).not.toContain("gmp-system");
        // Everything else is unchanged.
        expect(allowed(policies, { from: gateway, to: vllm, port: 8000 })).toBe(true);
    });
});

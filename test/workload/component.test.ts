import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CapturedResource, CapturedStack, RunStackOptions, runStack } from "../helpers/stack";
import { NETWORK_POLICY } from "../helpers/types";

/** Runs workloadProgram.ts: the cluster and the InferenceService given the cluster endpoint (mock: 192.0.2.1). */
const runWorkload = (opts: RunStackOptions = {}) => runStack({ ...opts, program: join(__dirname, "workloadProgram") });

const POLICY = NETWORK_POLICY;
const policy = (s: CapturedStack, name: string) => s.one(POLICY, `inference-np-${name}`);
const egress = (r: CapturedResource) => ((r.inputs.spec as any).egress ?? []) as { to: { ipBlock?: { cidr: string } }[]; ports: unknown[] }[];

describe("the InferenceService with NetworkPolicies, reading the API server from the cluster", async () => {
    const s = await runWorkload({ config: { networkPolicies: true } });

    // docs/UPSTREAM.md row "API server egress on Dataplane V2".
    it("narrows the EPP's API-server egress to the kubernetes Service's ClusterIP and its EndpointSlice addresses", () => {
        const scheduler = policy(s, "qwen-3b-tpu-svc-scheduler");
        expect(egress(scheduler)).toContainEqual({
            to: [{ ipBlock: { cidr: "192.0.2.20/32" } }, { ipBlock: { cidr: "192.0.2.30/32" } }],
            ports: [{ protocol: "TCP", port: 443 }],
        });
        expect(scheduler.dependsOn).toEqual(expect.arrayContaining(["inference-api-server-service", "inference-api-server-endpoints"]));
        // Read, never managed: destroy leaves the API server's objects alone.
        for (const read of ["inference-api-server-service", "inference-api-server-endpoints"]) {
            expect(s.resources.find((r) => r.name === read)).toMatchObject({ read: true });
        }
    });

    it("allows every address to nothing but the vLLM pods' model download", () => {
        const open = s
            .byType(POLICY)
            .flatMap((p) => egress(p).filter((r) => r.to.some((t) => t.ipBlock?.cidr === "0.0.0.0/0")).map(() => (p.inputs.metadata as any).name));
        expect(open).toEqual(["qwen-3b-tpu-svc-workload"]);
    });
});

describe("the workload namespace orders its objects by data", async () => {
    // The cluster reports another name than the config's: only a namespace read from the Namespace resource shows it.
    const AS_CREATED = "ns-as-created";
    const s = await runWorkload({
        config: { networkPolicies: true },
        mockState: (a) => (a.name === "inference-ns" ? { metadata: { ...a.inputs.metadata, name: AS_CREATED } } : undefined),
    });
    const namespaced = s.resources.filter((r) => r.parent === "inference" && (r.inputs.metadata as any)?.namespace !== undefined);
    const inWorkloadNamespace = namespaced.filter((r) => !r.type.endsWith(":EnvoyFilter"));

    it("takes every workload-namespace object's namespace from the Namespace resource", () => {
        expect(inWorkloadNamespace.map((r) => r.name).sort()).toEqual(
            [
                "inference-health-route",
                "inference-vllm-pdb",
                "inference-hf-token",
                "inference-np-allow-dns",
                "inference-np-allow-istiod",
                "inference-np-default-deny",
                "inference-np-qwen-3b-tpu-svc-scheduler",
                "inference-np-qwen-3b-tpu-svc-workload",
                "inference-pull-secret",
                "inference-rollout",
                "inference-service",
                "inference-workload-sa",
            ].sort(),
        );
        for (const r of inWorkloadNamespace) {
            expect((r.inputs.metadata as any).namespace, r.name).toBe(AS_CREATED);
            expect(r.dependsOn, r.name).toContain("inference-ns");
        }
    });

    it("declares dependencies only where data cannot order: the deny after the allows, the service after its credentials", () => {
        // No platform and no TPU pool in this program: what remains is the namespace (data) and the cluster endpoint.
        for (const name of ["inference-pull-secret", "inference-hf-token", "inference-workload-sa", "inference-health-route", "inference-np-allow-dns"]) {
            expect(s.resources.find((r) => r.name === name)!.dependsOn, name).toEqual(["inference-ns"]);
        }
        expect(policy(s, "default-deny").dependsOn).toEqual(
            ["inference-np-allow-dns", "inference-np-allow-istiod", "inference-np-qwen-3b-tpu-svc-scheduler", "inference-np-qwen-3b-tpu-svc-workload", "inference-ns"].sort(),
        );
        expect(s.one("kubernetes:serving.kserve.io/v1alpha1:LLMInferenceService").dependsOn).toEqual(
            ["inference-hf-token", "inference-ns", "inference-pull-secret", "inference-workload-sa"].sort(),
        );
    });

    it("leaves the EnvoyFilters in the gateway namespace", () => {
        for (const f of s.byType("kubernetes:networking.istio.io/v1alpha3:EnvoyFilter")) {
            expect((f.inputs.metadata as any).namespace, f.name).toBe("opendatahub");
            expect(f.dependsOn, f.name).not.toContain("inference-ns");
        }
    });
});

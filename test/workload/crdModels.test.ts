import { describe, expect, it } from "vitest";
import { eppTlsFilter } from "../../components/workload/envoyFilters";
import { healthModelsRoute } from "../../components/workload/httpRoute";
import { llmInferenceService } from "../../components/workload/llmInferenceService";
import { customResourceModel, validateCustomResource } from "../../crds";
import { stackConfig } from "./fixtures";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const config = stackConfig();
const service = () => clone(llmInferenceService(config, { pullSecret: "p", huggingfaceToken: "h" })) as any;

function problems(obj: unknown): string[] {
    const r = validateCustomResource(obj);
    return r.valid ? [] : r.problems;
}

describe("LLMInferenceService model (EA1 CRD)", () => {
    it("accepts what the stack renders", () => {
        expect(problems(service())).toEqual([]);
    });

    it("rejects the guide's router.scheduler.image and router.scheduler.args", () => {
        const withImage = service();
        withImage.spec.router.scheduler.image = "gcr.io/ecoeng-llmd/llm-d-inference-scheduler:alpn-fix";
        expect(problems(withImage).join("\n")).toMatch(/spec\.router\.scheduler.*image/);
        const withArgs = service();
        withArgs.spec.router.scheduler.args = ["--grpc-port=9002"];
        expect(problems(withArgs).join("\n")).toMatch(/spec\.router\.scheduler.*args/);
    });

    it("rejects unknown fields at any depth", () => {
        const top = service();
        top.spec.storageUri = "hf://x";
        expect(problems(top)).not.toEqual([]);
        const container = service();
        container.spec.template.containers[0].gpus = 4;
        expect(problems(container).join("\n")).toContain("spec.template.containers.0");
        const meta = service();
        meta.metadata.annotations = { a: { nested: "object" } };
        expect(problems(meta)).not.toEqual([]);
    });

    it("requires model.uri and a namespace", () => {
        const noUri = service();
        delete noUri.spec.model.uri;
        expect(problems(noUri)).not.toEqual([]);
        const noNs = service();
        delete noNs.metadata.namespace;
        expect(problems(noNs)).not.toEqual([]);
    });

    it("accepts a namespaced LLMInferenceServiceConfig overriding only the scheduler", () => {
        const svc = service();
        const cfg = {
            apiVersion: "serving.kserve.io/v1alpha1",
            kind: "LLMInferenceServiceConfig",
            metadata: { name: "kserve-config-llm-scheduler", namespace: "rhaii-inference" },
            spec: { router: { scheduler: svc.spec.router.scheduler } },
        };
        expect(problems(cfg)).toEqual([]);
        (cfg.metadata as any).annotations = { "kubectl.kubernetes.io/last-applied-configuration": { spec: {} } };
        expect(problems(cfg)).not.toEqual([]);
    });
});

describe("EnvoyFilter and HTTPRoute models", () => {
    it("reject a match on both a cluster and a listener, and both workloadSelector and targetRefs", () => {
        const f = clone(eppTlsFilter(config)) as any;
        expect(problems(f)).toEqual([]);
        f.spec.configPatches[0].match.listener = { name: "x" };
        expect(problems(f)).not.toEqual([]);
        const g = clone(eppTlsFilter(config)) as any;
        g.spec.targetRefs = [{ kind: "Gateway", group: "gateway.networking.k8s.io", name: "inference-gateway" }];
        expect(problems(g).join("\n")).toContain("only one of targetRefs or workloadSelector");
    });

    it("reject a prefix rewrite with two matches, a relative path and an unknown rule field", () => {
        const two = clone(healthModelsRoute(config)) as any;
        expect(problems(two)).toEqual([]);
        two.spec.rules[0].matches.push({ path: { type: "PathPrefix", value: "/x" } });
        expect(problems(two).join("\n")).toContain("exactly one PathPrefix match");
        const relative = clone(healthModelsRoute(config)) as any;
        relative.spec.rules[0].matches[0].path.value = "health";
        expect(problems(relative).join("\n")).toContain("absolute path");
        const unknown = clone(healthModelsRoute(config)) as any;
        unknown.spec.rules[0].retry = { attempts: 3 };
        expect(problems(unknown)).not.toEqual([]);
    });
});

describe("registry", () => {
    it("reports kinds without a model as invalid, never as passing", () => {
        expect(validateCustomResource({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } })).toEqual({
            valid: false,
            problems: ["no model registered for example.com/v1 Widget"],
        });
        expect(validateCustomResource({ metadata: {} }).valid).toBe(false);
    });

    it("holds the workload's kinds and the platform's", () => {
        for (const [apiVersion, kind] of [
            ["serving.kserve.io/v1alpha1", "LLMInferenceService"],
            ["serving.kserve.io/v1alpha1", "LLMInferenceServiceConfig"],
            ["networking.istio.io/v1alpha3", "EnvoyFilter"],
            ["gateway.networking.k8s.io/v1", "HTTPRoute"],
            ["gateway.networking.k8s.io/v1", "Gateway"],
            ["sailoperator.io/v1", "Istio"],
            ["sailoperator.io/v1", "IstioCNI"],
            ["cert-manager.io/v1", "Certificate"],
            ["cert-manager.io/v1", "ClusterIssuer"],
        ]) {
            expect(customResourceModel(apiVersion, kind), `${apiVersion} ${kind}`).toBeDefined();
        }
        expect(customResourceModel("sailoperator.io/v1", "Istio", true)).toBeDefined();
    });
});

import { describe, expect, it } from "vitest";
import { pullSecretNamespaces, pullsFromRedHat, workloadPullsFromRedHat } from "../../components/platform/pullSecretScope";
import { stackConfig } from "../workload/fixtures";
import { runStack } from "../helpers/stack";
import { SECRET } from "../helpers/types";

describe("where the registry.redhat.io pull secret is copied", () => {
    it("nowhere on the platform with the default (upstream) sources", () => {
        expect(pullSecretNamespaces(stackConfig())).toEqual([]);
    });

    it("into a chart's namespace when its chart or its values are on registry.redhat.io", () => {
        expect(pullSecretNamespaces(stackConfig({ certManagerChartValues: JSON.stringify({ image: { repository: "registry.redhat.io/cert-manager/jetstack-cert-manager-rhel9" } }) }))).toEqual(["cert-manager"]);
        expect(pullSecretNamespaces(stackConfig({ leaderWorkerSetChart: "oci://registry.redhat.io/lws/charts/lws" }))).toEqual(["lws-system"]);
        expect(pullsFromRedHat({ repo: "", chart: "oci://registry.example.com/x", version: "1.0.0", namespace: "x", values: { image: "quay.io/registry.redhat.io" } })).toBe(false);
    });

    it("into every mesh namespace (operator, istiod, CNI, gateway) for a Red Hat mesh build", () => {
        const mesh = ["istio-system", "kube-system", "opendatahub", "sail-operator"];
        expect(pullSecretNamespaces(stackConfig({ meshFlavor: "ossm", allowUntestedVersions: true }))).toEqual(mesh);
        expect(pullSecretNamespaces(stackConfig({ sailOperatorChartValues: JSON.stringify({ image: "registry.redhat.io/openshift-service-mesh/istio-rhel9-operator:3.2.1" }) }))).toEqual(mesh);
        // An existing mesh's operator is not the stack's.
        expect(pullSecretNamespaces(stackConfig({ meshFlavor: "ossm", allowUntestedVersions: true, existingIstio: true }))).toEqual(["istio-system", "kube-system", "opendatahub"]);
    });

    it("into KServe's namespace, and the workload's, for a KServe release whose images are on the registry", () => {
        // The Red Hat EA1 build is refused by config (config/compatibility.ts), so the release is set on a parsed config.
        const config = stackConfig({ vllmImage: "docker.io/vllm/vllm-tpu:v0.11.1" });
        const redHat = { ...config, operators: { ...config.operators, sources: { ...config.operators.sources, kserve: { ...config.operators.sources.kserve, version: "3.4.0-ea.1+8a30e66" } } } };
        expect(pullSecretNamespaces(redHat)).toEqual(["opendatahub"]);
        expect(workloadPullsFromRedHat(redHat)).toBe(true);
        const unknown = { ...config, operators: { ...config.operators, sources: { ...config.operators.sources, kserve: { ...config.operators.sources.kserve, version: "9.9.9" } } } };
        expect(pullSecretNamespaces(unknown)).toEqual([]);
        expect(workloadPullsFromRedHat(unknown)).toBe(false);
    });

    it("into the workload namespace when the vLLM or EPP image is on the registry", () => {
        expect(workloadPullsFromRedHat(stackConfig())).toBe(true);
        expect(workloadPullsFromRedHat(stackConfig({ vllmImage: "docker.io/vllm/vllm-tpu:v0.11.1" }))).toBe(false);
        expect(workloadPullsFromRedHat(stackConfig({ vllmImage: "docker.io/vllm/vllm-tpu:v0.11.1", eppImage: "registry.redhat.io/rhoai/epp:v0.7.0", allowUntestedVersions: true }))).toBe(true);
    });

    it("the default stack holds exactly one copy, in the workload namespace", async () => {
        const s = await runStack();
        const copies = s.byType(SECRET).filter((r) => !r.read && (r.inputs as { type?: string }).type === "kubernetes.io/dockerconfigjson");
        expect(copies.map((r) => r.name)).toEqual(["inference-pull-secret"]);
    });
});

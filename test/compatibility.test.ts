import { describe, expect, it } from "vitest";
import { EPP_VERSIONS, INFERENCE_POOL_APIS, KSERVE_RELEASES, TESTED_VERSIONS, imageTag, inferencePoolApi, kserveRelease } from "../config/compatibility";

describe("config/compatibility.ts", () => {
    it("reads the tag of an image reference, and none from a digest or an untagged reference", () => {
        expect(imageTag("ghcr.io/llm-d/llm-d-inference-scheduler:v0.7.0")).toBe("v0.7.0");
        // A registry port is not a tag.
        expect(imageTag("localhost:5000/llm-d/epp:v0.7.1")).toBe("v0.7.1");
        expect(imageTag("localhost:5000/llm-d/epp")).toBeUndefined();
        expect(imageTag("epp:v0.7.0")).toBe("v0.7.0");
        expect(imageTag("epp")).toBeUndefined();
        expect(imageTag("ghcr.io/llm-d/epp@sha256:0123abcd")).toBeUndefined();
        expect(imageTag("ghcr.io/llm-d/epp:v0.7.0@sha256:0123abcd")).toBeUndefined();
        expect(imageTag("ghcr.io/llm-d/epp:")).toBe("");
        // A tag right after the last slash still counts (the name is empty, which the image rule refuses elsewhere).
        expect(imageTag("registry.example.com/:v0.7.0")).toBe("v0.7.0");
    });

    // docs/UPSTREAM.md row "InferencePool API per mesh build".
    it("maps each mesh build and Istio minor to the InferencePool API it routes to", () => {
        expect(inferencePoolApi("istio", 27)).toBe(INFERENCE_POOL_APIS.v1alpha2);
        expect(inferencePoolApi("istio", 28)).toBe(INFERENCE_POOL_APIS.v1);
        expect(inferencePoolApi("istio", 29)).toBe(INFERENCE_POOL_APIS.v1);
        expect(inferencePoolApi("ossm", 27)).toBe(INFERENCE_POOL_APIS.v1);
        expect(INFERENCE_POOL_APIS).toEqual({
            v1alpha2: { group: "inference.networking.x-k8s.io", version: "v1alpha2" },
            v1: { group: "inference.networking.k8s.io", version: "v1" },
        });
    });

    // docs/UPSTREAM.md rows "KServe controller ServiceAccount", "GIE CRD bundles", "EPP versions".
    it("knows each KServe release by its chart version, exactly", () => {
        expect(kserveRelease("3.4.0-ea.1-dev-8a30e66")?.title).toBe("RHOAI 3.4 EA1, dev build (public quay.io/ghcr.io images)");
        expect(kserveRelease("3.4.0-ea.1_8a30e66")?.title).toBe("RHOAI 3.4 EA1, Red Hat build (registry.redhat.io images)");
        expect(kserveRelease("3.4.0-ea.2")?.title).toBe("RHOAI 3.4 EA2");
        expect(kserveRelease("3.4.0-ea.2_1a314a2")?.title).toBe("RHOAI 3.4 EA2");
        for (const near of ["3.4.0-ea.1-dev-8a30e6", "3.4.0-ea.1-dev-8a30e66x", "x3.4.0-ea.1-dev-8a30e66", "3.4.0-ea.1", "3.4.0-ea.10-dev-8a30e66", "3.4.0-ea.2x"]) {
            expect(kserveRelease(near), near).toBeUndefined();
        }
    });

    it("ties the EA1 builds to the v1.2.0 Inference Extension CRDs and the GIE v1.4.0 EPPs; EA2 to nothing", () => {
        const [dev, redHat, ea2] = KSERVE_RELEASES;
        for (const ea1 of [dev, redHat]) {
            expect(ea1).toMatchObject({ controllerServiceAccount: "kserve-controller-manager", inferenceExtensionCrds: ["v1.2.0"], eppVersions: ["v0.7.0", "v0.7.1"] });
        }
        expect(dev.unsupported).toBeUndefined();
        expect(dev.imagesOnRedHatRegistry).toBe(false);
        expect(redHat.unsupported).toMatch(/registry\.redhat\.io.*pull secret/);
        expect(ea2).toMatchObject({ controllerServiceAccount: "llmisvc-controller-manager", inferenceExtensionCrds: [], eppVersions: [] });
        expect(ea2.unsupported).toMatch(/v1alpha2/);
        expect(EPP_VERSIONS).toEqual(["v0.7.0", "v0.7.1"]);
        expect(TESTED_VERSIONS).toEqual({
            certManagerVersion: ["v1.15.2"],
            sailOperatorVersion: ["1.27.3"],
            leaderWorkerSetVersion: ["0.7.0"],
            gatewayApiCrdsUrl: ["v1.4.0"],
        });
    });
});

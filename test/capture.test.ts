import { describe, expect, it } from "vitest";
import { captureProgram } from "../tools/render/capture";
import { kubernetesKind } from "../tools/render/render";

describe("capture harness (what render and the tests see)", () => {
    it("records types, parents, implied and explicit dependencies, and redacts secrets", async () => {
        const s = await captureProgram({
            project: "tiny",
            stack: "t",
            config: { "tiny:token": "super-secret-value" },
            secretKeys: ["tiny:token"],
            load: () => import("./fixtures/tinyProgram"),
        });
        expect(s.one("test:index:Box").custom).toBe(false);
        expect(s.one("kubernetes:core/v1:Namespace").parent).toBe("box");
        expect(s.one("kubernetes:core/v1:ConfigMap").dependsOn).toEqual(["box-ns"]);
        const secret = s.one("kubernetes:core/v1:Secret");
        expect(secret.dependsOn).toEqual(["first"]);
        // The Kubernetes SDK marks all of a Secret's data secret; the keys stay visible, the values do not.
        expect(secret.inputs.stringData).toEqual({ token: "[secret]" });
        expect(secret.secretPaths).toEqual(["stringData"]);
        expect(JSON.stringify(s.resources)).not.toContain("super-secret-value");
        expect(s.outputs.token).toBe("[secret]");
        expect(s.secretOutputs).toEqual(["token"]);
    });

    it("maps provider type tokens to apiVersion and kind", () => {
        expect(kubernetesKind("kubernetes:core/v1:Namespace")).toEqual({ apiVersion: "v1", kind: "Namespace" });
        expect(kubernetesKind("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" });
        expect(kubernetesKind("gcp:container/cluster:Cluster")).toBeUndefined();
    });
});

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { parseAllDocuments } from "yaml";
import { ROOT, readStackConfig, renderFiles, runProgram } from "../tools/render/render";
import { runStack } from "./helpers/stack";

const DEV_DIR = join(ROOT, "manifests", "dev");

describe("offline render of the dev stack", () => {
    it("matches the committed manifests/dev (regenerate with `npm run render`)", async () => {
        vi.resetModules();
        const files = renderFiles(await runProgram(readStackConfig("dev"), "dev"));
        const committed = existsSync(DEV_DIR) ? readdirSync(DEV_DIR).sort() : [];
        expect(committed, "files in manifests/dev").toEqual([...files.keys()].sort());
        for (const [name, content] of files) {
            expect(readFileSync(join(DEV_DIR, name), "utf8"), `manifests/dev/${name} is stale: run npm run render`).toBe(content);
        }
    });

    it("names a missing stack file in one line", () => {
        expect(() => readStackConfig("no-such-stack")).toThrow(/^no stack file Pulumi\.no-such-stack\.yaml in .*: pick another --stack/);
    });

    it("writes resources.json entries with type, name, parent, dependencies and inputs, secrets redacted", async () => {
        const files = renderFiles(await runStack({ config: { networkPolicies: true } }));
        const resources = JSON.parse(files.get("resources.json")!) as Array<Record<string, unknown>>;
        for (const r of resources) expect(Object.keys(r).slice(0, 5)).toEqual(["type", "name", "parent", "dependsOn", "inputs"]);
        const everything = [...files.values()].join("\n");
        expect(everything).not.toContain("hf_test_token_do_not_leak");
        expect(everything).toContain("[secret]");
    });

    it("keeps Secret manifests valid with their data redacted per key, and lists Helm releases only in resources.json", async () => {
        const files = renderFiles(await runStack());
        const docs = [...files.entries()]
            .filter(([n]) => n.endsWith(".yaml"))
            .flatMap(([, content]) => parseAllDocuments(content).map((d) => d.toJS() as Record<string, any>));
        // A ServiceAccount token Secret carries no data of the stack's: the token controller fills it in the cluster.
        const tokens = docs.filter((d) => d.kind === "Secret" && d.type === "kubernetes.io/service-account-token");
        expect(tokens.map((t) => [t.metadata.name, t.stringData, t.data])).toEqual([["qwen-3b-tpu-svc-metrics-reader-token", undefined, undefined]]);
        const secrets = docs.filter((d) => d.kind === "Secret" && !tokens.includes(d));
        expect(secrets.length).toBeGreaterThan(0);
        for (const s of secrets) {
            expect(typeof s.stringData, s.metadata.name).toBe("object");
            for (const v of Object.values(s.stringData)) expect(v).toBe("[secret]");
        }
        expect(secrets.find((s) => s.type === "kubernetes.io/dockerconfigjson")?.stringData).toEqual({ ".dockerconfigjson": "[secret]" });
        const releases = (JSON.parse(files.get("resources.json")!) as Array<{ type: string; inputs: Record<string, unknown> }>).filter(
            (r) => r.type === "kubernetes:helm.sh/v3:Release",
        );
        expect(releases.map((r) => r.inputs.chart).sort()).toEqual(["cert-manager", "oci://ghcr.io/opendatahub-io/kserve-rhaii-xks", "oci://registry.k8s.io/lws/charts/lws", "sail-operator"]);
        for (const d of docs) expect(d.apiVersion, JSON.stringify(d).slice(0, 80)).toEqual(expect.any(String));
    });

    it("renders every Kubernetes object as a plain manifest with apiVersion, kind and metadata", async () => {
        const files = renderFiles(await runStack());
        const yamlFiles = [...files.entries()].filter(([n]) => n.endsWith(".yaml"));
        expect(yamlFiles.length).toBeGreaterThan(0);
        for (const [name, content] of yamlFiles) {
            for (const doc of parseAllDocuments(content)) {
                const obj = doc.toJS() as Record<string, unknown>;
                expect(obj.apiVersion, `${name}`).toEqual(expect.any(String));
                expect(obj.kind, `${name}`).toEqual(expect.any(String));
                expect((obj.metadata as Record<string, unknown>)?.name ?? (obj.metadata as Record<string, unknown>)?.generateName, `${name} ${obj.kind}`).toBeTruthy();
            }
        }
    });
});

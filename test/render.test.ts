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

    it("writes resources.json entries with type, name, parent, dependencies and inputs, secrets redacted", async () => {
        const files = renderFiles(await runStack({ config: { networkPolicies: true } }));
        const resources = JSON.parse(files.get("resources.json")!) as Array<Record<string, unknown>>;
        for (const r of resources) expect(Object.keys(r).slice(0, 5)).toEqual(["type", "name", "parent", "dependsOn", "inputs"]);
        const everything = [...files.values()].join("\n");
        expect(everything).not.toContain("hf_test_token_do_not_leak");
        expect(everything).toContain("[secret]");
    });

    it("renders every Kubernetes object as a plain manifest with apiVersion, kind and metadata", async () => {
        const files = renderFiles(await runStack());
        const yamlFiles = [...files.entries()].filter(([n]) => n.endsWith(".yaml"));
        expect(yamlFiles.length).toBeGreaterThan(0);
        for (const [name, content] of yamlFiles) {
            for (const doc of parseAllDocuments(content)) {
                const obj = doc.toJS() as Record<string, unknown>;
                if ("helmRelease" in obj || "manifestBundle" in obj) continue;
                expect(obj.apiVersion, `${name}`).toEqual(expect.any(String));
                expect(obj.kind, `${name}`).toEqual(expect.any(String));
                expect((obj.metadata as Record<string, unknown>)?.name ?? (obj.metadata as Record<string, unknown>)?.generateName, `${name} ${obj.kind}`).toBeTruthy();
            }
        }
    });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../config/schema";
import { pulumiYaml, readmeConfigReference } from "../tools/docs/configReference";
import { ROOT, readStackConfig } from "../tools/render/render";
import { parseConfig } from "../config";

describe("config reference cannot drift", () => {
    it("Pulumi.yaml declares every config key with type, default and description (npm run docs:config)", () => {
        const committed = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8");
        expect(committed).toBe(pulumiYaml());
        const doc = parse(committed) as { name: string; config: Record<string, { type: string; description: string }> };
        expect(doc.name).toBe("tpu-inference");
        expect(Object.keys(doc.config).sort()).toEqual(CONFIG_KEYS.map((k) => k.key).sort());
        for (const [key, d] of Object.entries(doc.config)) {
            expect(d.type, key).toMatch(/^(string|integer|boolean|array)$/);
            expect(d.description, key).not.toBe("");
        }
        // The CLI requires every key without a default before the program runs: only the project is always needed.
        expect(Object.entries(doc.config).filter(([, d]) => !("default" in d)).map(([k]) => k)).toEqual(["project"]);
    });

    it("README's configuration reference is the generated one", () => {
        expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(readmeConfigReference());
    });

    it("the dev stack file is valid config", () => {
        const input = readStackConfig("dev");
        const values = Object.fromEntries(Object.entries(input.config).map(([k, v]) => [k.replace("tpu-inference:", ""), v]));
        const c = parseConfig({ values, secretKeys: new Set(input.secretKeys.map((k) => k.replace("tpu-inference:", ""))), stack: "dev" });
        expect(c.cluster.zone).toBe("europe-west4-a");
        expect(c.workload.replicas).toBe(3);
        expect(c.workload.model.uri).toBe("hf://Qwen/Qwen2.5-3B-Instruct");
    });
});

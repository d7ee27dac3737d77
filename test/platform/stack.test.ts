import { beforeAll, describe, expect, it } from "vitest";
import { inputDiff } from "../helpers/diff";
import { CapturedStack, runStack } from "../helpers/stack";
import { PLATFORM_CR_TYPES, dependencyClosure, descendants, validateCaptured } from "./harness";

// The real index.ts: the platform as the lead wires it, next to the cluster, the TPU pool and the workload.
describe("Platform in the full stack", () => {
    let s: CapturedStack;
    beforeAll(async () => {
        s = await runStack();
    });

    it("depends on the CPU pool only; nothing under it waits for the TPU pool", () => {
        expect(s.one("tpu-inference:platform:Platform").dependsOn).toEqual(["gke-cpu"]);
        const under = descendants(s, "platform");
        expect(under.length).toBeGreaterThan(30);
        for (const r of under) {
            const closure = dependencyClosure(s, r.name);
            expect(closure.has("tpu"), r.name).toBe(false);
            expect(closure.has("tpu-pool"), r.name).toBe(false);
            expect([...closure].some((d) => d.startsWith("tpu-")), r.name).toBe(false);
        }
    });

    it("exports the gateway address read from the Gateway", () => {
        expect(s.outputs.gatewayIp).toBe("192.0.2.10");
    });

    it("renders platform custom resources valid against their models", () => {
        const rendered = descendants(s, "platform").filter((r) => PLATFORM_CR_TYPES.includes(r.type));
        expect(rendered.length).toBe(10);
        for (const r of rendered) expect(validateCaptured(r), r.name).toEqual({ valid: true });
    });

    it("is unchanged by TPU settings (replicas, Spot, machine type)", async () => {
        const other = await runStack({ config: { replicas: 1, tpuSpot: true, tpuMachineType: "ct6e-standard-8t" } });
        const platformNames = new Set(descendants(s, "platform").map((r) => `${r.type} ${r.name}`));
        const diff = inputDiff(s, other);
        expect(diff.some((d) => d.startsWith("gcp:container/nodePool:NodePool tpu-pool: "))).toBe(true);
        const changed = diff.filter((d) => platformNames.has(d.replace(/^[+-] /, "").split(": ")[0]));
        expect(changed).toEqual([]);
    });
});

import { describe, expect, it } from "vitest";
import type { CacheResult } from "../../tools/verify/cache";
import type { LoadResult } from "../../tools/verify/load";
import { makeRunId } from "../../tools/verify/workload";
import { runCli, runJson, SMALL, withSim } from "./helpers";


describe("paced load with --duration", () => {
    it("does not wait for slots past the deadline and reports the rate it really achieved", async () => {
        await withSim({}, async (sim) => {
            const started = Date.now();
            const { code, report } = await runJson([
                "--url", sim.url, "--only", "load", "--serial-requests", "0", "--duration", "2s", "--rate", "0.5", "--concurrency", "4", "--max-tokens", "2",
                "--min-rps", "1",
            ]);
            const wallMs = Date.now() - started;
            const load = report.phases.load as LoadResult;
            // Slots at 0 s and 2 s: only the first lies inside a 2 s phase.
            expect(load.concurrent?.requests).toBe(1);
            expect(load.concurrent?.rps).toBeLessThanOrEqual(0.6);
            expect(load.concurrent?.elapsedMs).toBeGreaterThanOrEqual(1900);
            expect(wallMs).toBeLessThan(3000);
            // An honest 0.5 req/s misses --min-rps 1; the inflated figure used to pass it.
            expect(code).toBe(1);
            expect(report.failures).toContainEqual(expect.stringMatching(/^threshold: throughput 0\.5\d* req\/s misses >= 1 req\/s/));
            expect(report.warnings.join("\n")).not.toMatch(/achieved/);
        });
    }, 15_000);

    it("counts a paced request-count phase over its schedule, not just up to the last reply", async () => {
        await withSim({}, async (sim) => {
            const { code, report } = await runJson([
                "--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "5", "--rate", "20", "--concurrency", "4", "--max-tokens", "2",
            ]);
            expect(code).toBe(0);
            const phase = (report.phases.load as LoadResult).concurrent;
            // 5 slots of 50 ms each: 250 ms, so at most the target rate.
            expect(phase?.elapsedMs).toBeGreaterThanOrEqual(249);
            expect(phase?.rps).toBeLessThanOrEqual(20.01);
            expect(phase?.succeeded).toBe(5);
        });
    });

    it("still warns when concurrency cannot reach the target rate", async () => {
        await withSim({ baseLatencyMs: 50 }, async (sim) => {
            const { report } = await runJson([
                "--url", sim.url, "--only", "load", "--serial-requests", "0", "--duration", "500ms", "--rate", "100", "--concurrency", "1", "--max-tokens", "1",
            ]);
            const phase = (report.phases.load as LoadResult).concurrent;
            expect(phase?.rps).toBeLessThan(25);
            expect(report.warnings.join("\n")).toMatch(/load concurrent: achieved \d+\.\d req\/s of the 100 req\/s target/);
        });
    });
});

describe("cached-token ratio means the same from usage and from /metrics", () => {
    const args = (url: string) => ["--url", url, "--only", "cache", "--cache-groups", "4", "--cache-requests", "4", "--seed", "5"];

    it("compares only the non-first requests in both sources", async () => {
        const fromUsage = await withSim({ replicas: 3, routing: "prefix" }, async (sim) => (await runJson(args(sim.url))).report.phases.cache as CacheResult);
        const fromMetrics = await withSim({ replicas: 3, routing: "prefix", reportCachedTokens: false }, async (sim) => {
            const { code, report } = await runJson(args(sim.url));
            expect(code).toBe(0);
            return report.phases.cache as CacheResult;
        });
        expect(fromUsage.cachedRatioSource).toBe("usage");
        expect(fromMetrics.cachedRatioSource).toBe("metrics");
        expect(fromUsage.cachedRatio).toBeGreaterThan(0.9);
        expect(fromMetrics.cachedRatio).toBeCloseTo(fromUsage.cachedRatio ?? -1, 2);
        // The /metrics delta shown next to a usage ratio covers the same requests too.
        expect(fromUsage.metrics?.ratio).toBeCloseTo(fromUsage.cachedRatio ?? -1, 2);
        // The cold first requests are measured on their own, from either source.
        expect(fromUsage.firstCachedRatio).toBe(0);
        expect(fromMetrics.firstCachedRatio).toBe(0);
    });

    it("the text report names what the /metrics figure covers", async () => {
        await withSim({ reportCachedTokens: false }, async (sim) => {
            const { out } = await runCli(["--url", sim.url, "--only", "cache", ...SMALL]);
            expect(out).toMatch(/Cached-token ratio: \d+\.\d% \(\/metrics vllm:prefix_cache_hits \/ queries over the non-first requests\)/);
        });
    });
});

describe("run id", () => {
    it("is fresh per run even with a fixed --seed, so first requests stay cold on a rerun", async () => {
        await withSim({}, async (sim) => {
            const runs = [];
            for (let i = 0; i < 2; i++) runs.push(await runJson(["--url", sim.url, "--only", "cache", ...SMALL]));
            expect(runs[0].report.runId).not.toBe(runs[1].report.runId);
            for (const { code, report } of runs) {
                expect(code).toBe(0);
                const cache = report.phases.cache as CacheResult;
                expect(cache.firstCachedRatio).toBe(0);
                for (const g of cache.groups) expect(g.firstCachedTokens).toBe(0);
                expect(report.warnings.join("\n")).not.toMatch(/not new to the server/);
            }
        });
    });

    it("has a fixed length whatever the random draw", () => {
        const ids = new Set(Array.from({ length: 200 }, () => makeRunId()));
        expect(ids.size).toBeGreaterThan(195);
        for (const id of ids) expect(id).toMatch(/^[0-9a-z]{7}$/);
    });
});

describe("--expect-model without the health phase", () => {
    it.each([[["--skip", "health"]], [["--only", "cache"]], [["--only", "load"]]])("%j still checks /v1/models", async (selection) => {
        await withSim({ model: "other-model" }, async (sim) => {
            const { code, report } = await runJson(["--url", sim.url, ...selection, ...SMALL, "--expect-model", "/mnt/models"]);
            expect(code).toBe(1);
            expect(report.failures).toContain("GET /v1/models: model mismatch: served model id is other-model, expected /mnt/models");
        });
    });

    it("passes when the served id matches", async () => {
        await withSim({ model: "other-model" }, async (sim) => {
            const { code, report } = await runJson(["--url", sim.url, "--only", "load", ...SMALL, "--expect-model", "other-model"]);
            expect(code).toBe(0);
            expect(report.model).toBe("other-model");
        });
    });

    it("fails when /v1/models cannot be read to check it", async () => {
        await withSim({}, async (sim) => {
            const { code, report } = await runJson(["--url", `${sim.url}/nowhere`, "--only", "load", ...SMALL, "--model", "/mnt/models", "--expect-model", "/mnt/models"]);
            expect(code).toBe(1);
            expect(report.failures).toContainEqual(expect.stringMatching(/^GET \/v1\/models: --expect-model \/mnt\/models could not be checked: HTTP 404/));
        });
    });
});

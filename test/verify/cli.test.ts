import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CacheResult } from "../../tools/verify/cache";
import type { HealthResult } from "../../tools/verify/health";
import type { LoadResult } from "../../tools/verify/load";
import { startSimulator, type SimulatorHandle } from "../../tools/simulator/server";
import { runCli, runJson, SMALL } from "./helpers";

describe("verify against a healthy simulator (3 replicas, prefix-aware routing)", () => {
    let sim: SimulatorHandle;
    beforeAll(async () => {
        sim = await startSimulator({ replicas: 3, routing: "prefix", basePath: "/llm/qwen" });
    });
    afterAll(() => sim.close());

    it("passes every phase and proves cache hits from the server's own counts", async () => {
        const { code, report, err } = await runJson(["--url", sim.url, ...SMALL, "--expect-model", "/mnt/models", "--min-cached-ratio", "0.8"]);
        expect(err).toBe("");
        expect(code).toBe(0);
        expect(report.ok).toBe(true);
        expect(report.model).toBe("/mnt/models");
        const health = report.phases.health as HealthResult;
        expect(health.checks.map((c) => c.status)).toEqual(["pass", "pass", "pass", "pass"]);
        expect(health.maxModelLen).toBe(2048);

        const cache = report.phases.cache as CacheResult;
        expect(cache.status).toBe("pass");
        expect(cache.cachedRatioSource).toBe("usage");
        expect(cache.blockSize).toBe(128);
        expect(cache.blockSizeSource).toBe("server");
        // A ~1024-token prefix is 8 full blocks; only the distinct suffix and partial block stay uncached.
        expect(cache.cachedRatio).toBeGreaterThan(0.85);
        expect(cache.firstCachedRatio).toBe(0);
        for (const g of cache.groups) expect(g.laterCachedTokens).toBeGreaterThanOrEqual(2 * 1024 - 2 * 128);
        expect(cache.metrics?.hits).toBeGreaterThan(0);

        const load = report.phases.load as LoadResult;
        expect(load.status).toBe("pass");
        expect(load.serial?.succeeded).toBe(2);
        expect(load.concurrent?.succeeded).toBe(8);
        expect(load.concurrent?.outputTokens).toBe(8 * 8);
        expect(load.concurrent?.latency?.count).toBe(8);
        expect(load.concurrent?.ttft?.p50).toBeGreaterThan(0);
        expect(load.server?.requests).toBe(10);
        expect(report.thresholds).toEqual([expect.objectContaining({ name: "cached-token ratio", pass: true })]);
    });

    it("prints readable tables and a PASS verdict", async () => {
        const { code, out } = await runCli(["--url", `${sim.url}/`, ...SMALL]);
        expect(code).toBe(0);
        expect(out).toContain("POST /v1/chat/completions");
        expect(out).toMatch(/Cached-token ratio: \d+\.\d% \(usage\.prompt_tokens_details\.cached_tokens/);
        expect(out).toMatch(/concurrent │ 4 /);
        expect(out).toMatch(/PASS: all checks passed/);
    });

    it("shows the old guide's mistake: a 7-token prompt never hits the cache", async () => {
        const { code, out } = await runCli(["--url", sim.url, "--only", "cache", "--prefix-tokens", "7", "--suffix-tokens", "1", "--seed", "3"]);
        expect(code).toBe(1);
        // No request hit, so no response carried cached_tokens (vLLM omits a zero count): /metrics proves the misses.
        expect(out).toContain("no prefix-cache hits: vllm:prefix_cache_hits did not grow over");
        expect(out).toContain("shorter than one prefix-cache block (128 tokens)");
        expect(out).toContain("cached_tokens not reported by server on any request (vLLM sends them only with --enable-prompt-tokens-details, which the stack sets, and only for a request that hit the cache)");
    });

    it("fails a latency threshold it cannot meet", async () => {
        const { code, out } = await runCli(["--url", sim.url, "--only", "load", ...SMALL, "--max-p50-ms", "0.001", "--max-error-rate", "0"]);
        expect(code).toBe(1);
        expect(out).toMatch(/threshold: latency p50 .* misses <= 0\.001 ms/);
        expect(out).not.toMatch(/threshold: error rate/);
    });

    it("paces the concurrent phase with --rate and can load the chat endpoint", async () => {
        const { code, report } = await runJson([
            "--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "10", "--concurrency", "4", "--rate", "50", "--api", "chat", "--max-tokens", "4",
        ]);
        expect(code).toBe(0);
        const load = report.phases.load as LoadResult;
        expect(load.serial).toBeNull();
        expect(load.concurrent?.targetRate).toBe(50);
        expect(load.concurrent?.outputTokens).toBe(40);
        // Request 9 of a 50 req/s schedule may not start before 180 ms.
        expect(load.concurrent?.elapsedMs).toBeGreaterThanOrEqual(175);
        expect(load.concurrent?.rps).toBeLessThan(60);
    });

    it("stops the concurrent phase at --duration", async () => {
        const { code, report } = await runJson(["--url", sim.url, "--only", "load", "--serial-requests", "0", "--duration", "300ms", "--concurrency", "2", "--max-tokens", "2"]);
        expect(code).toBe(0);
        const load = report.phases.load as LoadResult;
        expect(load.concurrent?.requests).toBeGreaterThan(10);
        expect(load.concurrent?.elapsedMs).toBeGreaterThanOrEqual(300);
        expect(load.concurrent?.elapsedMs).toBeLessThan(1000);
    });

    it("reads the URL from the Pulumi stack when --url is absent", async () => {
        let asked = "";
        const { code, out } = await runCli(["--stack", "prod", "--only", "health"], (stack) => {
            asked = stack;
            return Promise.resolve(sim.url);
        });
        expect(code).toBe(0);
        expect(out).toContain(`Verify ${sim.url}`);
        expect(asked).toBe("prod");
    });
});

describe("prefix-aware vs round-robin routing", () => {
    it("round-robin over 3 replicas proves far fewer hits than prefix routing", async () => {
        const ratios: Record<string, number> = {};
        for (const routing of ["prefix", "round-robin"] as const) {
            const sim = await startSimulator({ replicas: 3, routing });
            try {
                const { report } = await runJson(["--url", sim.url, "--only", "cache", "--cache-groups", "4", "--cache-requests", "4", "--seed", "11"]);
                ratios[routing] = (report.phases.cache as CacheResult).cachedRatio ?? -1;
            } finally {
                await sim.close();
            }
        }
        expect(ratios.prefix).toBeGreaterThan(0.9);
        expect(ratios["round-robin"]).toBeGreaterThan(0);
        expect(ratios["round-robin"]).toBeLessThan(0.5);
        // The verdict on affinity itself is pinned in affinity.test.ts.
    });
});

describe("usage errors exit with 2", () => {
    it("explains that --url is needed when the stack output cannot be read", async () => {
        const { code, err, out } = await runCli(["--stack", "nope"]);
        expect(code).toBe(2);
        expect(out).toBe("");
        expect(err).toContain('Pulumi stack output baseUrl of stack "nope" could not be read (no Pulumi stack in tests)');
        expect(err).toContain("pass --url");
    });

    it.each([
        [["--url", "http://127.0.0.1:9", "--skip", "load", "--only", "cache"], /cannot be combined/],
        [["--url", "http://127.0.0.1:9", "--concurrency", "zero"], /expected an integer/],
        [["--url", "http://127.0.0.1:9", "--timeout", "soon"], /expected a duration/],
        [["--url", "http://127.0.0.1:9", "--only", "cache,nap"], /comma-separated list/],
        [["--url", "http://127.0.0.1:9", "--skip", "health,cache,load"], /no phase left/],
        [["--url", "127.0.0.1:9/x"], /invalid --url/],
        [["--url", "http://127.0.0.1:9", "--min-cached-ratio", "2"], /from 0 to 1/],
        [["--bogus"], /unknown option/],
    ])("%j", async (args, message) => {
        const { code, err } = await runCli(args);
        expect(code).toBe(2);
        expect(err).toMatch(message);
    });

    it("prints help with exit code 0", async () => {
        const { code, out } = await runCli(["--help"]);
        expect(code).toBe(0);
        expect(out).toContain("--min-cached-ratio");
    });
});

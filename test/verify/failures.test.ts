import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import type { CacheResult } from "../../tools/verify/cache";
import type { HealthResult } from "../../tools/verify/health";
import type { LoadResult } from "../../tools/verify/load";
import { runCli, runJson, SMALL, withSim } from "./helpers";


/** A port that was just free: nothing listens there, so connecting is refused. */
async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

describe("failure modes", () => {
    it("server down with health skipped: the real cause, not only 'no model id'", async () => {
        const port = await closedPort();
        const { code, report } = await runJson(["--url", `http://127.0.0.1:${port}`, "--only", "load"]);
        expect(code).toBe(1);
        expect(report.failures).toEqual([
            `cache and load phases skipped: no model id (GET /v1/models failed: connection refused (connect ECONNREFUSED 127.0.0.1:${port})); pass --model`,
        ]);
    });

    it("server down: connection refused, later phases skipped, exit 1", async () => {
        const port = await closedPort();
        const started = Date.now();
        const { code, report } = await runJson(["--url", `http://127.0.0.1:${port}/ns/svc`, ...SMALL]);
        expect(code).toBe(1);
        const health = report.phases.health as HealthResult;
        expect(health.reachable).toBe(false);
        expect(health.checks[0].detail).toMatch(/^connection refused/);
        const reason = `server unreachable (connection refused (connect ECONNREFUSED 127.0.0.1:${port}))`;
        expect(report.phases.cache).toEqual({ status: "skip", reason });
        expect(report.phases.load).toEqual({ status: "skip", reason });
        expect(report.failures).toContain(`cache and load phases skipped: ${reason}`);
        expect(Date.now() - started).toBeLessThan(5000);
    });

    it("500s: the completion checks fail with the status and the server's message", async () => {
        await withSim({ errorRate: 1, errorStatus: 503 }, async (sim) => {
            const { code, out } = await runCli(["--url", sim.url, ...SMALL]);
            expect(code).toBe(1);
            expect(out).toContain("POST /v1/completions: HTTP 503: injected failure");
            expect(out).toContain("cache and load phases skipped: no completion request succeeded");
        });
    });

    it("some 500s under load: counted by kind, tolerated only up to --max-error-rate", async () => {
        await withSim({ errorRate: 0.3, seed: 3 }, async (sim) => {
            const args = ["--url", sim.url, "--only", "load", ...SMALL, "--requests", "20"];
            const strict = await runJson(args);
            expect(strict.code).toBe(1);
            const load = strict.report.phases.load as LoadResult;
            const failed = (load.serial?.failed ?? 0) + (load.concurrent?.failed ?? 0);
            expect(failed).toBeGreaterThan(0);
            expect((load.serial?.errors.http_5xx ?? 0) + (load.concurrent?.errors.http_5xx ?? 0)).toBe(failed);
            expect(strict.report.failures.join("\n")).toMatch(/requests failed \(http_5xx \d+\)/);

            const tolerant = await runJson([...args, "--max-error-rate", "0.95"]);
            expect(tolerant.code).toBe(0);
            expect(tolerant.report.thresholds[0]).toMatchObject({ name: "error rate", pass: true });
        });
    });

    it("health probes honour --max-error-rate: a transient 503 is retried instead of failing the run", async () => {
        // Seed 8 with a 0.3 error rate fails the first inference request and passes the retry (reproducible).
        await withSim({ errorRate: 0.3, errorStatus: 503, seed: 8 }, async (sim) => {
            const strict = await runJson(["--url", sim.url, "--only", "health"]);
            expect(strict.code).toBe(1);
            const strictChecks = (strict.report.phases.health as HealthResult).checks;
            expect(strictChecks[2]).toMatchObject({ name: "POST /v1/completions", status: "fail", httpStatus: 503 });
        });
        await withSim({ errorRate: 0.3, errorStatus: 503, seed: 8 }, async (sim) => {
            const tolerant = await runJson(["--url", sim.url, "--skip", "cache", ...SMALL, "--max-error-rate", "0.5"]);
            expect(tolerant.report.failures).toEqual([]);
            expect(tolerant.code).toBe(0);
            const checks = (tolerant.report.phases.health as HealthResult).checks;
            expect(checks[2].status).toBe("pass");
            expect(checks[2].detail).toMatch(/, after 2 attempts$/);
        });
    });

    it("health retries stop at a 4xx, which would not change", async () => {
        await withSim({ errorRate: 1, errorStatus: 429 }, async (sim) => {
            const { report } = await runJson(["--url", sim.url, "--only", "health", "--max-error-rate", "0.5"]);
            const checks = (report.phases.health as HealthResult).checks;
            expect(checks[2]).toMatchObject({ status: "fail", httpStatus: 429 });
            expect(checks[2].detail).not.toContain("attempts");
        });
        await withSim({ errorRate: 1, errorStatus: 503 }, async (sim) => {
            const { report } = await runJson(["--url", sim.url, "--only", "health", "--max-error-rate", "0.5"]);
            const checks = (report.phases.health as HealthResult).checks;
            expect(checks[2].detail).toBe("HTTP 503: injected failure (simulator --error-rate), after 3 attempts");
        });
    });

    it("wrong model id: --expect-model and --model mismatches fail", async () => {
        await withSim({ model: "other-model" }, async (sim) => {
            const expect1 = await runCli(["--url", sim.url, "--only", "health", "--expect-model", "/mnt/models"]);
            expect(expect1.code).toBe(1);
            expect(expect1.out).toContain("model mismatch: served model id is other-model, expected /mnt/models");

            const forced = await runCli(["--url", sim.url, "--only", "health", "--model", "/mnt/models"]);
            expect(forced.code).toBe(1);
            expect(forced.out).toContain("--model /mnt/models is not served (served: other-model)");

            const detected = await runCli(["--url", sim.url, "--only", "health"]);
            expect(detected.code).toBe(0);
            expect(detected.out).toContain("model other-model");
        });
    });

    it("no cache hits: a server without prefix caching is caught", async () => {
        await withSim({ capacityBlocks: 0 }, async (sim) => {
            const { code, report } = await runJson(["--url", sim.url, "--only", "cache", ...SMALL]);
            expect(code).toBe(1);
            const cache = report.phases.cache as CacheResult;
            expect(cache.cachedRatio).toBe(0);
            expect(cache.message).toMatch(/^no prefix-cache hits/);
        });
    });

    it("cached_tokens not reported: falls back to /metrics counters", async () => {
        await withSim({ reportCachedTokens: false }, async (sim) => {
            const { code, report } = await runJson(["--url", sim.url, "--only", "cache", ...SMALL]);
            expect(code).toBe(0);
            const cache = report.phases.cache as CacheResult;
            expect(cache.cachedRatioSource).toBe("metrics");
            expect(cache.metrics?.hits).toBeGreaterThan(0);
            expect(report.warnings.join("\n")).toContain("cached_tokens not reported by server");
        });
    });

    it("cached_tokens not reported and no /metrics: says so, and a ratio threshold fails", async () => {
        await withSim({ reportCachedTokens: false, metrics: false }, async (sim) => {
            const plain = await runCli(["--url", sim.url, "--only", "cache", ...SMALL]);
            expect(plain.code).toBe(0);
            expect(plain.out).toContain("Cached-token ratio: - (not reported by server)");
            expect(plain.out).toMatch(/WARN: cached tokens not reported by server/);

            const strict = await runCli(["--url", sim.url, "--only", "cache", ...SMALL, "--min-cached-ratio", "0.5"]);
            expect(strict.code).toBe(1);
            expect(strict.out).toContain("threshold: cached-token ratio: not measured");
        });
    });

    it("malformed JSON: reported as malformed, in the health checks and in streams", async () => {
        await withSim({ malformed: true }, async (sim) => {
            const health = await runCli(["--url", sim.url, "--only", "health"]);
            expect(health.code).toBe(1);
            expect(health.out).toContain("POST /v1/completions: malformed response: body is not valid JSON");

            const { code, report } = await runJson(["--url", sim.url, "--skip", "health", ...SMALL]);
            expect(code).toBe(1);
            expect((report.phases.cache as CacheResult).errors.malformed).toBe(6);
            const load = report.phases.load as LoadResult;
            expect(load.concurrent?.errors.malformed).toBe(8);
            expect(load.concurrent?.errorSamples[0]).toMatch(/malformed response: body is not valid JSON/);
        });
    });

    it("slow responses past --timeout: timeout errors, bounded in time", async () => {
        await withSim({ slowMs: 5000 }, async (sim) => {
            const started = Date.now();
            const { code, out } = await runCli(["--url", sim.url, "--only", "health", "--timeout", "250ms"]);
            expect(code).toBe(1);
            expect(out).toContain("POST /v1/completions: timed out after 250 ms");
            expect(out).toContain("POST /v1/chat/completions: timed out after 250 ms");
            expect(out).toMatch(/GET \/health +│ PASS/);
            expect(Date.now() - started).toBeLessThan(3000);
        });
    });

    it("slow responses in the load phase: the phase gives up instead of running to the end", async () => {
        await withSim({ slowMs: 5000 }, async (sim) => {
            const started = Date.now();
            const { code, report } = await runJson(["--url", sim.url, "--only", "load", "--timeout", "100ms", "--serial-requests", "0", "--concurrency", "2", "--requests", "1000"]);
            expect(code).toBe(1);
            const load = report.phases.load as LoadResult;
            expect(load.concurrent?.errors.timeout).toBeGreaterThanOrEqual(10);
            expect(load.concurrent?.requests).toBeLessThan(20);
            expect(load.concurrent?.abortedReason).toMatch(/consecutive transport failures/);
            expect(Date.now() - started).toBeLessThan(4000);
        });
    });
});

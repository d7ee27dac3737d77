import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifyClient } from "../../tools/verify/http";
import { parsePrometheus, prefixCacheCounters } from "../../tools/verify/prom";
import { buildCacheWorkload } from "../../tools/verify/workload";
import { prefillDelayMs, startSimulator, type SimulatorHandle } from "../../tools/simulator/server";
import { resolveOptions } from "../../tools/simulator/options";

describe("simulator HTTP surface", () => {
    let sim: SimulatorHandle;
    let client: VerifyClient;
    beforeAll(async () => {
        sim = await startSimulator({ basePath: "ns/svc/", maxModelLen: 512 });
        client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 2000 });
    });
    afterAll(async () => {
        await client.close();
        await sim.close();
    });

    it("listens on 127.0.0.1 below the base path and nowhere else", async () => {
        expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ns\/svc$/);
        expect((await client.getText("/health")).ok).toBe(true);
        const outside = new VerifyClient({ baseUrl: `http://127.0.0.1:${sim.port}`, timeoutMs: 2000 });
        const res = await outside.getText("/health");
        await outside.close();
        expect(res.ok ? 200 : res.status).toBe(404);
    });

    it("lists the served model with max_model_len, and derives the block size from it", async () => {
        const res = await client.getJson("/v1/models");
        expect(res.ok && res.value).toMatchObject({ object: "list", data: [{ id: "/mnt/models", max_model_len: 512 }] });
        expect(sim.options.blockSize).toBe(32);
    });

    it("streams chat chunks, a usage chunk and [DONE]", async () => {
        const res = await client.postStream("/v1/chat/completions", {
            model: "/mnt/models",
            messages: [{ role: "user", content: "hi" }],
            max_tokens: 5,
            stream: true,
            stream_options: { include_usage: true },
        });
        expect(res.ok).toBe(true);
        if (!res.ok) return;
        expect(res.value.contentChunks).toBe(5);
        expect(res.value.usage).toMatchObject({ completionTokens: 5, cachedTokens: null });
        expect(res.value.ttftMs).not.toBeNull();
    });

    it("omits usage from streams unless include_usage is asked for", async () => {
        const res = await client.postStream("/v1/completions", { model: "/mnt/models", prompt: "a b c", max_tokens: 2, stream: true });
        expect(res.ok && res.value.usage).toBeNull();
    });

    it("rejects an unknown model with 404 and an over-long prompt with 400, like vLLM", async () => {
        const wrong = await client.postJson("/v1/completions", { model: "gpt-4", prompt: "x" });
        expect(wrong).toMatchObject({ ok: false, status: 404, kind: "http_4xx" });
        expect(!wrong.ok && wrong.message).toContain("The model `gpt-4` does not exist.");
        const long = await client.postJson("/v1/completions", { model: "/mnt/models", prompt: "w ".repeat(600), max_tokens: 4 });
        expect(long).toMatchObject({ ok: false, status: 400 });
        expect(!long.ok && long.message).toContain("maximum context length is 512 tokens");
    });

    it("reports cached tokens on a repeated long prefix, and counts them in /metrics", async () => {
        const prompt = `${"shared ".repeat(100)} end`;
        const first = await client.postJson("/v1/completions", { model: "/mnt/models", prompt, max_tokens: 1 });
        const second = await client.postJson("/v1/completions", { model: "/mnt/models", prompt: `${prompt} more`, max_tokens: 1 });
        // docs/UPSTREAM.md row "vLLM usage: cached tokens only when non-zero": null in a plain response.
        expect(first.ok && first.value).toMatchObject({ usage: { prompt_tokens: 101, prompt_tokens_details: null } });
        expect(second.ok && second.value).toMatchObject({ usage: { prompt_tokens: 102, prompt_tokens_details: { cached_tokens: 96 } } });
        const metrics = await client.getText("/metrics");
        expect(metrics.ok).toBe(true);
        if (!metrics.ok) return;
        expect(metrics.value).toContain("vllm:prefix_cache_hits_total{");
        expect(prefixCacheCounters(parsePrometheus(metrics.value))?.hits).toBeGreaterThanOrEqual(96);
    });
});

describe("simulator latency model and routing", () => {
    it("charges prefill only for uncached tokens", async () => {
        expect(prefillDelayMs({ baseLatencyMs: 5, prefillMsPerToken: 0.2 }, 601, 512)).toBeCloseTo(5 + 0.2 * 89, 10);
        expect(prefillDelayMs({ baseLatencyMs: 0, prefillMsPerToken: 0.2 }, 601, 0)).toBeCloseTo(120.2, 10);
        const sim = await startSimulator({ prefillMsPerToken: 0.01 });
        const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 5000 });
        try {
            const prompt = "token ".repeat(600);
            const body = (suffix: string) => ({ model: "/mnt/models", prompt: prompt + suffix, max_tokens: 1, stream: true, stream_options: { include_usage: true } });
            const cold = await client.postStream("/v1/completions", body("a"));
            const warm = await client.postStream("/v1/completions", body("b"));
            // 601 tokens: the warm request finds 4 full 128-token blocks and prefills only the other 89.
            expect(cold.ok && cold.value.usage).toEqual({ promptTokens: 601, completionTokens: 1, cachedTokens: null });
            expect(warm.ok && warm.value.usage).toEqual({ promptTokens: 601, completionTokens: 1, cachedTokens: 512 });
        } finally {
            await client.close();
            await sim.close();
        }
    });

    it("prefix routing keeps each prefix group on one replica; round-robin spreads it", async () => {
        const workload = buildCacheWorkload({ groups: 4, requestsPerGroup: 3, prefixTokens: 400, suffixTokens: 5, seed: 1, runId: "t" });
        const hitsBy: Record<string, number[]> = {};
        for (const routing of ["prefix", "round-robin"] as const) {
            const sim = await startSimulator({ replicas: 3, routing });
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 2000 });
            try {
                for (const r of workload) await client.postJson("/v1/completions", { model: "/mnt/models", prompt: r.prompt, max_tokens: 1 });
                hitsBy[routing] = sim.replicaStats().map((s) => s.cachedTokens);
                expect(sim.replicaStats().reduce((a, s) => a + s.requests, 0)).toBe(12);
            } finally {
                await client.close();
                await sim.close();
            }
        }
        const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        // Prefix routing: 2 repeats x 4 groups x 3 full blocks (384 tokens).
        expect(total(hitsBy.prefix)).toBe(8 * 384);
        // Round-robin: 4 interleaved groups over 3 replicas send each repeat to a replica that never saw it.
        expect(total(hitsBy["round-robin"])).toBe(0);
    });

    it("validates its options", () => {
        expect(() => resolveOptions({ errorRate: 2 })).toThrow(/errorRate/);
        expect(() => resolveOptions({ replicas: 0 })).toThrow(/replicas/);
        expect(resolveOptions({ basePath: "a/b/" }).basePath).toBe("/a/b");
    });
});

import { describe, expect, it } from "vitest";
import { Histogram, TTFT_BUCKETS } from "../../tools/simulator/histogram";
import { Replica } from "../../tools/simulator/replica";
import { generate, parsePrompts, parseRequest, parseStop, RequestError } from "../../tools/simulator/request";
import { eppScore, Router } from "../../tools/simulator/router";
import { resolveOptions } from "../../tools/simulator/options";
import { tokenize } from "../../tools/simulator/tokenizer";
import { VerifyClient } from "../../tools/verify/http";
import { parseSeries } from "../../tools/verify/prom";
import { withSim } from "./helpers";

const WORDS = [" The", " prefix", " cache", " keeps", " shared", " blocks", " warm", " across", " requests", "."];

describe("requests the official OpenAI client sends", () => {
    it("takes text, token ids and batches of either as the completion prompt", () => {
        expect(parsePrompts("a b")).toEqual([tokenize("a b")]);
        expect(parsePrompts([5, 6, 7])).toEqual([[5, 6, 7]]);
        expect(parsePrompts(["a", "b c"])).toEqual([tokenize("a"), tokenize("b c")]);
        expect(parsePrompts([[1], [2, 3]])).toEqual([[1], [2, 3]]);
        for (const bad of [[], [1.5], [-1], ["a", [1]], 7, null, Array.from({ length: 65 }, () => "a")]) {
            expect(() => parsePrompts(bad)).toThrow("prompt must be a string, a list of token ids, or a list of up to 64 of either");
        }
    });

    it("stops at a stop string without returning it, as vLLM does", () => {
        expect(generate(WORDS, 5, [])).toEqual({ pieces: [" The", " prefix", " cache", " keeps", " shared"], finishReason: "length", stopReason: null });
        expect(generate(WORDS, 16, [" cache"])).toEqual({ pieces: [" The", " prefix"], finishReason: "stop", stopReason: " cache" });
        expect(generate(WORDS, 16, [" The"])).toEqual({ pieces: [], finishReason: "stop", stopReason: " The" });
        // A stop string spanning two pieces cuts inside the second.
        expect(generate(WORDS, 16, ["fix ca"])).toEqual({ pieces: [" The", " pre"], finishReason: "stop", stopReason: "fix ca" });
        // The earliest of several wins.
        expect(generate(WORDS, 16, [" warm", "keeps"])).toEqual({ pieces: [" The", " prefix", " cache", " "], finishReason: "stop", stopReason: "keeps" });
        expect(generate(WORDS, 2, [" cache"])).toEqual({ pieces: [" The", " prefix"], finishReason: "length", stopReason: null });
        expect(parseStop("x")).toEqual(["x"]);
        expect(parseStop(null)).toEqual([]);
        expect(() => parseStop(["a", "b", "c", "d", "e"])).toThrow("stop must be a non-empty string or a list of up to 4 of them");
        expect(() => parseStop("")).toThrow(RequestError);
    });

    it("answers what it cannot take with vLLM's 400 and 404", () => {
        const parse = (body: unknown) => () => parseRequest("completions", body, "m", 100);
        expect(parse({ model: "m", prompt: "a", n: 0 })).toThrow("n must be an integer from 1 to 16");
        expect(parse({ model: "m", prompt: "a", max_tokens: 0 })).toThrow("max_tokens must be an integer from 1 to");
        expect(parse({ model: "other", prompt: "a" })).toThrow("The model `other` does not exist.");
        expect(parse([])).toThrow("request body must be a JSON object");
        expect(parse({ prompt: [[1], Array.from({ length: 99 }, () => 1)], max_tokens: 2 })).toThrow(
            "This model's maximum context length is 100 tokens. However, you requested 101 tokens (99 in the messages, 2 in the completion).",
        );
        const ok = parseRequest("completions", { prompt: [[1, 2]], n: 3, stop: ["x"], stream: true, stream_options: { include_usage: true } }, "m", 100);
        expect(ok).toEqual({ api: "completions", prompts: [[1, 2]], n: 3, maxTokens: 16, stop: ["x"], stream: true, includeUsage: true });
    });

    it("serves batches, n choices and stop over HTTP, streamed or not", async () => {
        await withSim({}, async (sim) => {
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 5000 });
            const plain = await client.postJson("/v1/completions", { model: "/mnt/models", prompt: [[11, 12, 13], [14, 15]], n: 2, max_tokens: 3, stop: " cache" });
            expect(plain.ok && plain.value).toMatchObject({
                choices: [
                    { index: 0, text: " The prefix", finish_reason: "stop", stop_reason: " cache" },
                    { index: 1, text: " The prefix", finish_reason: "stop" },
                    { index: 2, text: " The prefix" },
                    { index: 3, text: " The prefix" },
                ],
                usage: { prompt_tokens: 5, completion_tokens: 8, total_tokens: 13 },
            });
            const stream = await client.postStream("/v1/completions", { model: "/mnt/models", prompt: [1, 2, 3], n: 2, max_tokens: 4, stream: true, stream_options: { include_usage: true } });
            expect(stream.ok && stream.value.contentChunks).toBe(8);
            expect(stream.ok && stream.value.usage).toEqual({ promptTokens: 3, completionTokens: 8, cachedTokens: 0 });
            const refused = await client.postJson("/v1/completions", { model: "/mnt/models", prompt: [] });
            expect(refused).toMatchObject({ ok: false, status: 400, message: "HTTP 400: prompt must be a string, a list of token ids, or a list of up to 64 of either" });
            await client.close();
        });
    });
});

describe("capacity like vLLM's", () => {
    it("runs at most max-num-seqs and queues the rest, visible in /metrics", async () => {
        await withSim({ maxNumSeqs: 1, decodeMsPerToken: 30 }, async (sim) => {
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 10_000, connections: 4 });
            const body = { model: "/mnt/models", prompt: "one two three", max_tokens: 4, stream: true };
            const inFlight = [1, 2, 3].map(() => client.postStream("/v1/completions", body));
            // Until the first finishes (>= 90 ms), one runs and two wait.
            let gauges: Record<string, number> = {};
            for (let tries = 0; tries < 50; tries++) {
                const res = await client.getText("/metrics");
                const series = res.ok ? parseSeries(res.value) : [];
                gauges = Object.fromEntries(series.filter((s) => s.name.startsWith("vllm:num_requests_")).map((s) => [s.name, s.value]));
                if (gauges["vllm:num_requests_waiting"] === 2) break;
                await new Promise((r) => setTimeout(r, 5));
            }
            expect(gauges).toEqual({ "vllm:num_requests_running": 1, "vllm:num_requests_waiting": 2 });
            const results = await Promise.all(inFlight);
            expect(results.every((r) => r.ok)).toBe(true);
            const after = await client.getText("/metrics");
            const series = after.ok ? parseSeries(after.value) : [];
            const value = (name: string, le?: string) => series.find((s) => s.name === name && (le === undefined || s.labels.le === le))?.value;
            expect(value("vllm:num_requests_waiting")).toBe(0);
            expect(value("vllm:request_queue_time_seconds_count")).toBe(3);
            expect(value("vllm:request_queue_time_seconds_bucket", "+Inf")).toBe(3);
            // Two of them waited for the first: the queue time is not zero.
            expect(value("vllm:request_queue_time_seconds_sum")).toBeGreaterThan(0);
            expect(value("vllm:request_time_per_output_token_seconds_count")).toBe(3);
            await client.close();
        });
    });

    it("frees a queued slot when its client goes away", async () => {
        const r = new Replica(0, 16, 10, 1);
        const first = await r.schedule(1, new AbortController().signal);
        expect(first).toEqual({ seqs: 1 });
        const gone = new AbortController();
        const queued = r.schedule(1, gone.signal);
        const next = r.schedule(1, new AbortController().signal);
        expect(r.waitingCount).toBe(2);
        gone.abort();
        expect(await queued).toBeNull();
        expect(r.waitingCount).toBe(1);
        r.release(1, null);
        expect(await next).toEqual({ seqs: 1 });
        expect(r.counters.running).toBe(1);
        expect(r.waitingCount).toBe(0);
    });

    it("runs an over-sized request alone at the batch size", async () => {
        const r = new Replica(0, 16, 10, 4);
        expect(await r.schedule(10, new AbortController().signal)).toEqual({ seqs: 4 });
        expect(r.counters.running).toBe(4);
        r.release(4, null);
        expect(r.counters.running).toBe(0);
    });

    it("reports KV usage as cached blocks over capacity", () => {
        const r = new Replica(0, 4, 10);
        expect(r.kvCacheUsage()).toBe(0);
        r.prefill(Array.from({ length: 13 }, (_, i) => i));
        expect(r.kvCacheUsage()).toBe(0.3);
        expect(new Replica(0, 4, 0).kvCacheUsage()).toBe(0);
    });

    it("exposes histograms with vLLM's buckets, cumulative, ending at +Inf", () => {
        const h = new Histogram([0.1, 1]);
        for (const v of [0.05, 0.1, 0.5, 3]) h.observe(v);
        expect(h.cumulative()).toEqual([
            { le: "0.1", count: 2 },
            { le: "1.0", count: 3 },
            { le: "+Inf", count: 4 },
        ]);
        expect(h.sum).toBeCloseTo(3.65, 10);
        expect(TTFT_BUCKETS).toHaveLength(22);
        expect(TTFT_BUCKETS[0]).toBe(0.001);
        expect(TTFT_BUCKETS[21]).toBe(2560);
    });

    it("exports vllm:cache_config_info with the block size, and the gauges a router reads", async () => {
        await withSim({ maxModelLen: 32768 }, async (sim) => {
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 5000 });
            const res = await client.getText("/metrics");
            await client.close();
            const series = res.ok ? parseSeries(res.value) : [];
            expect(series.find((s) => s.name === "vllm:cache_config_info")?.labels).toMatchObject({ block_size: "32", enable_prefix_caching: "True" });
            expect(series.filter((s) => s.name === "vllm:time_to_first_token_seconds_bucket")).toHaveLength(23);
            expect(series.find((s) => s.name === "vllm:kv_cache_usage_perc")?.value).toBe(0);
        });
    });
});

describe("EPP-like routing", () => {
    const prompt = Array.from({ length: 64 }, (_, i) => i + 1);

    function replicas(n: number, maxNumSeqs = 4): Replica[] {
        return Array.from({ length: n }, (_, i) => new Replica(i, 16, 100, maxNumSeqs));
    }

    it("scores weighted prefix match plus free batch share", () => {
        const [a] = replicas(1);
        expect(eppScore(a, prompt, { prefix: 2, load: 1 })).toBe(1);
        a.prefill(prompt);
        // 48 of 64 tokens cached (the last block is recomputed): 2 * 0.75 + 1 * 1.
        expect(eppScore(a, prompt, { prefix: 2, load: 1 })).toBe(2.5);
        a.counters.running = 2;
        expect(eppScore(a, prompt, { prefix: 2, load: 1 })).toBe(2);
        a.counters.running = 9;
        expect(eppScore(a, prompt, { prefix: 0, load: 1 })).toBe(0);
        expect(eppScore(a, [], { prefix: 1, load: 0 })).toBe(0);
    });

    it("keeps a hot prefix on its replica while prefix outweighs load: hot-spotting", () => {
        const rs = replicas(3);
        rs[1].prefill(prompt);
        rs[1].counters.running = 3;
        const router = new Router(rs, "epp", { prefix: 2, load: 1 });
        expect([0, 1, 2].map(() => router.pick(prompt).index)).toEqual([1, 1, 1]);
    });

    it("moves away from a busy replica when load outweighs prefix", () => {
        const rs = replicas(3);
        rs[1].prefill(prompt);
        rs[1].counters.running = 3;
        const router = new Router(rs, "epp", { prefix: 1, load: 4 });
        // Replica 1: 0.75 + 4 * 0.25 = 1.75; the idle ones: 4. Ties go in turn.
        expect([0, 1, 2].map(() => router.pick(prompt).index)).toEqual([0, 2, 2]);
    });

    it("pure prefix routing breaks ties by load; round-robin ignores the prompt", () => {
        const rs = replicas(3);
        rs[0].counters.running = 2;
        const prefix = new Router(rs, "prefix");
        expect(prefix.pick(prompt).index).toBe(1);
        const rr = new Router(rs, "round-robin");
        expect([0, 1, 2, 3].map(() => rr.pick(prompt).index)).toEqual([0, 1, 2, 0]);
    });

    it("defaults: EPP weights 2 and 1, 128 sequences, block size from both", () => {
        const o = resolveOptions({ maxModelLen: 131072, maxNumSeqs: 256 });
        expect([o.prefixWeight, o.loadWeight, o.batchMsPerSeq, o.tpuBackend]).toEqual([2, 1, 0, "tpu-inference"]);
        expect(o.blockSize).toBe(256);
        expect(resolveOptions({ maxModelLen: 131072, maxNumSeqs: 256, tpuBackend: "vllm" }).blockSize).toBe(16);
        expect(() => resolveOptions({ tpuBackend: "gpu" as never })).toThrow("tpuBackend must be vllm or tpu-inference (got gpu)");
        expect(resolveOptions().maxNumSeqs).toBe(128);
        expect(() => resolveOptions({ routing: "random" as never })).toThrow("routing must be one of prefix, round-robin, epp (got random)");
        expect(() => resolveOptions({ maxNumSeqs: 0 })).toThrow("maxNumSeqs must be an integer >= 1 (got 0)");
    });
});

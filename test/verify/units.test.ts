import { describe, expect, it } from "vitest";
import { blockSizeHint, summarizeGroup, type CacheSample } from "../../tools/verify/cache";
import { normalizeBaseUrl, parseDuration, parsePhaseList } from "../../tools/verify/config";
import { parseModels } from "../../tools/verify/health";
import { classifyError, classifyStatus, countMisses, errorDetail, parseUsage } from "../../tools/verify/http";
import { metric, parsePrometheus, prefixCacheCounters } from "../../tools/verify/prom";
import { SseParser } from "../../tools/verify/sse";
import { buildCacheWorkload, loadPrompt } from "../../tools/verify/workload";
import { tokenize } from "../../tools/simulator/tokenizer";

describe("SseParser", () => {
    it("reassembles events split at arbitrary points, with CRLF and comments", () => {
        const stream = ': keep-alive\r\ndata: {"a":1}\r\n\r\ndata: {"b":\ndata: 2}\n\ndata: [DONE]\n\n';
        for (let cut = 0; cut <= stream.length; cut++) {
            const p = new SseParser();
            const events = [...p.push(stream.slice(0, cut)), ...p.push(stream.slice(cut)), ...p.end()];
            expect(events).toEqual(['{"a":1}', '{"b":\n2}', "[DONE]"]);
        }
    });

    it("flushes an unterminated last event at end of stream", () => {
        const p = new SseParser();
        expect(p.push("data: x")).toEqual([]);
        expect(p.end()).toEqual(["x"]);
    });
});

describe("Prometheus parsing", () => {
    const text = [
        "# HELP vllm:prefix_cache_hits Prefix cache hits",
        "# TYPE vllm:prefix_cache_hits counter",
        'vllm:prefix_cache_hits_total{engine="0",model_name="a}b"} 128.0',
        'vllm:prefix_cache_hits_total{engine="1",model_name="x"} 256',
        "vllm:prefix_cache_queries_total 1000 1700000000000",
        "vllm:num_requests_running 3",
        "garbage line without value",
    ].join("\n");

    it("sums series across labels and accepts the _total spelling", () => {
        const totals = parsePrometheus(text);
        expect(metric(totals, "vllm:prefix_cache_hits")).toBe(384);
        expect(metric(totals, "vllm:num_requests_running")).toBe(3);
        expect(prefixCacheCounters(totals)).toEqual({ queries: 1000, hits: 384 });
        expect(metric(totals, "vllm:absent")).toBeNull();
    });
});

describe("config parsing", () => {
    it("parses durations", () => {
        expect(parseDuration("500ms")).toBe(500);
        expect(parseDuration("2s")).toBe(2000);
        expect(parseDuration("1.5m")).toBe(90_000);
        expect(parseDuration("30")).toBe(30_000);
        expect(parseDuration("0")).toBeNull();
        expect(parseDuration("soon")).toBeNull();
    });

    it("normalizes base URLs and rejects what cannot be one", () => {
        expect(normalizeBaseUrl("http://10.0.0.1/llm/qwen/")).toBe("http://10.0.0.1/llm/qwen");
        expect(normalizeBaseUrl("https://gw.example:8443")).toBe("https://gw.example:8443");
        expect(normalizeBaseUrl("ftp://x/y")).toBeNull();
        expect(normalizeBaseUrl("http://x/y?z=1")).toBeNull();
        expect(normalizeBaseUrl("10.0.0.1/llm")).toBeNull();
    });

    it("parses phase lists", () => {
        expect(parsePhaseList("health, load")).toEqual(["health", "load"]);
        expect(parsePhaseList("health,bogus")).toBeNull();
        expect(parsePhaseList("")).toBeNull();
    });
});

describe("HTTP helpers", () => {
    it("classifies statuses and errors", () => {
        expect(classifyStatus(404)).toBe("http_4xx");
        expect(classifyStatus(503)).toBe("http_5xx");
        expect(classifyStatus(302)).toBe("http_other");
        const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
        expect(classifyError(refused).kind).toBe("connection_refused");
        expect(classifyError(new AggregateError([refused], "")).kind).toBe("connection_refused");
        expect(classifyError(Object.assign(new Error("t"), { code: "UND_ERR_HEADERS_TIMEOUT" })).kind).toBe("timeout");
        expect(classifyError(Object.assign(new Error("reset"), { code: "ECONNRESET" })).kind).toBe("connection_error");
    });

    it("extracts error messages from vLLM bodies", () => {
        expect(errorDetail('{"error":{"message":"The model `x` does not exist.","code":404}}')).toBe("The model `x` does not exist.");
        expect(errorDetail('{"object":"error","message":"old style"}')).toBe("old style");
        expect(errorDetail("upstream connect error")).toBe("upstream connect error");
    });

    it("parses usage with and without prompt_tokens_details", () => {
        expect(parseUsage({ prompt_tokens: 300, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 256 } })).toEqual({
            promptTokens: 300,
            completionTokens: 8,
            cachedTokens: 256,
        });
        expect(parseUsage({ prompt_tokens: 3, completion_tokens: 1, prompt_tokens_details: null })?.cachedTokens).toBeNull();
        expect(parseUsage(null)).toBeNull();
        expect(() => parseUsage({ prompt_tokens: "x" })).toThrow(/usage/);
    });

    it("counts a missing cached_tokens as a miss once the run shows the server reports them", () => {
        // docs/UPSTREAM.md row "vLLM usage: cached tokens only when non-zero".
        const s = (ok: boolean, promptTokens: number | null, cachedTokens: number | null) => ({ ok, promptTokens, cachedTokens, tag: "x" });
        const run = [s(true, 300, null), s(true, 300, 256), s(false, null, null), s(true, null, null), s(true, 300, 0)];
        expect(countMisses(run)).toEqual([s(true, 300, 0), s(true, 300, 256), s(false, null, null), s(true, null, null), s(true, 300, 0)]);
        // A zero count is a report too: servers that send 0 are read the same way.
        expect(countMisses([s(true, 10, 0), s(true, 10, null)]).map((x) => x.cachedTokens)).toEqual([0, 0]);
        // None reported: unknown, not zero.
        const none = [s(true, 300, null), s(false, null, null)];
        expect(countMisses(none)).toEqual(none);
        expect(countMisses(none)).not.toBe(none);
        expect(countMisses(run)[1]).toBe(run[1]);
        expect(run[0]?.cachedTokens).toBeNull();
    });

    it("reads /v1/models", () => {
        expect(parseModels({ data: [{ id: "/mnt/models", max_model_len: 2048 }] })).toEqual([{ id: "/mnt/models", maxModelLen: 2048 }]);
        expect(parseModels({ models: [] })).toBeNull();
    });
});

describe("workload", () => {
    const options = { groups: 3, requestsPerGroup: 4, prefixTokens: 300, suffixTokens: 10, seed: 5, runId: "abc" };

    it("is deterministic for a seed and interleaves groups", () => {
        const a = buildCacheWorkload(options);
        expect(buildCacheWorkload(options)).toEqual(a);
        expect(a.map((r) => `${r.group}:${r.index}`).slice(0, 4)).toEqual(["0:0", "1:0", "2:0", "0:1"]);
        expect(a).toHaveLength(12);
    });

    it("shares each group's prefix, with a distinct suffix per request", () => {
        const a = buildCacheWorkload(options);
        const group0 = a.filter((r) => r.group === 0).map((r) => r.prompt);
        const prefix = group0[0].split("\n")[0];
        expect(tokenize(prefix).length).toBeGreaterThanOrEqual(300);
        for (const p of group0) expect(p.startsWith(prefix)).toBe(true);
        expect(new Set(group0).size).toBe(group0.length);
        const group1 = a.find((r) => r.group === 1)?.prompt ?? "";
        expect(group1.split("\n")[0]).not.toBe(prefix);
    });

    it("gives each load request its own opening", () => {
        const p0 = loadPrompt(0, 64, 1, "r");
        const p1 = loadPrompt(1, 64, 1, "r");
        expect(p0).not.toBe(p1);
        // They may share the "Request <run>-" header, but far less than a cache block.
        expect(tokenize(p0).slice(0, 8)).not.toEqual(tokenize(p1).slice(0, 8));
        expect(Math.abs(tokenize(p0).length - 64)).toBeLessThan(8);
    });
});

describe("cache analysis", () => {
    const sample = (index: number, ttftMs: number, cachedTokens: number | null): CacheSample => ({
        group: 0,
        index,
        ok: true,
        latencyMs: ttftMs + 5,
        ttftMs,
        promptTokens: 1000,
        cachedTokens,
        error: null,
    });

    it("summarizes a group: first vs later, cached ratio over later requests only", () => {
        const g = summarizeGroup(0, [sample(0, 100, 0), sample(1, 20, 896), sample(2, 30, 896), sample(3, 25, 896)]);
        expect(g.firstTtftMs).toBe(100);
        expect(g.laterTtftMs).toBe(25);
        expect(g.ttftSpeedup).toBe(4);
        expect(g.cachedRatio).toBeCloseTo(0.896);
        expect(g.laterCachedTokens).toBe(2688);
    });

    it("reports no ratio when the server does not report cached tokens", () => {
        const g = summarizeGroup(0, [sample(0, 100, null), sample(1, 20, null)]);
        expect(g.cachedRatio).toBeNull();
        expect(g.laterCachedTokens).toBeNull();
    });

    it("explains when prompts are shorter than a block", () => {
        expect(blockSizeHint(128, 7, 13)).toMatch(/shorter than one prefix-cache block \(128 tokens\)/);
        expect(blockSizeHint(128, 64, 200)).toMatch(/shared prefix/);
        expect(blockSizeHint(128, 1024, 1060)).toBeNull();
    });
});

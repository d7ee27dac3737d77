/**
 * The prefix-cache phase against a scripted client: each verdict path (usage, /metrics, nothing reported, no
 * successful requests), the request order it relies on, and what it says, without a simulator's cache.
 */
import { describe, expect, it } from "vitest";
import type { CacheConfig } from "../../tools/verify/config";
import { blockSizeHint, runCache, summarizeGroup, type CacheRunOptions, type CacheSample } from "../../tools/verify/cache";
import type { ErrorKind, Outcome, StreamResult, VerifyClient } from "../../tools/verify/http";
import type { Progress } from "../../tools/verify/progress";

type Reply = Outcome<StreamResult>;
/** A usage-bearing reply; cachedTokens undefined means the response carried no count. */
const reply = (promptTokens: number, cachedTokens: number | null, ttftMs = 10): Reply => ({
    ok: true,
    status: 200,
    latencyMs: ttftMs + 5,
    value: { ttftMs, itlMs: [], contentChunks: 1, usage: { promptTokens, completionTokens: 1, cachedTokens } },
});
const failure = (kind: ErrorKind, message: string): Reply => ({ ok: false, kind, status: kind === "http_5xx" ? 500 : null, latencyMs: 1, message });

const counters = (queries: number, hits: number) => `vllm:prefix_cache_queries_total ${queries}\nvllm:prefix_cache_hits_total ${hits}\n`;

/**
 * Calls in order: the warm-up, the first request of each group, a spacer, then the later requests interleaved by
 * index (g0 i1, g1 i1, g0 i2, g1 i2 for 2 groups x 3). `later(g, i)` answers request i of group g.
 */
function scripted(o: { warmup?: Reply; first?: (g: number) => Reply; later: (g: number, i: number) => Reply; metrics?: (string | null)[]; groups?: number }) {
    const groups = o.groups ?? 2;
    const prompts: string[] = [];
    let scrapes = 0;
    const client = {
        async postStream(_path: string, body: { prompt: string }): Promise<Reply> {
            const n = prompts.push(body.prompt) - 1;
            if (n === 0) return o.warmup ?? reply(8, null);
            if (n <= groups) return (o.first ?? (() => reply(310, null)))(n - 1);
            if (n === groups + 1) return reply(9, null);
            const k = n - groups - 2;
            return o.later(k % groups, 1 + Math.floor(k / groups));
        },
        async getText(): Promise<Outcome<string>> {
            const text = o.metrics?.[Math.min(scrapes++, o.metrics.length - 1)] ?? null;
            return text === null ? { ok: false, kind: "http_4xx", status: 404, latencyMs: 0, message: "HTTP 404" } : { ok: true, status: 200, latencyMs: 0, value: text };
        },
    };
    return { client: client as unknown as VerifyClient, prompts };
}

const SILENT: Progress = { start() {}, update() {}, stop() {} };
const CONFIG: CacheConfig = { groups: 2, requestsPerGroup: 3, prefixTokens: 300, suffixTokens: 6, maxTokens: 4, minAffinity: 0.8 };
const options = (config: Partial<CacheConfig> = {}, more: Partial<CacheRunOptions> = {}): CacheRunOptions => ({
    model: "m",
    config: { ...CONFIG, ...config },
    blockSize: 128,
    blockSizeSource: "server",
    maxModelLen: null,
    seed: 1,
    runId: "cache-scripted",
    progress: SILENT,
    ...more,
});

describe("prefix cache verdicts from usage", () => {
    it("passes full hits on every later request, in the order first requests, spacer, later ones", async () => {
        const s = scripted({ later: () => reply(310, 256, 2) });
        const r = await runCache(s.client, options());
        expect([r.status, r.cachedRatioSource, r.failures, r.warnings]).toEqual(["pass", "usage", [], []]);
        expect(r.message).toBe("server reported 1024 of 1240 prompt tokens as cached on repeated prefixes");
        expect(r.cachedRatio).toBeCloseTo(1024 / 1240, 10);
        expect(r.affinity).toMatchObject({ tokenRatio: 1, fullHitShare: 1, laterRequests: 4 });
        expect(r.groups.map((g) => [g.group, g.requests, g.firstTtftMs, g.laterTtftMs, g.ttftSpeedup, g.laterCachedTokens])).toEqual([
            [0, 3, 10, 2, 5, 512],
            [1, 3, 10, 2, 5, 512],
        ]);
        // No first request reported a count while later ones did: the first ones are misses (0), not unknown.
        expect(r.firstCachedRatio).toBe(0);
        expect(r.requests).toBe(6);
        expect(s.prompts).toHaveLength(8);
        expect(s.prompts[0]).toMatch(/^Warm-up cache-scripted/);
        expect(s.prompts[3]).toMatch(/^Spacer cache-scripted/);
    });

    it("fails zero hits with the count of requests, and the block-size hint when prompts are short", async () => {
        const zero = await runCache(scripted({ first: () => reply(310, 0), later: () => reply(310, 0) }).client, options());
        expect(zero.status).toBe("fail");
        expect(zero.failures).toEqual(["prefix cache: no prefix-cache hits: the server reported 0 cached tokens on 4 requests that repeat a ~300-token prefix"]);
        const short = await runCache(scripted({ first: () => reply(20, 0), later: () => reply(20, 0) }).client, options({ prefixTokens: 10 }));
        expect(short.failures).toEqual([
            "prefix cache: no prefix-cache hits: the server reported 0 cached tokens on 4 requests that repeat a ~10-token prefix " +
                "(every prompt (at most 20 tokens) is shorter than one prefix-cache block (128 tokens); vLLM caches full blocks only, so such prompts can never hit)",
        ]);
    });

    it("fails cache-blind routing: hits only where the group happened to land", async () => {
        // Group 0 finds its prefix on its second request only; group 1 never. Misses carry no count, as vLLM sends.
        const r = await runCache(scripted({ later: (g, i) => (g === 0 && i === 2 ? reply(310, 256) : reply(310, null)) }).client, options());
        expect(r.status).toBe("fail");
        expect(r.affinity).toMatchObject({ tokenRatio: 0.25, fullHitShare: 0.25 });
        expect(r.message).toBe("server reported 256 of 1240 prompt tokens as cached on repeated prefixes, but routing looks cache-blind (affinity 25.0%)");
        expect(r.failures).toEqual([expect.stringMatching(/^prefix cache: routing looks cache-blind: later requests of a prefix group got 25\.0%/)]);
        // --min-affinity 0 only reports it.
        const lenient = await runCache(scripted({ later: (g, i) => (g === 0 && i === 2 ? reply(310, 256) : reply(310, null)) }).client, options({ minAffinity: 0 }));
        expect([lenient.status, lenient.failures]).toEqual(["pass", []]);
    });

    it("warns when the first requests were already cached, and when a warm-up fails", async () => {
        const r = await runCache(scripted({ warmup: failure("http_5xx", "HTTP 500: cold"), first: () => reply(310, 256), later: () => reply(310, 256) }).client, options());
        expect(r.status).toBe("pass");
        expect(r.warnings).toEqual([
            "warm-up request failed: HTTP 500: cold",
            "first requests of each group were already 83% cached: the prefixes were not new to the server",
        ]);
    });

    it("shrinks the prefix to fit max_model_len, and says so", async () => {
        const r = await runCache(scripted({ later: () => reply(100, 0) }).client, options({}, { maxModelLen: 140 }));
        expect(r.prefixTokens).toBe(102);
        expect(r.warnings[0]).toBe("prefix reduced from 300 to 102 words to fit max_model_len 140");
        const tiny = await runCache(scripted({ later: () => reply(10, 0) }).client, options({}, { maxModelLen: 6 }));
        expect(tiny.prefixTokens).toBe(1);
        const roomy = await runCache(scripted({ later: () => reply(310, 256) }).client, options({}, { maxModelLen: 100_000 }));
        expect(roomy.prefixTokens).toBe(300);
    });
});

describe("prefix cache verdicts without per-request counts", () => {
    it("falls back to the /metrics counters over the later requests, and fails when they did not grow", async () => {
        const metrics = [counters(100, 0), counters(720, 0), counters(1960, 1024)];
        const r = await runCache(scripted({ later: () => reply(310, null), metrics }).client, options());
        expect([r.status, r.cachedRatioSource, r.affinity]).toEqual(["pass", "metrics", null]);
        expect(r.metrics).toEqual({ queries: 1240, hits: 1024, ratio: 1024 / 1240 });
        expect(r.cachedRatio).toBeCloseTo(1024 / 1240, 10);
        expect(r.firstCachedRatio).toBe(0);
        expect(r.message).toBe("/metrics: 1024 of 1240 queried tokens of the non-first requests were prefix-cache hits");
        expect(r.warnings).toEqual([
            "routing affinity not judged: it needs cached_tokens per request",
            "cached_tokens not reported by server on any request (vLLM sends them only with --enable-prompt-tokens-details, which the stack sets, and only for a request that hit the cache); using /metrics prefix-cache counters, which may cover only one replica behind a gateway",
        ]);
        const none = await runCache(scripted({ later: () => reply(310, null), metrics: [counters(100, 0), counters(720, 0), counters(1960, 0)] }).client, options());
        expect(none.status).toBe("fail");
        expect(none.failures).toEqual(["prefix cache: no prefix-cache hits: vllm:prefix_cache_hits did not grow over 1240 queried tokens of the non-first requests"]);
    });

    it("warns that hits cannot be proven with neither counts nor counters", async () => {
        const r = await runCache(scripted({ later: () => reply(310, null) }).client, options());
        expect([r.status, r.cachedRatioSource, r.cachedRatio, r.metrics, r.firstCachedRatio]).toEqual(["warn", "none", null, null, null]);
        expect(r.message).toMatch(/^cached tokens not reported by server on any request \(.*\) and \/metrics has no prefix-cache counters here: hits cannot be proven$/);
        // Counters that did not move over the later requests are no evidence either.
        const idle = await runCache(scripted({ later: () => reply(310, null), metrics: [counters(5, 0)] }).client, options());
        expect(idle.status).toBe("warn");
    });

    it("shows per-replica deltas when /metrics tells replicas apart", async () => {
        const scrape = (a: [number, number, number], b: [number, number, number]) =>
            [a, b]
                .map(([q, h, n], i) => `vllm:prefix_cache_queries_total{replica="${i}"} ${q}\nvllm:prefix_cache_hits_total{replica="${i}"} ${h}\nvllm:request_success_total{replica="${i}"} ${n}\n`)
                .join("");
        const r = await runCache(scripted({ later: () => reply(310, 256), metrics: [scrape([0, 0, 0], [10, 0, 1]), scrape([310, 0, 1], [320, 0, 2]), scrape([930, 512, 3], [950, 512, 4])] }).client, options());
        expect(r.replicas).toEqual([
            { replica: "replica=0", queries: 930, hits: 512, requests: 3 },
            { replica: "replica=1", queries: 940, hits: 512, requests: 3 },
        ]);
        const single = await runCache(scripted({ later: () => reply(310, 256), metrics: [counters(0, 0), counters(620, 0), counters(1860, 1024)] }).client, options());
        expect(single.replicas).toBeNull();
    });
});

describe("prefix cache phase failures", () => {
    it("counts failed requests by kind with the first message, and still judges the rest", async () => {
        const r = await runCache(scripted({ later: (g, i) => (g === 1 && i === 1 ? failure("http_5xx", "HTTP 500: boom") : reply(310, 256)) }).client, options());
        expect(r.status).toBe("fail");
        expect(r.errors).toEqual({ http_5xx: 1 });
        expect(r.failures).toEqual(["prefix cache: 1 of 6 requests failed (http_5xx 1); first: HTTP 500: boom"]);
        expect(r.samples.filter((s) => !s.ok)).toEqual([{ group: 1, index: 1, ok: false, latencyMs: 1, ttftMs: null, promptTokens: null, cachedTokens: null, error: "HTTP 500: boom" }]);
    });

    it("stops after three consecutive transport failures instead of sending the rest", async () => {
        const refused = failure("connection_refused", "connection refused");
        const s = scripted({ first: () => refused, later: () => refused, groups: 4 });
        const r = await runCache(s.client, options({ groups: 4 }));
        expect(r.failures).toEqual(["prefix cache: 3 of 3 requests failed (connection_refused 3); first: connection refused", "prefix cache: stopped after 3 consecutive connection_refused failures"]);
        expect([r.status, r.message]).toEqual(["fail", "no successful requests"]);
        // Warm-up plus three firsts: no spacer, no later requests after the phase gave up.
        expect(s.prompts).toHaveLength(4);
    });

    it("resets the transport-failure run on a success or an HTTP error", async () => {
        const refused = failure("connection_refused", "connection refused");
        const answers = [refused, refused, failure("http_5xx", "HTTP 500"), refused, refused, reply(310, null), refused, refused];
        let k = 0;
        const next = () => answers[k++] ?? reply(310, null);
        const r = await runCache(scripted({ first: next, later: next, groups: 4 }).client, options({ groups: 4, requestsPerGroup: 3 }));
        expect(r.failures.some((f) => f.includes("stopped after"))).toBe(false);
        expect(r.requests).toBe(12);
    });
});

describe("prefix cache edges", () => {
    it("summarizes a group from its ordered samples: first successful index 0, medians of the later ones", () => {
        const s = (index: number, ok: boolean, latencyMs: number, ttftMs: number | null, promptTokens: number | null, cachedTokens: number | null): CacheSample => ({
            group: 0, index, ok, latencyMs, ttftMs, promptTokens, cachedTokens, error: ok ? null : "x",
        });
        const g = summarizeGroup(0, [s(3, true, 30, 3, 100, 50), s(0, true, 90, 9, 100, 0), s(2, true, 10, null, 100, 70), s(1, false, 1, null, null, null), s(4, true, 20, 5, null, null)]);
        expect(g).toEqual({
            group: 0,
            requests: 5,
            firstLatencyMs: 90,
            firstTtftMs: 9,
            firstPromptTokens: 100,
            firstCachedTokens: 0,
            laterLatencyMs: 20,
            laterTtftMs: 3,
            laterPromptTokens: 200,
            laterCachedTokens: 120,
            cachedRatio: 0.6,
            ttftSpeedup: 3,
        });
        // A failed first request is no first; unreported later counts are null, not 0; a 0 ms later TTFT has no ratio.
        const failedFirst = summarizeGroup(1, [s(0, false, 5, null, null, null), s(1, true, 7, 0, 100, null)]);
        expect(failedFirst).toMatchObject({ firstLatencyMs: null, firstTtftMs: null, firstPromptTokens: null, firstCachedTokens: null, laterCachedTokens: null, cachedRatio: null, ttftSpeedup: null, laterTtftMs: 0 });
        expect(summarizeGroup(2, [s(0, true, 5, 4, 10, 0), s(1, true, 6, 0, 10, 0)]).ttftSpeedup).toBeNull();
    });

    it("hints at the block size only below one block", () => {
        expect(blockSizeHint(128, 200, 128)).toBeNull();
        expect(blockSizeHint(128, 128, 500)).toBeNull();
        expect(blockSizeHint(128, 127, 500)).toMatch(/^the shared prefix \(~127 tokens\) is shorter than one prefix-cache block \(128 tokens\)/);
        expect(blockSizeHint(128, 200, 127)).toMatch(/^every prompt \(at most 127 tokens\)/);
        expect(blockSizeHint(128, 100, null)).toMatch(/^the shared prefix/);
    });

    it("keeps a prefix that just fits, and names the longest prompt in the hint", async () => {
        // fits = floor((387 - 4) * 0.8) - 6 = 300: exactly the prefix.
        const fit = await runCache(scripted({ later: () => reply(310, 256) }).client, options({}, { maxModelLen: 387 }));
        expect([fit.prefixTokens, fit.warnings]).toEqual([300, []]);
        const short = await runCache(scripted({ first: (g) => reply(20 + g * 10, 0), later: (g) => reply(20 + g * 10, 0) }).client, options({ prefixTokens: 10 }));
        expect(short.failures[0]).toContain("every prompt (at most 30 tokens)");
    });

    it("warns with the hint when hits were proven despite a prefix shorter than a block", async () => {
        const r = await runCache(scripted({ later: () => reply(310, 256) }).client, options({ prefixTokens: 100 }));
        expect(r.status).toBe("pass");
        expect(r.warnings).toEqual([expect.stringMatching(/^the shared prefix \(~100 tokens\) is shorter than one prefix-cache block/)]);
    });

    it("judges each group on its own samples", async () => {
        const r = await runCache(scripted({ later: (g, i) => (g === 0 && i === 2 ? reply(310, 256) : reply(310, null)) }).client, options());
        expect(r.groups.map((g) => [g.laterCachedTokens, g.cachedRatio])).toEqual([
            [256, 256 / 620],
            [0, 0],
        ]);
    });

    it("leaves a response without usage out of the counts and the affinity", async () => {
        const noUsage: Reply = { ok: true, status: 200, latencyMs: 3, value: { ttftMs: 2, itlMs: [], contentChunks: 1, usage: null } };
        const r = await runCache(scripted({ later: (g, i) => (g === 1 && i === 2 ? noUsage : reply(310, 256)) }).client, options());
        expect(r.samples.find((x) => x.group === 1 && x.index === 2)).toMatchObject({ ok: true, promptTokens: null, cachedTokens: null });
        expect(r.affinity).toMatchObject({ laterRequests: 3, tokenRatio: 1 });
        expect(r.status).toBe("pass");
    });

    it("warns about already-cached first requests only above half", async () => {
        const half = await runCache(scripted({ first: () => reply(512, 256), later: () => reply(512, 384) }).client, options());
        expect(half.firstCachedRatio).toBe(0.5);
        expect(half.warnings).toEqual([]);
    });

    it("reads the counters without the first scrape, subtracts the hits at the split, and skips it after an abort", async () => {
        const multi = (q: number, h: number) => `vllm:prefix_cache_queries_total{replica="0"} ${q}\nvllm:prefix_cache_hits_total{replica="0"} ${h}\nvllm:prefix_cache_queries_total{replica="1"} 0\nvllm:prefix_cache_hits_total{replica="1"} 0\n`;
        const r = await runCache(scripted({ later: () => reply(310, null), metrics: [null, multi(620, 100), multi(1860, 1124)] }).client, options());
        expect(r.metrics).toEqual({ queries: 1240, hits: 1024, ratio: 1024 / 1240 });
        expect([r.firstCachedRatio, r.replicas]).toEqual([null, null]);
        const refused = failure("connection_refused", "connection refused");
        const aborted = await runCache(scripted({ first: () => refused, later: () => refused, groups: 4, metrics: [counters(0, 0), counters(10, 5), counters(20, 10)] }).client, options({ groups: 4 }));
        expect(aborted.metrics).toBeNull();
    });

    it("lists every error kind of failed cache requests", async () => {
        const r = await runCache(
            scripted({ later: (g, i) => (i === 1 ? (g === 0 ? failure("http_5xx", "HTTP 500: a") : failure("timeout", "timed out")) : reply(310, 256)) }).client,
            options(),
        );
        expect(r.failures[0]).toBe("prefix cache: 2 of 6 requests failed (http_5xx 1, timeout 1); first: HTTP 500: a");
    });
});

/**
 * The load phase against a scripted client (no HTTP): exact schedules, stops, windows and the server-side latency
 * arithmetic, where a real server's timing would blur the assertions.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { LoadConfig } from "../../tools/verify/config";
import type { Outcome, StreamResult, VerifyClient } from "../../tools/verify/http";
import { arrivalSchedule, runLoad, runLoadPhase, sharedCachedRatio, sleepUntil, toMicros, type LoadPhaseOptions, type LoadSample } from "../../tools/verify/load";
import type { Progress } from "../../tools/verify/progress";
import { loadConfig } from "./helpers";

type Reply = Outcome<StreamResult>;

const ok = (latencyMs: number, ttftMs: number | null = latencyMs, completionTokens = 2): Reply => ({
    ok: true,
    status: 200,
    latencyMs,
    value: { ttftMs, itlMs: [], contentChunks: completionTokens, usage: { promptTokens: 10, completionTokens, cachedTokens: null } },
});
const refused: Reply = { ok: false, kind: "connection_refused", status: null, latencyMs: 1, message: "connection refused" };

/** A client whose n-th POST answers `reply(n)` after `delayMs`, and whose /metrics answers the scripted texts in turn. */
function scriptedClient(reply: (n: number) => Reply, o: { delayMs?: number; metrics?: (string | null)[] } = {}) {
    let posts = 0;
    let scrapes = 0;
    const client = {
        async postStream(): Promise<Reply> {
            const n = posts++;
            if ((o.delayMs ?? 0) > 0) await sleep(o.delayMs);
            return reply(n);
        },
        async getText(): Promise<Outcome<string>> {
            const text = o.metrics?.[Math.min(scrapes++, (o.metrics?.length ?? 1) - 1)] ?? null;
            return text === null ? { ok: false, kind: "http_4xx", status: 404, latencyMs: 0, message: "HTTP 404" } : { ok: true, status: 200, latencyMs: 0, value: text };
        },
    };
    return { client: client as unknown as VerifyClient, posts: () => posts };
}

const SILENT: Progress = { start() {}, update() {}, stop() {} };

const PHASE: LoadPhaseOptions = {
    name: "concurrent",
    model: "m",
    api: "completions",
    concurrency: 1,
    requests: 4,
    durationMs: null,
    rate: null,
    promptTokens: 8,
    maxTokens: 2,
    seed: 1,
    runId: "scripted",
    indexOffset: 0,
    progress: SILENT,
};

const CONFIG: LoadConfig = loadConfig();

const run = (client: VerifyClient, config: Partial<LoadConfig>, maxErrorRate = 0) =>
    runLoad(client, { model: "m", config: { ...CONFIG, ...config }, maxErrorRate, seed: 1, runId: "r", progress: SILENT });

describe("open-loop arrivals", () => {
    it("defaults to constant arrivals with a rate, and keeps a Poisson schedule exactly", async () => {
        const constant = await runLoadPhase(scriptedClient(() => ok(1)).client, { ...PHASE, rate: 500 });
        expect(constant.arrival).toBe("constant");
        expect(constant.scheduleLag).not.toBeNull();
        const poisson = await runLoadPhase(scriptedClient(() => ok(1)).client, { ...PHASE, rate: 200, arrival: "poisson", seed: 7, concurrency: 4 });
        const due = arrivalSchedule("poisson", 200, 7);
        expect(poisson.samples.map((s) => s.scheduledMs)).toEqual([0, 1, 2, 3].map((i) => toMicros(due(i))));
        // Not the evenly spaced schedule.
        expect(poisson.samples.map((s) => s.scheduledMs)).not.toEqual([0, 5, 10, 15]);
    });

    it("counts TTFT and e2e from the scheduled time when the cap delays a request", async () => {
        // One slot, 30 ms replies, due every 2 ms: requests 1-3 wait for the slot, and the wait is in both figures.
        const p = await runLoadPhase(scriptedClient(() => ok(30), { delayMs: 30 }).client, { ...PHASE, rate: 500 });
        expect(p.samples.slice(1).every((s) => s.sentMs - s.scheduledMs > 10)).toBe(true);
        for (const s of p.samples) expect(s.ttftMs).toBe(s.e2eMs);
    });

    it("stops dispatching once the server is gone", async () => {
        const scriptedRun = scriptedClient(() => refused);
        const p = await runLoadPhase(scriptedRun.client, { ...PHASE, requests: 200, rate: 1000, concurrency: 2 });
        expect(p.abortedReason).toBe("stopped after 10 consecutive transport failures (connection_refused)");
        expect(p.requests).toBeLessThanOrEqual(12);
        expect(scriptedRun.posts()).toBe(p.requests);
    });
});

describe("closed-loop pacing", () => {
    it("sends nothing due at or after the deadline, and measures the window to the deadline", async () => {
        const p = await runLoadPhase(scriptedClient(() => ok(1)).client, { ...PHASE, requests: null, durationMs: 250, rate: 10, arrival: "closed" });
        expect(p.requests).toBe(3);
        expect(p.samples.map((s) => s.scheduledMs)).toEqual([0, 100, 200]);
        expect(p.elapsedMs).toBeGreaterThanOrEqual(249);
        expect(p.rps).toBeLessThanOrEqual(3 / 0.249);
    });

    it("wakes a sleeping worker when another one gives up", async () => {
        // Two workers, a slot every 10 ms, every request refused: the 10th failure stops the phase and the worker
        // sleeping towards slot 10 returns instead of sending it.
        const scriptedRun = scriptedClient(() => refused);
        const p = await runLoadPhase(scriptedRun.client, { ...PHASE, requests: 100, rate: 100, arrival: "closed", concurrency: 2 });
        expect(p.requests).toBe(10);
        expect(p.abortedReason).not.toBeNull();
    });

    it("ends a request-bound phase when its requests are done, not at a far deadline", async () => {
        const p = await runLoadPhase(scriptedClient(() => ok(1)).client, { ...PHASE, requests: 2, durationMs: 5000 });
        expect(p.requests).toBe(2);
        expect(p.elapsedMs).toBeLessThan(1000);
        const paced = await runLoadPhase(scriptedClient(() => ok(1)).client, { ...PHASE, requests: 2, durationMs: 5000, rate: 1000, arrival: "closed" });
        expect(paced.elapsedMs).toBeLessThan(1000);
        const unpaced = await runLoadPhase(scriptedClient(() => ok(1)).client, { ...PHASE, requests: 2 });
        expect(Number.isFinite(unpaced.elapsedMs)).toBe(true);
        expect(unpaced.rps).toBeGreaterThan(0);
    });

    it("records no TTFT or TPOT for a request that has none", async () => {
        const p = await runLoadPhase(scriptedClient(() => ok(5, null, 1)).client, PHASE);
        expect([p.ttft, p.tpot]).toEqual([null, null]);
        expect(p.latency?.count).toBe(4);
    });
});

describe("sleepUntil", () => {
    it("wakes when the signal aborts mid-sleep", async () => {
        const stop = new AbortController();
        setTimeout(() => stop.abort(), 20);
        const t0 = performance.now();
        await sleepUntil(t0 + 5000, stop.signal);
        expect(performance.now() - t0).toBeLessThan(2000);
    });
});

describe("shared-prefix cached ratio", () => {
    it("leaves out each group's first request, whatever its index", () => {
        const s = (index: number, group: number | null, cachedTokens: number): LoadSample => ({
            index, group, scheduledMs: 0, sentMs: 0, ok: true, error: null, ttftMs: 1, e2eMs: 1, tpotMs: null, promptTokens: 100, outputTokens: 1, cachedTokens,
        });
        expect(sharedCachedRatio([s(3, 0, 0), s(5, 0, 90), s(6, null, 0)])).toBe(0.9);
    });
});

describe("load verdicts against a scripted server", () => {
    it("refuses lengths that cannot fit before sending anything", async () => {
        const scriptedRun = scriptedClient(() => ok(1));
        const r = await runLoad(scriptedRun.client, { model: "m", config: { ...CONFIG, promptTokens: 100 }, maxErrorRate: 0, seed: 1, runId: "r", progress: SILENT, maxModelLen: 50 });
        expect(r).toEqual({
            status: "fail",
            serial: null,
            concurrent: null,
            sweep: [],
            server: null,
            failures: [expect.stringMatching(/^load: load prompts of ~100 words/)],
            warnings: [],
        });
        expect(scriptedRun.posts()).toBe(0);
    });

    it("says no successful requests without a cause when nothing was sent, and no rate warning for an empty window", async () => {
        const r = await run(scriptedClient(() => ok(1)).client, { requests: null, durationMs: 0, rate: 50 });
        expect(r.failures).toEqual(["load concurrent: no successful requests"]);
        expect(r.warnings).toEqual([]);
    });

    it("lists every error kind in an error-rate failure", async () => {
        const timeout: Reply = { ok: false, kind: "timeout", status: null, latencyMs: 1, message: "timed out" };
        const fivexx: Reply = { ok: false, kind: "http_5xx", status: 503, latencyMs: 1, message: "HTTP 503: busy" };
        const r = await run(scriptedClient((n) => [fivexx, ok(1), timeout, ok(1)][n % 4] ?? ok(1)).client, { requests: 4 });
        expect(r.failures).toEqual(["load concurrent: 2 of 4 requests failed (http_5xx 1, timeout 1), error rate 50.0% > allowed 0.0%; first: HTTP 503: busy"]);
    });

    it("derives the server-side means from the /metrics deltas", async () => {
        const scrape = (e2eSum: number, e2eCount: number, ttftSum: number, ttftCount: number) =>
            `vllm:e2e_request_latency_seconds_sum ${e2eSum}\nvllm:e2e_request_latency_seconds_count ${e2eCount}\n` +
            `vllm:time_to_first_token_seconds_sum ${ttftSum}\nvllm:time_to_first_token_seconds_count ${ttftCount}\n`;
        const r = await run(scriptedClient(() => ok(1), { metrics: [scrape(1, 2, 0.5, 2), scrape(4, 5, 1.1, 5)] }).client, {});
        expect(r.server?.requests).toBe(3);
        expect(r.server?.meanE2eMs).toBeCloseTo(1000, 6);
        expect(r.server?.meanTtftMs).toBeCloseTo(200, 6);
        const noTtft = await run(scriptedClient(() => ok(1), { metrics: [scrape(1, 2, 0.5, 2), scrape(4, 5, 0.5, 2)] }).client, {});
        expect(noTtft.server).toEqual({ requests: 3, meanE2eMs: expect.closeTo(1000, 6), meanTtftMs: null });
        const idle = await run(scriptedClient(() => ok(1), { metrics: [scrape(1, 2, 0.5, 2), scrape(1, 2, 0.5, 2)] }).client, {});
        expect(idle.server).toBeNull();
        const before = await run(scriptedClient(() => ok(1), { metrics: [null, scrape(4, 5, 1.1, 5)] }).client, {});
        expect(before.server).toBeNull();
        const after = await run(scriptedClient(() => ok(1), { metrics: [scrape(1, 2, 0.5, 2), null] }).client, {});
        expect(after.server).toBeNull();
    });

    it("runs no sweep after a concurrent phase that lost the server, and stops a sweep at the level that did", async () => {
        const dead = await run(scriptedClient(() => refused).client, { requests: 50, sweep: { kind: "concurrency", levels: [1, 2] } });
        expect(dead.concurrent?.abortedReason).not.toBeNull();
        expect(dead.sweep).toEqual([]);
        // 12 good concurrent requests, then the server goes: the first sweep level aborts and the second never runs.
        const dying = await run(scriptedClient((n) => (n < 12 ? ok(1) : refused)).client, { requests: 12, sweep: { kind: "rate", levels: [1000, 2000] } });
        expect(dying.sweep.map((p) => [p.kind, p.level, p.phase.name, p.phase.targetRate, p.phase.abortedReason !== null])).toEqual([["rate", 1000, "concurrent", 1000, true]]);
    });

    it("skips the sweep when the serial phase lost the server", async () => {
        const r = await run(scriptedClient(() => refused).client, { serialRequests: 20, sweep: { kind: "concurrency", levels: [1] } });
        expect([r.concurrent, r.sweep]).toEqual([null, []]);
    });
});

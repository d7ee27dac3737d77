import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { VerifyClient } from "../../tools/verify/http";
import { performance } from "node:perf_hooks";
import { phasePrompt, runLoad, runLoadPhase, sleepUntil, type LoadPhaseOptions } from "../../tools/verify/load";
import type { Progress } from "../../tools/verify/progress";
import type { LoadConfig } from "../../tools/verify/config";
import { loadConfig, withSim } from "./helpers";

/** Records every progress call, so the bar's totals and positions are pinned too. */
function recorder(): Progress & { calls: string[] } {
    const calls: string[] = [];
    return {
        calls,
        start: (label, total) => calls.push(`start ${label} ${total}`),
        update: (value) => calls.push(`update ${value}`),
        stop: () => calls.push("stop"),
    };
}

const BASE: Omit<LoadPhaseOptions, "progress"> = {
    name: "concurrent",
    model: "/mnt/models",
    api: "completions",
    concurrency: 2,
    requests: 4,
    durationMs: null,
    rate: null,
    promptTokens: 8,
    maxTokens: 2,
    seed: 1,
    runId: "testrun",
    indexOffset: 0,
};

const CONFIG: LoadConfig = loadConfig({ serialRequests: 1, concurrency: 2 });

const TWO_CHUNKS_THREE_TOKENS =
    'data: {"choices":[{"index":0,"text":"a"}]}\n\n' +
    'data: {"choices":[{"index":0,"text":"b"}]}\n\n' +
    'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}}\n\n' +
    "data: [DONE]\n\n";

/** A server that records request bodies and answers every completion with `stream` (2 chunks, 3 tokens by default). */
async function recordingServer(status = 200, stream = TWO_CHUNKS_THREE_TOKENS): Promise<{ url: string; server: Server; bodies: Record<string, unknown>[] }> {
    const bodies: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
        let raw = "";
        req.on("data", (c: Buffer) => (raw += c.toString()));
        req.on("end", () => {
            if (req.url === "/metrics") {
                res.writeHead(404).end();
                return;
            }
            bodies.push(JSON.parse(raw) as Record<string, unknown>);
            if (status !== 200) {
                res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no (${status})` } }));
                return;
            }
            res.writeHead(200, { "content-type": "text/event-stream" });
            res.end(stream);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, bodies };
}

const servers: Server[] = [];
afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

describe("load phase internals", () => {
    it("sends vLLM bench's request shape: streamed, usage included, ignore_eos, user message for chat", async () => {
        const { url, server, bodies } = await recordingServer();
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        await runLoadPhase(client, { ...BASE, requests: 1, progress: recorder() });
        await runLoadPhase(client, { ...BASE, requests: 1, api: "chat", indexOffset: 7, progress: recorder() });
        await client.close();
        const prompt0 = phasePrompt({ promptTokens: 8, seed: 1, runId: "testrun", sharedPrefix: null }, 0).prompt;
        const prompt7 = phasePrompt({ promptTokens: 8, seed: 1, runId: "testrun", sharedPrefix: null }, 7).prompt;
        const common = { model: "/mnt/models", max_tokens: 2, temperature: 0, ignore_eos: true, stream: true, stream_options: { include_usage: true } };
        expect(bodies).toEqual([
            { ...common, prompt: prompt0 },
            { ...common, messages: [{ role: "user", content: prompt7 }] },
        ]);
    });

    it("counts usage into samples and totals", async () => {
        const { url, server } = await recordingServer();
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const p = await runLoadPhase(client, { ...BASE, progress: recorder() });
        await client.close();
        // Output tokens come from usage (3), not from the chunk count (2).
        expect([p.requests, p.succeeded, p.failed, p.errorRate, p.promptTokens, p.outputTokens]).toEqual([4, 4, 0, 0, 36, 12]);
        expect(p.samples.map((s) => [s.index, s.ok, s.promptTokens, s.outputTokens, s.cachedTokens, s.error])).toEqual([0, 1, 2, 3].map((i) => [i, true, 9, 3, 4, null]));
        expect(p.ttft?.count).toBe(4);
        expect(p.tpot?.count).toBe(4);
        expect(p.itl?.count).toBe(4);
        for (const s of p.samples) {
            expect(s.ttftMs).not.toBeNull();
            expect(s.e2eMs).toBeGreaterThanOrEqual(s.ttftMs ?? 0);
        }
    });

    it("without usage counts chunks as tokens and leaves token fields empty; no text means no TTFT", async () => {
        const { url, server } = await recordingServer(200, 'data: {"choices":[{"index":0,"text":"a"}]}\n\ndata: {"choices":[{"index":0,"text":"b"}]}\n\ndata: [DONE]\n\n');
        servers.push(server);
        const silent = await recordingServer(200, 'data: {"choices":[{"index":0,"text":""}]}\n\ndata: [DONE]\n\n');
        servers.push(silent.server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const p = await runLoadPhase(client, { ...BASE, requests: 2, rate: 1000, progress: recorder() });
        await client.close();
        expect(p.samples.map((s) => [s.outputTokens, s.promptTokens, s.cachedTokens])).toEqual([[2, null, null], [2, null, null]]);
        expect([p.promptTokens, p.outputTokens]).toEqual([0, 4]);
        const quiet = new VerifyClient({ baseUrl: silent.url, timeoutMs: 5000 });
        const q = await runLoadPhase(quiet, { ...BASE, requests: 1, rate: 1000, progress: recorder() });
        await quiet.close();
        expect(q.samples[0]).toMatchObject({ ok: true, ttftMs: null, tpotMs: null, outputTokens: 0 });
        expect(q.ttft).toBeNull();
    });

    it("numbers prompts from the phase's index offset", async () => {
        const { url, server, bodies } = await recordingServer();
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        await runLoadPhase(client, { ...BASE, concurrency: 1, requests: 2, indexOffset: 10, progress: recorder() });
        await client.close();
        const at = (i: number) => phasePrompt({ promptTokens: 8, seed: 1, runId: "testrun", sharedPrefix: null }, i).prompt;
        expect(bodies.map((b) => b.prompt)).toEqual([at(10), at(11)]);
    });

    it("keeps open-loop latencies inside the phase window: from the schedule, never from an absolute clock", async () => {
        const { url, server } = await recordingServer();
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const p = await runLoadPhase(client, { ...BASE, concurrency: 1, requests: 6, rate: 500, progress: recorder() });
        await client.close();
        for (const s of p.samples) {
            expect(s.ttftMs ?? 0).toBeLessThanOrEqual(s.e2eMs);
            expect(s.scheduledMs + s.e2eMs).toBeLessThanOrEqual(p.elapsedMs + 1);
        }
        expect(p.scheduleLag?.max ?? Infinity).toBeLessThanOrEqual(p.elapsedMs);
        expect(p.latency?.max ?? Infinity).toBeLessThanOrEqual(p.elapsedMs + 1);
    });

    it("drives the progress bar by count, or by seconds for a timed phase", async () => {
        const { url, server } = await recordingServer();
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const counted = recorder();
        await runLoadPhase(client, { ...BASE, concurrency: 1, requests: 3, progress: counted });
        expect(counted.calls).toEqual(["start load concurrent 3", "update 1", "update 2", "update 3", "stop"]);
        const timed = recorder();
        await runLoadPhase(client, { ...BASE, concurrency: 1, requests: null, durationMs: 1500, rate: 2, progress: timed });
        await client.close();
        expect(timed.calls[0]).toBe("start load concurrent 2");
        expect(timed.calls.at(-1)).toBe("stop");
        // Updates are whole seconds since the start, never past the total.
        const seconds = timed.calls.slice(1, -1).map((c) => Number(c.split(" ")[1]));
        expect(seconds).toEqual([0, 0, 1]);
    });

    it("paces closed-loop workers at i/rate with --arrival closed, with no lag recorded", async () => {
        const { url, server } = await recordingServer();
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const p = await runLoadPhase(client, { ...BASE, concurrency: 2, requests: 4, rate: 50, arrival: "closed", progress: recorder() });
        await client.close();
        expect(p.samples.map((s) => s.scheduledMs)).toEqual([0, 20, 40, 60]);
        for (const s of p.samples) expect(s.sentMs).toBeGreaterThanOrEqual(s.scheduledMs);
        expect(p.scheduleLag).toBeNull();
        expect(p.arrival).toBe("closed");
        // 4 slots of 20 ms: the window is at least the schedule.
        expect(p.elapsedMs).toBeGreaterThanOrEqual(80);
    });

    it("reports an empty phase as 0 requests and a 0 error rate", async () => {
        const { url, server } = await recordingServer();
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const p = await runLoadPhase(client, { ...BASE, requests: null, durationMs: 1, rate: 0.01, progress: recorder() });
        await client.close();
        // The slot at 0 ms is inside a 1 ms phase; the next (100 s later) is not.
        expect(p.requests).toBe(1);
        const none = await withSim({}, async (sim) => {
            const c = new VerifyClient({ baseUrl: sim.url, timeoutMs: 5000 });
            const r = await runLoadPhase(c, { ...BASE, requests: 0, progress: recorder() });
            await c.close();
            return r;
        });
        expect([none.requests, none.errorRate, none.rps, none.latency, none.samples]).toEqual([0, 0, 0, null, []]);
    });

    it("groups prompts with a single shared prefix too, and pins the generated text", () => {
        const o = { promptTokens: 3, seed: 1, runId: "abc1234", sharedPrefix: { groups: 2, prefixTokens: 8 } };
        expect(phasePrompt(o, 0)).toEqual({ prompt: "Shared abc1234 context 0: my find from through\nRequest abc1234-0: hand", group: 0 });
        expect(phasePrompt(o, 1)).toEqual({ prompt: "Shared abc1234 context 1: on end part found\nRequest abc1234-1: an", group: 1 });
        expect(phasePrompt({ ...o, sharedPrefix: { groups: 1, prefixTokens: 6 } }, 5)).toEqual({ prompt: "Shared abc1234 context 0: my find\nRequest abc1234-5: know", group: 0 });
    });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

describe("giving up and error samples", () => {
    it("stops after max(10, 2 x concurrency) consecutive transport failures", async () => {
        const client = new VerifyClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 5000 });
        const wide = await runLoadPhase(client, { ...BASE, concurrency: 8, requests: 200, progress: recorder() });
        const narrow = await runLoadPhase(client, { ...BASE, concurrency: 1, requests: 200, progress: recorder() });
        await client.close();
        expect(wide.abortedReason).toBe("stopped after 16 consecutive transport failures (connection_refused)");
        expect(narrow.abortedReason).toBe("stopped after 10 consecutive transport failures (connection_refused)");
        expect(narrow.requests).toBe(10);
        expect(narrow.errors).toEqual({ connection_refused: 10 });
        expect(narrow.errorSamples).toHaveLength(1);
    });

    it("keeps at most 5 distinct error messages", async () => {
        let n = 0;
        const server = createServer((req, res) => {
            req.resume();
            req.on("end", () => res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `bad ${n++ % 7}` } })));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        servers.push(server);
        const client = new VerifyClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5000 });
        const p = await runLoadPhase(client, { ...BASE, concurrency: 1, requests: 12, progress: recorder() });
        await client.close();
        expect(p.errorSamples).toEqual(["HTTP 400: bad 0", "HTTP 400: bad 1", "HTTP 400: bad 2", "HTTP 400: bad 3", "HTTP 400: bad 4"]);
        expect([p.failed, p.errorRate, p.abortedReason]).toEqual([12, 1, null]);
    });

    it("skips the concurrent phase when the serial one lost the server", async () => {
        const client = new VerifyClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 5000 });
        const result = await runLoad(client, { model: "m", config: { ...CONFIG, serialRequests: 50 }, maxErrorRate: 0, seed: 1, runId: "r", progress: recorder() });
        await client.close();
        expect(result.concurrent).toBeNull();
        expect(result.warnings).toEqual(["concurrent phase skipped: the serial phase lost the server"]);
        expect(result.failures).toEqual([
            expect.stringMatching(/^load serial: no successful requests \(connection refused/),
            "load serial: stopped after 10 consecutive transport failures (connection_refused)",
        ]);
    });

    it("reports an error rate above --max-error-rate with the kinds and the first message", async () => {
        let n = 0;
        const server = createServer((req, res) => {
            req.resume();
            req.on("end", () => {
                if (n++ % 2 === 0) {
                    res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"busy"}}');
                    return;
                }
                res.writeHead(200, { "content-type": "text/event-stream" }).end('data: {"choices":[{"text":"a"}]}\n\ndata: [DONE]\n\n');
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        servers.push(server);
        const client = new VerifyClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5000 });
        const strict = await runLoad(client, { model: "m", config: { ...CONFIG, serialRequests: 0, concurrency: 1, requests: 4 }, maxErrorRate: 0.25, seed: 1, runId: "r", progress: recorder() });
        const tolerant = await runLoad(client, { model: "m", config: { ...CONFIG, serialRequests: 0, concurrency: 1, requests: 4 }, maxErrorRate: 0.5, seed: 1, runId: "s", progress: recorder() });
        await client.close();
        expect(strict.failures).toEqual(["load concurrent: 2 of 4 requests failed (http_5xx 2), error rate 50.0% > allowed 25.0%; first: HTTP 503: busy"]);
        expect(strict.status).toBe("fail");
        expect(tolerant.failures).toEqual([]);
        expect(tolerant.status).toBe("pass");
    });
});

describe("sleepUntil", () => {
    it("never returns before the due time, even with fractional waits", async () => {
        for (const wait of [0.3, 1.7, 5.5, 12.2]) {
            const at = performance.now() + wait;
            await sleepUntil(at, new AbortController().signal);
            expect(performance.now()).toBeGreaterThanOrEqual(at);
        }
    });

    it("returns at once when aborted", async () => {
        const stop = new AbortController();
        stop.abort();
        const at = performance.now() + 60_000;
        await sleepUntil(at, stop.signal);
        expect(performance.now()).toBeLessThan(at);
    });
});

describe("load verdicts", () => {
    async function verdict(status: number, config: Partial<LoadConfig>, maxErrorRate = 0) {
        const { url, server, bodies } = await recordingServer(status);
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const result = await runLoad(client, { model: "/mnt/models", config: { ...CONFIG, ...config }, maxErrorRate, seed: 1, runId: "r", progress: recorder() });
        await client.close();
        return { result, bodies };
    }

    it("passes a clean run: serial then concurrent, no sweep, no warnings", async () => {
        const { result, bodies } = await verdict(200, {});
        expect(result.status).toBe("pass");
        expect(result.failures).toEqual([]);
        expect(result.warnings).toEqual([]);
        expect([result.serial?.name, result.serial?.concurrency, result.serial?.requests, result.concurrent?.requests]).toEqual(["serial", 1, 1, 3]);
        expect(result.sweep).toEqual([]);
        expect(result.server).toBeNull();
        expect(bodies).toHaveLength(4);
    });

    it("fails with the first error when nothing succeeds", async () => {
        const { result } = await verdict(503, {});
        expect(result.status).toBe("fail");
        expect(result.failures).toEqual(["load serial: no successful requests (HTTP 503: no (503))", "load concurrent: no successful requests (HTTP 503: no (503))"]);
    });

    it("defaults the concurrent phase to 64 requests without --requests or --duration", async () => {
        const { result } = await verdict(200, { requests: null, serialRequests: 0, concurrency: 8 });
        expect(result.serial).toBeNull();
        expect(result.concurrent?.requests).toBe(64);
    });

    it("runs each sweep level with its own concurrency or rate", async () => {
        const byConcurrency = await verdict(200, { sweep: { kind: "concurrency", levels: [1, 3] } });
        expect(byConcurrency.result.sweep.map((s) => [s.phase.concurrency, s.phase.targetRate, s.phase.requests])).toEqual([[1, null, 3], [3, null, 3]]);
        const byRate = await verdict(200, { sweep: { kind: "rate", levels: [500, 1000] } });
        expect(byRate.result.sweep.map((s) => [s.phase.concurrency, s.phase.targetRate])).toEqual([[2, 500], [2, 1000]]);
        // Every prompt of the run is distinct: the sweeps do not reuse the main phase's indices.
        const prompts = byRate.bodies.map((b) => b.prompt);
        expect(new Set(prompts).size).toBe(prompts.length);
    });
});

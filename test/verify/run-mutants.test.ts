/**
 * runVerify's orchestration against a scripted loopback server (node:http, every request logged): which requests
 * a run makes, the server identity and effective options it reports, the skip reasons and failures when a phase
 * cannot run, and the pure helpers it is built from (isSkipped, thresholdInputs, effectiveOptions).
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { VerifyConfig } from "../../tools/verify/config";
import type { HealthResult } from "../../tools/verify/health";
import type { LoadPhaseResult, LoadResult } from "../../tools/verify/load";
import type { Progress } from "../../tools/verify/progress";
import { effectiveOptions, isSkipped, REPORT_SCHEMA, runVerify, thresholdInputs, TOOL_VERSION } from "../../tools/verify/run";
import { loadConfig, loadPhaseResult } from "./helpers";

const SILENT: Progress = { start() {}, update() {}, stop() {} };

interface Reply {
    status?: number;
    body?: unknown;
    type?: string;
}
type Route = (body: Record<string, unknown> | null, req: IncomingMessage) => Reply | Promise<Reply>;

const COMPLETION = { choices: [{ text: " Paris" }], usage: { prompt_tokens: 5, completion_tokens: 8 } };
const CHAT = { choices: [{ message: { content: "hello" } }], usage: { prompt_tokens: 30, completion_tokens: 2 } };
const SSE =
    'data: {"choices":[{"text":"a"}]}\n\ndata: {"choices":[{"text":"b"}]}\n\n' +
    'data: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2}}\n\ndata: [DONE]\n\n';
const METRICS = '# TYPE vllm:cache_config_info gauge\nvllm:cache_config_info{block_size="16",enable_prefix_caching="True"} 1.0\n';

/** A completions route answering the health probe with JSON and a streamed load request with SSE. */
const completions: Route = (body) => (body?.stream === true ? { type: "text/event-stream", body: SSE } : { body: COMPLETION });

function healthyRoutes(models: unknown = { data: [{ id: "m", max_model_len: 2048 }] }): Record<string, Route> {
    return {
        "GET /health": () => ({ body: "" }),
        "GET /v1/models": () => ({ body: models }),
        "POST /v1/completions": completions,
        "POST /v1/chat/completions": () => ({ body: CHAT }),
        "GET /metrics": () => ({ type: "text/plain", body: METRICS }),
    };
}

/** A server answering `routes` (404 otherwise) that logs "METHOD path" per request and tracks open sockets. */
async function scripted(routes: Record<string, Route>) {
    const log: string[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const key = `${req.method ?? "?"} ${req.url ?? "?"}`;
            log.push(key);
            const text = Buffer.concat(chunks).toString("utf8");
            const body = text === "" ? null : (JSON.parse(text) as Record<string, unknown>);
            const route = routes[key];
            void Promise.resolve(route === undefined ? { status: 404, body: "no such route" } : route(body, req)).then((reply) => {
                const payload = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
                res.writeHead(reply.status ?? 200, { "content-type": reply.type ?? (typeof reply.body === "string" ? "text/plain" : "application/json") });
                res.end(payload);
            });
        });
    });
    server.keepAliveTimeout = 60_000;
    server.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        log,
        openSockets: () => sockets.size,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

type Scripted = Awaited<ReturnType<typeof scripted>>;
const servers: Scripted[] = [];
afterEach(async () => {
    vi.restoreAllMocks();
    while (servers.length > 0) await servers.pop()?.close();
});
async function serve(routes: Record<string, Route>): Promise<Scripted> {
    const s = await scripted(routes);
    servers.push(s);
    return s;
}

/** A small run: one load request, a 1x2 cache workload, fixed seed, no thresholds. */
function config(baseUrl: string, overrides: Partial<VerifyConfig> = {}): VerifyConfig {
    return {
        baseUrl,
        model: null,
        expectModel: null,
        timeoutMs: 10_000,
        phases: new Set(["health", "cache", "load"]),
        blockSize: null,
        cache: { groups: 1, requestsPerGroup: 2, prefixTokens: 40, suffixTokens: 4, maxTokens: 2, minAffinity: 0 },
        load: loadConfig({ requests: 1 }),
        thresholds: {},
        seed: 7,
        ...overrides,
    };
}

const NOT_SELECTED = { status: "skip", reason: "not selected" };
const HEALTH_REQUESTS = ["GET /health", "GET /v1/models", "POST /v1/completions", "POST /v1/chat/completions"];

describe("runVerify: a health-only run", () => {
    it("reports the server identity with the served block size, and leaves cache and load unselected", async () => {
        const s = await serve(healthyRoutes());
        const before = performance.now();
        const report = await runVerify(config(s.url, { phases: new Set(["health"]) }), SILENT);
        const wall = performance.now() - before;
        expect(s.log).toEqual([...HEALTH_REQUESTS, "GET /metrics"]);
        const pkg = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { version: string };
        expect(TOOL_VERSION).toBe(pkg.version);
        expect(report.schema).toBe(REPORT_SCHEMA);
        expect(report.tool).toEqual({ name: "verify", version: pkg.version });
        expect(report.baseUrl).toBe(s.url);
        expect(report.model).toBe("m");
        expect(report.seed).toBe(7);
        expect(report.server).toEqual({ model: "m", servedModels: ["m"], maxModelLen: 2048, blockSize: 16, blockSizeSource: "server" });
        expect((report.phases.health as HealthResult).status).toBe("pass");
        expect(report.phases.cache).toEqual(NOT_SELECTED);
        expect(report.phases.load).toEqual(NOT_SELECTED);
        expect([report.thresholds, report.failures, report.warnings, report.ok, report.exitCode]).toEqual([[], [], [], true, 0]);
        expect(report.options.phases).toEqual(["health"]);
        expect(report.durationMs).toBeGreaterThanOrEqual(0);
        expect(report.durationMs).toBeLessThanOrEqual(wall);
    });

    it("does not read /metrics when --block-size is given", async () => {
        const s = await serve(healthyRoutes());
        const report = await runVerify(config(s.url, { phases: new Set(["health"]), blockSize: 64 }), SILENT);
        expect(s.log).toEqual(HEALTH_REQUESTS);
        expect(report.server).toEqual({ model: "m", servedModels: ["m"], maxModelLen: 2048, blockSize: 64, blockSizeSource: "option" });
        expect(report.ok).toBe(true);
    });

    it("reports the health failures alone when no completion succeeds, and takes the block size from max_model_len", async () => {
        const s = await serve({
            ...healthyRoutes({ data: [{ id: "m", max_model_len: 4096 }] }),
            "POST /v1/completions": () => ({ status: 500, body: "boom" }),
            "POST /v1/chat/completions": () => ({ status: 500, body: "boom" }),
        });
        const report = await runVerify(config(s.url, { phases: new Set(["health"]) }), SILENT);
        // Nothing can be served: no /metrics request for the block size either.
        expect(s.log).toEqual(HEALTH_REQUESTS);
        expect(report.failures).toEqual(["POST /v1/completions: HTTP 500: boom", "POST /v1/chat/completions: HTTP 500: boom"]);
        expect(report.server).toEqual({ model: "m", servedModels: ["m"], maxModelLen: 4096, blockSize: 256, blockSizeSource: "max_model_len" });
        expect([report.ok, report.exitCode]).toEqual([false, 1]);
        expect(report.phases.cache).toEqual(NOT_SELECTED);
    });

    it("names the refused connection as the blocker without adding a skipped-phases failure", async () => {
        const s = await serve({});
        const url = s.url;
        await s.close();
        servers.length = 0;
        const report = await runVerify(config(url, { phases: new Set(["health"]) }), SILENT);
        const health = report.phases.health as HealthResult;
        expect(health.reachable).toBe(false);
        const refused = `connection refused (connect ECONNREFUSED ${url.replace("http://", "")})`;
        // The health phase's own failures, and no "cache and load phases skipped" line for unselected phases.
        expect(report.failures).toEqual([`GET /health: ${refused}`, `GET /v1/models: ${refused}`]);
        expect(report.server).toEqual({ model: null, servedModels: [], maxModelLen: null, blockSize: 128, blockSizeSource: "default" });
    });
});

describe("runVerify: blocked cache and load phases", () => {
    it("skips both with the health phase's reason when no completion succeeded, though a model was found", async () => {
        const s = await serve({
            ...healthyRoutes(),
            "POST /v1/completions": () => ({ status: 500, body: "boom" }),
            "POST /v1/chat/completions": () => ({ status: 500, body: "boom" }),
        });
        const report = await runVerify(config(s.url), SILENT);
        const reason = "no completion request succeeded in the health phase";
        expect(report.model).toBe("m");
        expect(report.phases.cache).toEqual({ status: "skip", reason });
        expect(report.phases.load).toEqual({ status: "skip", reason });
        expect(report.failures).toEqual(["POST /v1/completions: HTTP 500: boom", "POST /v1/chat/completions: HTTP 500: boom", `cache and load phases skipped: ${reason}`]);
        // Neither the cache nor the load workload was sent, nor /metrics read.
        expect(s.log).toEqual(HEALTH_REQUESTS);
        expect(report.server.blockSizeSource).toBe("max_model_len");
    });

    it("skips both, health unselected, when /v1/models fails and no --model is given", async () => {
        const s = await serve({ ...healthyRoutes(), "GET /v1/models": () => ({ status: 404, body: "not found" }) });
        const report = await runVerify(config(s.url, { phases: new Set(["cache", "load"]) }), SILENT);
        const reason = "no model id (GET /v1/models failed: HTTP 404: not found); pass --model";
        expect(s.log).toEqual(["GET /v1/models"]);
        expect(report.phases).toEqual({ health: NOT_SELECTED, cache: { status: "skip", reason }, load: { status: "skip", reason } });
        expect(report.failures).toEqual([`cache and load phases skipped: ${reason}`]);
        expect(report.warnings).toEqual([]);
        expect(report.server).toEqual({ model: null, servedModels: [], maxModelLen: null, blockSize: 128, blockSizeSource: "default" });
    });
});

describe("runVerify: model detection without the health phase", () => {
    it("lists every served id and takes the chosen model's context length", async () => {
        const s = await serve(healthyRoutes({ data: [{ id: "a", max_model_len: 1024 }, { id: "b", max_model_len: 4096 }] }));
        const report = await runVerify(config(s.url, { phases: new Set(["load"]), model: "b" }), SILENT);
        expect(report.server).toEqual({ model: "b", servedModels: ["a", "b"], maxModelLen: 4096, blockSize: 16, blockSizeSource: "server" });
        expect(report.phases.health).toEqual(NOT_SELECTED);
        expect(report.phases.cache).toEqual(NOT_SELECTED);
        expect((report.phases.load as LoadResult).concurrent?.succeeded).toBe(1);
        expect(report.ok).toBe(true);
    });

    it("detects the first id and its context length when no --model is given", async () => {
        const s = await serve(healthyRoutes({ data: [{ id: "a", max_model_len: 1024 }, { id: "b", max_model_len: 4096 }] }));
        const report = await runVerify(config(s.url, { phases: new Set(["load"]), blockSize: 32 }), SILENT);
        expect(report.server).toEqual({ model: "a", servedModels: ["a", "b"], maxModelLen: 1024, blockSize: 32, blockSizeSource: "option" });
    });

    it("has no context length for a --model the listing does not contain", async () => {
        const s = await serve(healthyRoutes({ data: [{ id: "a", max_model_len: 1024 }] }));
        const report = await runVerify(config(s.url, { phases: new Set(["load"]), model: "zzz", blockSize: 32 }), SILENT);
        expect(report.server).toEqual({ model: "zzz", servedModels: ["a"], maxModelLen: null, blockSize: 32, blockSizeSource: "option" });
        expect(report.model).toBe("zzz");
    });
});

describe("runVerify: the client", () => {
    it("opens enough connections for the whole load concurrency at once", async () => {
        let inFlight = 0;
        let maxInFlight = 0;
        let arrived = 0;
        let open: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
            open = resolve;
        });
        // Fallback so a starved client fails the assertion instead of the timeout.
        const fallback = setTimeout(() => open(), 2_000);
        const s = await serve({
            ...healthyRoutes(),
            "POST /v1/completions": async (body) => {
                if (body?.stream !== true) return { body: COMPLETION };
                inFlight += 1;
                maxInFlight = Math.max(maxInFlight, inFlight);
                if (++arrived >= 3) open();
                await gate;
                inFlight -= 1;
                return { type: "text/event-stream", body: SSE };
            },
        });
        try {
            const cfg = config(s.url, { phases: new Set(["load"]), blockSize: 16 });
            const report = await runVerify({ ...cfg, load: { ...cfg.load, concurrency: 3, requests: 3 } }, SILENT);
            expect(maxInFlight).toBe(3);
            expect((report.phases.load as LoadResult).concurrent?.succeeded).toBe(3);
        } finally {
            clearTimeout(fallback);
        }
    });

    it("closes its connections before returning", async () => {
        const s = await serve(healthyRoutes());
        await runVerify(config(s.url, { phases: new Set(["health"]) }), SILENT);
        const deadline = performance.now() + 2_000;
        while (s.openSockets() > 0 && performance.now() < deadline) await sleep(10);
        expect(s.openSockets()).toBe(0);
    });
});

describe("runVerify: seed and an empty selection", () => {
    it("draws a seed from Math.random when none is given", async () => {
        vi.spyOn(Math, "random").mockReturnValue(0.5);
        const report = await runVerify(config("http://127.0.0.1:9", { phases: new Set(), seed: null }), SILENT);
        expect(report.seed).toBe(Math.floor(0.5 * 0x7fffffff));
        expect(report.seed).toBe(1073741823);
    });

    it("keeps a given seed, zero included", async () => {
        vi.spyOn(Math, "random").mockReturnValue(0.5);
        expect((await runVerify(config("http://127.0.0.1:9", { phases: new Set(), seed: 42 }), SILENT)).seed).toBe(42);
        expect((await runVerify(config("http://127.0.0.1:9", { phases: new Set(), seed: 0 }), SILENT)).seed).toBe(0);
    });

    it("sends nothing when no phase is selected", async () => {
        const s = await serve(healthyRoutes());
        const report = await runVerify(config(s.url, { phases: new Set() }), SILENT);
        expect(s.log).toEqual([]);
        expect(report.model).toBeNull();
        expect(report.phases).toEqual({ health: NOT_SELECTED, cache: NOT_SELECTED, load: NOT_SELECTED });
        expect(report.server).toEqual({ model: null, servedModels: [], maxModelLen: null, blockSize: 128, blockSizeSource: "default" });
        expect([report.failures, report.warnings, report.ok]).toEqual([[], [], true]);
        expect(report.options.phases).toEqual([]);
    });
});

describe("effectiveOptions", () => {
    it("copies every option and lists the selected phases in run order", () => {
        const cfg = config("http://x", { phases: new Set(["load", "health"]), model: "m", thresholds: { maxP50Ms: 5 } });
        const { phases: _phases, ...rest } = cfg;
        expect(effectiveOptions(cfg)).toEqual({ ...rest, phases: ["health", "load"] });
        expect(effectiveOptions(config("http://x", { phases: new Set(["cache"]) })).phases).toEqual(["cache"]);
        expect(effectiveOptions(config("http://x")).phases).toEqual(["health", "cache", "load"]);
    });
});

describe("isSkipped", () => {
    it("needs both the skip status and a reason", () => {
        expect(isSkipped({ status: "skip", reason: "not selected" })).toBe(true);
        expect(isSkipped({ status: "pass", reason: "x" } as object)).toBe(false);
        expect(isSkipped({ status: "skip" } as object)).toBe(false);
        expect(isSkipped({ reason: "x" } as object)).toBe(false);
        expect(isSkipped({ status: "fail", failures: [] } as object)).toBe(false);
    });
});

const phase = loadPhaseResult;

const loadOf = (serial: LoadPhaseResult | null, concurrent: LoadPhaseResult | null): LoadResult => ({ status: "pass", serial, concurrent, sweep: [], server: null, failures: [], warnings: [] });
const SKIP = { status: "skip" as const, reason: "not selected" };

describe("thresholdInputs edges", () => {
    it("takes every figure of a phase that succeeded", () => {
        const inputs = thresholdInputs(SKIP, loadOf(null, phase({ goodput: { slo: { e2eMs: 10 }, good: 8, share: 0.8, rps: 8 } })));
        expect(inputs).toEqual({ cachedRatio: null, p50Ms: 5, p99Ms: 9, ttftP50Ms: 2, errorRate: 0, rps: 10, goodput: 0.8 });
    });

    it("measures no latency, throughput or goodput when nothing succeeded", () => {
        const dead = phase({ requests: 4, succeeded: 0, failed: 4, rps: 0, latency: null, ttft: null, goodput: { slo: { e2eMs: 10 }, good: 0, share: 0, rps: 0 } });
        expect(thresholdInputs(SKIP, loadOf(null, dead))).toEqual({ cachedRatio: null, p50Ms: null, p99Ms: null, ttftP50Ms: null, errorRate: 1, rps: null, goodput: null });
    });

    it("tolerates a phase without latency or TTFT summaries", () => {
        const inputs = thresholdInputs(SKIP, loadOf(null, phase({ latency: null, ttft: null })));
        expect(inputs).toEqual({ cachedRatio: null, p50Ms: null, p99Ms: null, ttftP50Ms: null, errorRate: 0, rps: 10, goodput: null });
    });

    it("has no error rate when no load request was sent", () => {
        expect(thresholdInputs(SKIP, loadOf(null, null))).toEqual({ cachedRatio: null, p50Ms: null, p99Ms: null, ttftP50Ms: null, errorRate: null, rps: null, goodput: null });
        const empty = phase({ requests: 0, succeeded: 0, failed: 0, rps: 0, latency: null, ttft: null });
        expect(thresholdInputs(SKIP, loadOf(empty, empty)).errorRate).toBeNull();
    });

    it("falls back to the serial phase for latency", () => {
        const serial = phase({ name: "serial", latency: { count: 10, min: 1, mean: 3, p50: 3, p90: 4, p99: 4.5, max: 5 } });
        expect(thresholdInputs(SKIP, loadOf(serial, null))).toMatchObject({ p50Ms: 3, p99Ms: 4.5, errorRate: 0 });
    });
});

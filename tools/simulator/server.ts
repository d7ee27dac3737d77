import { setMaxListeners } from "node:events";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { renderMetrics } from "./metrics";
import { resolveOptions, type SimulatorOptions } from "./options";
import { Replica } from "./replica";
import { Router } from "./router";
import type { CacheLookup } from "./prefixCache";
import { generate, parseRequest, RequestError, type Api, type ParsedRequest } from "./request";
import { gatewayRefusal } from "./gatewayAuth";
import { seededRandom } from "../verify/workload";

export interface ReplicaStats {
    replica: number;
    requests: number;
    promptTokens: number;
    cachedTokens: number;
    cachedBlocks: number;
    evictions: number;
}

export interface SimulatorHandle {
    /** Base URL including basePath, no trailing slash: what `verify --url` takes. */
    url: string;
    port: number;
    options: SimulatorOptions;
    replicaStats(): ReplicaStats[];
    close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const OUTPUT_WORDS = [" The", " prefix", " cache", " keeps", " shared", " blocks", " warm", " across", " requests", "."];


/** Time before the first token: the fixed cost plus prefill of the prompt tokens the cache did not have. */
export function prefillDelayMs(o: Pick<SimulatorOptions, "baseLatencyMs" | "prefillMsPerToken">, promptTokens: number, cachedTokens: number): number {
    return o.baseLatencyMs + o.prefillMsPerToken * (promptTokens - cachedTokens);
}

/** Resolves true after ms, false if aborted first; no timer at all for 0 so the zero-latency mode stays cheap. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    if (ms <= 0) return true;
    try {
        await sleep(ms, undefined, { signal });
        return true;
    } catch {
        return false;
    }
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
    const body = JSON.stringify(payload);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
}

function sendError(res: http.ServerResponse, status: number, type: string, message: string): void {
    sendJson(res, status, { error: { message, type, param: null, code: status } });
}

/**
 * What vLLM's FastAPI app answers for a path it has no route for, or a route called with another method (`allow`
 * set): Starlette raises its own HTTPException, which vLLM's handler (registered for FastAPI's subclass) does not
 * catch, so FastAPI's default handler answers {"detail": ...} (405 with an Allow header).
 */
function refuseRoute(res: http.ServerResponse, allow: string | null): void {
    const body = JSON.stringify({ detail: allow === null ? "Not Found" : "Method Not Allowed" });
    const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
    if (allow !== null) headers.allow = allow;
    res.writeHead(allow === null ? 404 : 405, headers);
    res.end(body);
}

function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
                reject(new RequestError(413, "BadRequestError", "request body too large"));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

export async function startSimulator(partial: Partial<SimulatorOptions> = {}): Promise<SimulatorHandle> {
    const options = resolveOptions(partial);
    const replicas = Array.from({ length: options.replicas }, (_, i) => new Replica(i, options.blockSize, options.capacityBlocks, options.maxNumSeqs));
    const router = new Router(replicas, options.routing, { prefix: options.prefixWeight, load: options.loadWeight });
    // Deterministic so injected failures are reproducible across runs.
    const random = seededRandom(options.seed);
    const closing = new AbortController();
    // Every in-flight request listens for shutdown; hundreds at once are expected, not a leak.
    setMaxListeners(0, closing.signal);
    let sequence = 0;

    async function serveInference(api: Api, req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
        const startedAt = performance.now();
        let parsed: ParsedRequest;
        try {
            const raw = await readBody(req);
            let body: unknown;
            try {
                body = JSON.parse(raw);
            } catch {
                throw new RequestError(400, "BadRequestError", "request body is not valid JSON");
            }
            parsed = parseRequest(api, body, options.model, options.maxModelLen);
        } catch (err) {
            if (err instanceof RequestError) sendError(res, err.status, err.type, err.message);
            else sendError(res, 500, "InternalServerError", String(err));
            return;
        }
        if (!(await pause(options.slowMs, signal))) return;
        if (options.errorRate > 0 && random() < options.errorRate) {
            sendError(res, options.errorStatus, "InternalServerError", "injected failure (simulator --error-rate)");
            return;
        }
        // The whole request goes to one replica, routed on its first prompt, and waits for room in its batch.
        const replica = router.pick(parsed.prompts[0]);
        const slot = await replica.schedule(parsed.prompts.length * parsed.n, signal);
        if (slot === null) return;
        const queuedAt = performance.now();
        const lookups = parsed.prompts.map((tokens) => replica.prefill(tokens));
        let timing: { firstTokenAt: number; lastTokenAt: number; outputTokens: number; steps: number } | null = null;
        try {
            timing = await respond(parsed, lookups, replica, res, signal);
        } finally {
            const now = performance.now();
            replica.release(
                slot.seqs,
                timing === null
                    ? null
                    : {
                          promptTokens: lookups.reduce((a, l) => a + l.promptTokens, 0),
                          outputTokens: timing.outputTokens,
                          queueSeconds: (queuedAt - startedAt) / 1000,
                          ttftSeconds: (timing.firstTokenAt - startedAt) / 1000,
                          e2eSeconds: (now - startedAt) / 1000,
                          tpotSeconds: timing.steps > 1 ? (timing.lastTokenAt - timing.firstTokenAt) / 1000 / (timing.steps - 1) : null,
                      },
            );
        }
    }

    /** One decode step: slower the more sequences share the batch. */
    const stepMs = (replica: Replica) => options.decodeMsPerToken + options.batchMsPerSeq * Math.max(0, replica.counters.running - 1);

    /**
     * Writes the response: prefill (uncached tokens), then one decode step per token, all choices in lockstep.
     * Resolves to when the first and last tokens went out, or null if the client went away first.
     */
    async function respond(
        p: ParsedRequest,
        lookups: readonly CacheLookup[],
        replica: Replica,
        res: http.ServerResponse,
        signal: AbortSignal,
    ): Promise<{ firstTokenAt: number; lastTokenAt: number; outputTokens: number; steps: number } | null> {
        const id = `${p.api === "chat" ? "chatcmpl" : "cmpl"}-sim-${++sequence}`;
        const created = Math.floor(Date.now() / 1000);
        // Choice index = prompt index * n + j, as vLLM numbers the choices of a batched request.
        const eosAfter = p.ignoreEos ? null : options.answerTokens;
        const choices = lookups.flatMap((_, prompt) => Array.from({ length: p.n }, () => generate(OUTPUT_WORDS, p.maxTokens[prompt] ?? 0, p.stop, eosAfter)));
        const steps = Math.max(...choices.map((c) => c.pieces.length));
        const promptTokens = lookups.reduce((a, l) => a + l.promptTokens, 0);
        const cachedTokens = lookups.reduce((a, l) => a + l.cachedTokens, 0);
        const outputTokens = choices.reduce((a, c) => a + c.pieces.length, 0);
        const usage = {
            prompt_tokens: promptTokens,
            total_tokens: promptTokens + outputTokens,
            completion_tokens: outputTokens,
            // vLLM adds the details only `if self.enable_prompt_tokens_details and num_cached_tokens`.
            prompt_tokens_details: options.reportCachedTokens && cachedTokens > 0 ? { cached_tokens: cachedTokens } : null,
        };
        const prefillMs = prefillDelayMs(options, promptTokens, cachedTokens);
        if (!(await pause(prefillMs, signal))) return null;
        const object = p.api === "chat" ? (p.stream ? "chat.completion.chunk" : "chat.completion") : "text_completion";

        if (!p.stream) {
            for (let i = 0; i < steps; i++) if (!(await pause(stepMs(replica), signal))) return null;
            const sentAt = performance.now();
            if (options.malformed) {
                res.writeHead(200, { "content-type": "application/json" });
                res.end(`{"id":"${id}","object":"text_completion","choices":[{"text":"${choices[0]?.pieces[0] ?? ""}`);
                return { firstTokenAt: sentAt, lastTokenAt: sentAt, outputTokens, steps };
            }
            const body = choices.map((c, index) => {
                const text = c.pieces.join("");
                const end = { logprobs: null, finish_reason: c.finishReason, stop_reason: c.stopReason };
                return p.api === "chat" ? { index, message: { role: "assistant", content: text }, ...end } : { index, text, ...end };
            });
            sendJson(res, 200, { id, object, created, model: options.model, choices: body, usage });
            return { firstTokenAt: sentAt, lastTokenAt: sentAt, outputTokens, steps };
        }

        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
        // continuous_usage_stats: every chunk carries the counts so far for its choice's prompt, without cached tokens.
        const running = (index: number, completionTokens: number) => {
            if (!p.continuousUsage) return {};
            const prompt = lookups[Math.floor(index / p.n)]?.promptTokens ?? 0;
            return { usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens } };
        };
        const stepFrames = (i: number) => {
            let out = "";
            choices.forEach((c, index) => {
                if (i >= c.pieces.length) return;
                const last = i === c.pieces.length - 1;
                const end = { logprobs: null, finish_reason: last ? c.finishReason : null, stop_reason: last ? c.stopReason : null };
                const choice = p.api === "chat" ? { index, delta: { content: c.pieces[i] }, ...end } : { index, text: c.pieces[i], ...end };
                out += frame({ id, object, created, model: options.model, choices: [choice], ...running(index, i + 1) });
            });
            return out;
        };
        const head =
            p.api === "chat"
                ? choices
                      .map((_, index) => frame({ id, object, created, model: options.model, choices: [{ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }], ...running(index, 0) }))
                      .join("")
                : "";
        // The final usage chunk is dumped with exclude_none: no prompt_tokens_details key when nothing was cached.
        const { prompt_tokens_details: details, ...counts } = usage;
        const finalUsage = details === null ? counts : usage;
        const tail = (p.includeUsage ? frame({ id, object, created, model: options.model, choices: [], usage: finalUsage }) : "") + "data: [DONE]\n\n";

        const firstAt = performance.now();
        if (options.malformed) {
            res.end(`${head}data: {"id":"${id}","choices":[{"text":\n\ndata: [DONE]\n\n`);
            return { firstTokenAt: firstAt, lastTokenAt: firstAt, outputTokens, steps };
        }
        if (stepMs(replica) <= 0 && options.batchMsPerSeq <= 0) {
            // One write for the whole stream: at zero latency the syscall count is the simulator's only cost.
            let body = head;
            for (let i = 0; i < steps; i++) body += stepFrames(i);
            res.end(body + tail);
            return { firstTokenAt: firstAt, lastTokenAt: firstAt, outputTokens, steps };
        }
        res.write(head + stepFrames(0));
        let lastAt = firstAt;
        for (let i = 1; i < steps; i++) {
            if (!(await pause(stepMs(replica), signal))) return null;
            res.write(stepFrames(i));
            lastAt = performance.now();
        }
        res.end(tail);
        return { firstTokenAt: firstAt, lastTokenAt: lastAt, outputTokens, steps };
    }

    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
        const perRequest = new AbortController();
        const abort = () => perRequest.abort();
        closing.signal.addEventListener("abort", abort, { once: true });
        res.on("close", () => {
            closing.signal.removeEventListener("abort", abort);
            if (!res.writableFinished) perRequest.abort();
        });
        const refused = gatewayRefusal(options.token, req.headers.authorization);
        if (refused) {
            sendError(res, refused.status, "Unauthorized", refused.message);
            return;
        }
        route(req, res, perRequest.signal).catch((err: unknown) => {
            if (!res.headersSent) sendError(res, 500, "InternalServerError", String(err));
            else res.destroy();
        });
    };
    const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
    server.keepAliveTimeout = 30_000;

    /** vLLM's routes: the one method each answers (null: /metrics, prometheus_client's ASGI app mounted there, any). */
    type Serve = (req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal) => Promise<void> | void;
    const routes: Readonly<Record<string, { method: string | null; serve: Serve }>> = {
        "/health": {
            method: "GET",
            serve: (_req, res) => {
                res.writeHead(options.healthStatus, { "content-length": 0 });
                res.end();
            },
        },
        "/v1/models": {
            method: "GET",
            serve: (_req, res) =>
                sendJson(res, 200, {
                    object: "list",
                    data: [
                        {
                            id: options.model,
                            object: "model",
                            created: Math.floor(Date.now() / 1000),
                            owned_by: "vllm",
                            root: options.model,
                            parent: null,
                            max_model_len: options.maxModelLen,
                        },
                    ],
                }),
        },
        "/metrics": {
            method: null,
            serve: (_req, res) => {
                if (!options.metrics) {
                    sendError(res, 404, "NotFoundError", "metrics are not exposed here");
                    return;
                }
                res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
                res.end(renderMetrics(replicas, options));
            },
        },
        "/v1/completions": { method: "POST", serve: (req, res, signal) => serveInference("completions", req, res, signal) },
        "/v1/chat/completions": { method: "POST", serve: (req, res, signal) => serveInference("chat", req, res, signal) },
    };

    async function route(req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
        const pathname = new URL(req.url ?? "/", "http://simulator").pathname;
        let path = pathname;
        if (options.basePath !== "") {
            if (pathname !== options.basePath && !pathname.startsWith(`${options.basePath}/`)) {
                sendError(res, 404, "NotFoundError", `no route for ${pathname}`);
                return;
            }
            path = pathname.slice(options.basePath.length) || "/";
        }
        const method = req.method ?? "GET";
        const r = Object.hasOwn(routes, path) ? routes[path] : undefined;
        if (r === undefined) refuseRoute(res, null);
        else if (r.method !== null && r.method !== method) refuseRoute(res, r.method);
        else await r.serve(req, res, signal);
    }

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host, () => {
            server.off("error", reject);
            resolve();
        });
    });
    const port = (server.address() as AddressInfo).port;
    const hostForUrl = options.host.includes(":") ? `[${options.host}]` : options.host;

    return {
        url: `${options.tls ? "https" : "http"}://${hostForUrl}:${port}${options.basePath}`,
        port,
        options,
        replicaStats: () =>
            replicas.map((r) => {
                const s = r.cache.stats();
                return { replica: r.index, requests: s.requests, promptTokens: s.queries, cachedTokens: s.hits, cachedBlocks: s.blocks, evictions: s.evictions };
            }),
        close: () =>
            new Promise<void>((resolve) => {
                closing.abort();
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

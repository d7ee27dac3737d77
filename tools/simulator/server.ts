import { setMaxListeners } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { renderMetrics } from "./metrics";
import { resolveOptions, type SimulatorOptions } from "./options";
import { Replica } from "./replica";
import { Router } from "./router";
import { renderChat, tokenize, type ChatMessage } from "./tokenizer";
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

type Api = "completions" | "chat";

interface ParsedRequest {
    api: Api;
    tokens: number[];
    maxTokens: number;
    stream: boolean;
    includeUsage: boolean;
}

class RequestError extends Error {
    constructor(
        readonly status: number,
        readonly type: string,
        message: string,
    ) {
        super(message);
    }
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_TOKENS = 16;
const OUTPUT_WORDS = [" The", " prefix", " cache", " keeps", " shared", " blocks", " warm", " across", " requests", "."];


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

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function messageText(content: unknown): string {
    if (typeof content === "string") return content;
    if (Array.isArray(content)) {
        return content
            .map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : ""))
            .join("");
    }
    throw new RequestError(400, "BadRequestError", "message content must be a string or a list of text parts");
}

function parseBody(api: Api, body: unknown, options: SimulatorOptions): ParsedRequest {
    if (!isRecord(body)) throw new RequestError(400, "BadRequestError", "request body must be a JSON object");
    if (body.model !== undefined && body.model !== options.model) {
        throw new RequestError(404, "NotFoundError", `The model \`${String(body.model)}\` does not exist.`);
    }
    let text: string;
    if (api === "completions") {
        const prompt = Array.isArray(body.prompt) && body.prompt.length === 1 ? body.prompt[0] : body.prompt;
        if (typeof prompt !== "string") throw new RequestError(400, "BadRequestError", "prompt must be a string");
        text = prompt;
    } else {
        if (!Array.isArray(body.messages) || body.messages.length === 0) {
            throw new RequestError(400, "BadRequestError", "messages must be a non-empty list");
        }
        const messages: ChatMessage[] = body.messages.map((m): ChatMessage => {
            if (!isRecord(m) || typeof m.role !== "string") throw new RequestError(400, "BadRequestError", "each message needs a role");
            return { role: m.role, content: messageText(m.content) };
        });
        text = renderChat(messages);
    }
    const tokens = tokenize(text);
    if (tokens.length === 0) throw new RequestError(400, "BadRequestError", "prompt must not be empty");
    const rawMax = body.max_tokens ?? body.max_completion_tokens ?? DEFAULT_MAX_TOKENS;
    if (typeof rawMax !== "number" || !Number.isInteger(rawMax) || rawMax < 1) {
        throw new RequestError(400, "BadRequestError", "max_tokens must be an integer >= 1");
    }
    if (tokens.length + rawMax > options.maxModelLen) {
        throw new RequestError(
            400,
            "BadRequestError",
            `This model's maximum context length is ${options.maxModelLen} tokens. However, you requested ${tokens.length + rawMax} tokens ` +
                `(${tokens.length} in the messages, ${rawMax} in the completion). Please reduce the length of the messages or completion.`,
        );
    }
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    return {
        api,
        tokens,
        maxTokens: rawMax,
        stream: body.stream === true,
        includeUsage: streamOptions.include_usage === true,
    };
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
    const body = JSON.stringify(payload);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
}

function sendError(res: http.ServerResponse, status: number, type: string, message: string): void {
    sendJson(res, status, { error: { message, type, param: null, code: status } });
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
    const replicas = Array.from({ length: options.replicas }, (_, i) => new Replica(i, options.blockSize, options.capacityBlocks));
    const router = new Router(replicas, options.routing);
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
            parsed = parseBody(api, body, options);
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
        const replica = router.pick(parsed.tokens);
        const { promptTokens, cachedTokens } = replica.admit(parsed.tokens);
        let firstTokenAt: number | null = null;
        try {
            firstTokenAt = await generate(parsed, promptTokens, cachedTokens, res, signal);
        } finally {
            const now = performance.now();
            replica.finish(
                firstTokenAt === null
                    ? null
                    : {
                          promptTokens,
                          outputTokens: parsed.maxTokens,
                          ttftSeconds: (firstTokenAt - startedAt) / 1000,
                          e2eSeconds: (now - startedAt) / 1000,
                      },
            );
        }
    }

    /** Writes the response; resolves to the time the first token went out, or null if the client went away first. */
    async function generate(p: ParsedRequest, promptTokens: number, cachedTokens: number, res: http.ServerResponse, signal: AbortSignal): Promise<number | null> {
        const id = `${p.api === "chat" ? "chatcmpl" : "cmpl"}-sim-${++sequence}`;
        const created = Math.floor(Date.now() / 1000);
        const usage = {
            prompt_tokens: promptTokens,
            total_tokens: promptTokens + p.maxTokens,
            completion_tokens: p.maxTokens,
            prompt_tokens_details: options.reportCachedTokens ? { cached_tokens: cachedTokens } : null,
        };
        const prefillMs = options.baseLatencyMs + options.prefillMsPerToken * (promptTokens - cachedTokens);
        if (!(await pause(prefillMs, signal))) return null;
        const words = Array.from({ length: p.maxTokens }, (_, i) => OUTPUT_WORDS[i % OUTPUT_WORDS.length]);

        if (!p.stream) {
            if (!(await pause(options.decodeMsPerToken * p.maxTokens, signal))) return null;
            const sentAt = performance.now();
            if (options.malformed) {
                res.writeHead(200, { "content-type": "application/json" });
                res.end(`{"id":"${id}","object":"text_completion","choices":[{"text":"${words[0]}`);
                return sentAt;
            }
            const text = words.join("");
            const choice =
                p.api === "chat"
                    ? { index: 0, message: { role: "assistant", content: text }, logprobs: null, finish_reason: "length", stop_reason: null }
                    : { index: 0, text, logprobs: null, finish_reason: "length", stop_reason: null };
            const object = p.api === "chat" ? "chat.completion" : "text_completion";
            sendJson(res, 200, { id, object, created, model: options.model, choices: [choice], usage });
            return sentAt;
        }

        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        const object = p.api === "chat" ? "chat.completion.chunk" : "text_completion";
        const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
        const chunk = (i: number) => {
            const finish = i === p.maxTokens - 1 ? "length" : null;
            const choice =
                p.api === "chat"
                    ? { index: 0, delta: { content: words[i] }, logprobs: null, finish_reason: finish }
                    : { index: 0, text: words[i], logprobs: null, finish_reason: finish };
            return frame({ id, object, created, model: options.model, choices: [choice] });
        };
        const head = p.api === "chat" ? frame({ id, object, created, model: options.model, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] }) : "";
        const tail = (p.includeUsage ? frame({ id, object, created, model: options.model, choices: [], usage }) : "") + "data: [DONE]\n\n";

        const firstAt = performance.now();
        if (options.malformed) {
            res.end(`${head}data: {"id":"${id}","choices":[{"text":\n\ndata: [DONE]\n\n`);
            return firstAt;
        }
        if (options.decodeMsPerToken <= 0) {
            // One write for the whole stream: at zero latency the syscall count is the simulator's only cost.
            let body = head;
            for (let i = 0; i < p.maxTokens; i++) body += chunk(i);
            res.end(body + tail);
            return firstAt;
        }
        res.write(head + chunk(0));
        for (let i = 1; i < p.maxTokens; i++) {
            if (!(await pause(options.decodeMsPerToken, signal))) return null;
            res.write(chunk(i));
        }
        res.end(tail);
        return firstAt;
    }

    const server = http.createServer((req, res) => {
        const perRequest = new AbortController();
        const abort = () => perRequest.abort();
        closing.signal.addEventListener("abort", abort, { once: true });
        res.on("close", () => {
            closing.signal.removeEventListener("abort", abort);
            if (!res.writableFinished) perRequest.abort();
        });
        route(req, res, perRequest.signal).catch((err: unknown) => {
            if (!res.headersSent) sendError(res, 500, "InternalServerError", String(err));
            else res.destroy();
        });
    });
    server.keepAliveTimeout = 30_000;

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
        const key = `${req.method ?? "GET"} ${path}`;
        switch (key) {
            case "GET /health":
                res.writeHead(options.healthStatus, { "content-length": 0 });
                res.end();
                return;
            case "GET /v1/models":
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
                });
                return;
            case "GET /metrics":
                if (!options.metrics) {
                    sendError(res, 404, "NotFoundError", "metrics are not exposed here");
                    return;
                }
                res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
                res.end(renderMetrics(replicas, options.model));
                return;
            case "POST /v1/completions":
                await serveInference("completions", req, res, signal);
                return;
            case "POST /v1/chat/completions":
                await serveInference("chat", req, res, signal);
                return;
            default:
                sendError(res, 404, "NotFoundError", `no route for ${key}`);
        }
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
        url: `http://${hostForUrl}:${port}${options.basePath}`,
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

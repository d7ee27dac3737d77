import { performance } from "node:perf_hooks";
import { Agent, request, type Dispatcher } from "undici";
import { ClientAccess, authHeaders, authHint, tlsHint } from "./access";
import { SseParser, SseTooLarge } from "./sse";

/** How a request failed; load reports count errors by these. */
export type ErrorKind = "http_4xx" | "http_5xx" | "http_other" | "timeout" | "connection_refused" | "connection_error" | "malformed";

export const ERROR_KINDS: readonly ErrorKind[] = ["http_4xx", "http_5xx", "http_other", "timeout", "connection_refused", "connection_error", "malformed"];

/** Transport-level failures: the server did not answer at all. */
export function isTransportFailure(kind: ErrorKind): boolean {
    return kind === "timeout" || kind === "connection_refused" || kind === "connection_error";
}

export interface Success<T> {
    ok: true;
    status: number;
    latencyMs: number;
    value: T;
}

export interface Failure {
    ok: false;
    kind: ErrorKind;
    status: number | null;
    latencyMs: number;
    message: string;
}

export type Outcome<T> = Success<T> | Failure;

export interface Usage {
    promptTokens: number;
    completionTokens: number;
    /** null when the server does not report prompt_tokens_details (vLLM without --enable-prompt-tokens-details). */
    cachedTokens: number | null;
}

export interface StreamResult {
    /** Time to the first chunk carrying generated text; null if none did. */
    ttftMs: number | null;
    /** Gaps between consecutive chunks carrying text (vLLM bench's ITL); at most MAX_ITL_SAMPLES kept. */
    itlMs: number[];
    /** The generated text is counted, never kept: a server streaming forever must not grow the client. */
    contentChunks: number;
    usage: Usage | null;
}

/**
 * Memory bounds, whatever the server sends. A JSON body (models list, non-streamed completion) is small; a stream
 * is read event by event and only counted, so its total is bounded separately and generously; one SSE event is a
 * chunk of a few tokens. An error body is only excerpted.
 */
export const LIMITS_BYTES = {
    jsonBody: 8 * 1024 * 1024,
    stream: 64 * 1024 * 1024,
    sseEvent: 1024 * 1024,
    errorBody: 64 * 1024,
};
export const MAX_ITL_SAMPLES = 4096;

/** A response that arrived but does not have the shape an OpenAI-compatible server sends. */
export class MalformedResponse extends Error {}

export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parseUsage(raw: unknown): Usage | null {
    if (raw === null || raw === undefined) return null;
    if (!isRecord(raw) || typeof raw.prompt_tokens !== "number" || typeof raw.completion_tokens !== "number") {
        throw new MalformedResponse("usage lacks prompt_tokens/completion_tokens");
    }
    const details = raw.prompt_tokens_details;
    const cached = isRecord(details) && typeof details.cached_tokens === "number" ? details.cached_tokens : null;
    return { promptTokens: raw.prompt_tokens, completionTokens: raw.completion_tokens, cachedTokens: cached };
}

/**
 * vLLM sends usage.prompt_tokens_details only when something was cached (`if self.enable_prompt_tokens_details and
 * num_cached_tokens`, docs/UPSTREAM.md row "vLLM usage: cached tokens only when non-zero"): a miss has no count.
 * So once any response of a run carried a count, a successful response without one is a miss (0 cached tokens);
 * when none did, the server may not report them at all and the samples stay unreported (null).
 */
export function countMisses<T extends { ok: boolean; promptTokens: number | null; cachedTokens: number | null }>(samples: readonly T[]): T[] {
    if (!samples.some((s) => s.cachedTokens !== null)) return [...samples];
    return samples.map((s) => (s.ok && s.promptTokens !== null && s.cachedTokens === null ? { ...s, cachedTokens: 0 } : s));
}

export function classifyStatus(status: number): ErrorKind {
    if (status >= 400 && status < 500) return "http_4xx";
    if (status >= 500 && status < 600) return "http_5xx";
    return "http_other";
}

/** Error codes can sit on the error, its cause, or inside an AggregateError (happy-eyeballs connects). */
function errorCodes(err: unknown, depth = 0): string[] {
    if (!isRecord(err) && !(err instanceof Error)) return [];
    if (depth > 4) return [];
    const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
    const codes = typeof e.code === "string" ? [e.code] : [];
    if (e.cause !== undefined) codes.push(...errorCodes(e.cause, depth + 1));
    if (Array.isArray(e.errors)) for (const inner of e.errors) codes.push(...errorCodes(inner, depth + 1));
    return codes;
}

export function classifyError(err: unknown): { kind: ErrorKind; message: string } {
    const codes = errorCodes(err);
    const detail = err instanceof Error && err.message !== "" ? err.message : codes[0] ?? String(err);
    if (codes.includes("ECONNREFUSED")) return { kind: "connection_refused", message: `connection refused (${detail})` };
    if (codes.some((c) => c === "ETIMEDOUT" || c.startsWith("UND_ERR_") && c.endsWith("_TIMEOUT"))) {
        return { kind: "timeout", message: `timed out (${detail})` };
    }
    return { kind: "connection_error", message: `connection error (${codes[0] ?? "no code"}: ${detail})` };
}

/** Short, single-line excerpt of an error body: vLLM's {"error":{"message"}} or legacy {"message"}, else raw text. */
export function errorDetail(body: string): string {
    let message = body.trim();
    try {
        const parsed: unknown = JSON.parse(body);
        if (isRecord(parsed)) {
            const inner = isRecord(parsed.error) ? parsed.error : parsed;
            if (typeof inner.message === "string") message = inner.message;
        }
    } catch {
        // Not JSON: show the text itself.
    }
    message = message.replace(/\s+/g, " ");
    return message.length > 160 ? `${message.slice(0, 157)}...` : message;
}

export interface ClientOptions {
    /** http://<gatewayIp>/<namespace>/<service>; every request goes below it and nowhere else. */
    baseUrl: string;
    timeoutMs: number;
    /** Sockets kept open to the origin: at least the load concurrency, or requests queue inside the client. */
    connections?: number;
    /** The gateway's CA and bearer token (access.ts). */
    access?: ClientAccess;
}

/**
 * Keep-alive HTTP client for an OpenAI-compatible server. Every call is bounded by one overall deadline
 * (headers + body) and resolves to an Outcome instead of throwing, so phases can count failures by kind.
 * Redirects are never followed, so nothing but the given base URL is contacted.
 */
export class VerifyClient {
    readonly baseUrl: string;
    private readonly agent: Agent;

    constructor(private readonly options: ClientOptions) {
        this.baseUrl = options.baseUrl.replace(/\/+$/, "");
        this.agent = new Agent({
            connections: Math.max(1, options.connections ?? 8),
            keepAliveTimeout: 30_000,
            connect: { timeout: Math.min(options.timeoutMs, 10_000), ...(options.access?.ca === undefined ? {} : { ca: options.access.ca }) },
            // The AbortController deadline below is the real bound; these only keep undici from firing first.
            headersTimeout: options.timeoutMs + 1_000,
            bodyTimeout: options.timeoutMs + 1_000,
        });
    }

    url(path: string): string {
        return `${this.baseUrl}${path.startsWith("/") ? path : `/${path}`}`;
    }

    getText(path: string): Promise<Outcome<string>> {
        return this.exchange("GET", path, undefined, (res) => readCapped(res, LIMITS_BYTES.jsonBody));
    }

    getJson(path: string): Promise<Outcome<unknown>> {
        return this.exchange("GET", path, undefined, async (res) => parseJson(await readCapped(res, LIMITS_BYTES.jsonBody)));
    }

    postJson(path: string, body: unknown): Promise<Outcome<unknown>> {
        return this.exchange("POST", path, body, async (res) => parseJson(await readCapped(res, LIMITS_BYTES.jsonBody)));
    }

    /** POSTs with stream: true and reads the SSE stream to the end, timing the first generated text. */
    postStream(path: string, body: Record<string, unknown>): Promise<Outcome<StreamResult>> {
        return this.exchange("POST", path, body, (res, started) => readStream(res, started));
    }

    close(): Promise<void> {
        return this.agent.close();
    }

    private async exchange<T>(
        method: "GET" | "POST",
        path: string,
        body: unknown,
        consume: (res: Dispatcher.ResponseData, started: number) => Promise<T>,
    ): Promise<Outcome<T>> {
        const controller = new AbortController();
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
        }, this.options.timeoutMs);
        const started = performance.now();
        const failure = (kind: ErrorKind, status: number | null, message: string): Failure => ({
            ok: false,
            kind,
            status,
            latencyMs: performance.now() - started,
            message,
        });
        const timeoutFailure = () => failure("timeout", null, `timed out after ${this.options.timeoutMs} ms`);
        try {
            const res = await request(this.url(path), {
                dispatcher: this.agent,
                method,
                headers: { ...(body === undefined ? { accept: "*/*" } : { "content-type": "application/json", accept: "*/*" }), ...authHeaders(this.options.access ?? {}) },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: controller.signal,
            });
            const status = res.statusCode;
            if (status < 200 || status >= 300) {
                const text = await readCapped(res, LIMITS_BYTES.errorBody, true).catch(() => "");
                if (timedOut) return timeoutFailure();
                const detail = errorDetail(text);
                return failure(classifyStatus(status), status, `HTTP ${status}${detail === "" ? "" : `: ${detail}`}${authHint(status, this.options.access ?? {})}`);
            }
            try {
                const value = await consume(res, started);
                return { ok: true, status, latencyMs: performance.now() - started, value };
            } catch (err) {
                res.body.destroy();
                if (timedOut) return timeoutFailure();
                if (err instanceof MalformedResponse || err instanceof SseTooLarge) return failure("malformed", status, `malformed response: ${err.message}`);
                throw err;
            }
        } catch (err) {
            if (timedOut) return timeoutFailure();
            const { kind, message } = classifyError(err);
            return failure(kind, null, `${message}${tlsHint(message)}`);
        } finally {
            clearTimeout(timer);
        }
    }
}

/**
 * Reads a body up to `limit` bytes. Past it the body is dropped: as an error (malformed, too large) or, for an
 * error body whose excerpt is all that is shown, by truncating.
 */
export async function readCapped(res: Dispatcher.ResponseData, limit: number, truncate = false): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) {
            res.body.destroy();
            if (truncate) {
                chunks.push(chunk.subarray(0, chunk.length - (size - limit)));
                break;
            }
            throw new MalformedResponse(`body larger than ${limit} bytes`);
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        const excerpt = text.length > 60 ? `${text.slice(0, 57)}...` : text;
        throw new MalformedResponse(`body is not valid JSON (${JSON.stringify(excerpt)})`);
    }
}

async function readStream(res: Dispatcher.ResponseData, started: number): Promise<StreamResult> {
    const parser = new SseParser(LIMITS_BYTES.sseEvent);
    const result: StreamResult = { ttftMs: null, itlMs: [], contentChunks: 0, usage: null };
    let lastContentAt = 0;
    let bytes = 0;
    let done = false;
    const handle = (data: string) => {
        if (done) return;
        if (data === "[DONE]") {
            done = true;
            return;
        }
        const chunk = parseJson(data);
        if (!isRecord(chunk)) throw new MalformedResponse("stream chunk is not a JSON object");
        if (chunk.error !== undefined) {
            const message = isRecord(chunk.error) && typeof chunk.error.message === "string" ? chunk.error.message : JSON.stringify(chunk.error);
            throw new MalformedResponse(`error inside the stream: ${message}`);
        }
        if (!Array.isArray(chunk.choices)) throw new MalformedResponse("stream chunk has no choices array");
        for (const choice of chunk.choices) {
            if (!isRecord(choice)) throw new MalformedResponse("stream choice is not an object");
            const delta = isRecord(choice.delta) ? choice.delta.content : undefined;
            const piece = typeof choice.text === "string" ? choice.text : typeof delta === "string" ? delta : "";
            if (piece === "") continue;
            const now = performance.now();
            if (result.ttftMs === null) result.ttftMs = now - started;
            else if (result.itlMs.length < MAX_ITL_SAMPLES) result.itlMs.push(now - lastContentAt);
            lastContentAt = now;
            result.contentChunks += 1;
        }
        const usage = parseUsage(chunk.usage);
        if (usage !== null) result.usage = usage;
    };
    res.body.setEncoding("utf8");
    for await (const text of res.body as AsyncIterable<string>) {
        // Bytes as sent, not UTF-16 units: the cap is stated in bytes.
        bytes += Buffer.byteLength(text);
        if (bytes > LIMITS_BYTES.stream) throw new MalformedResponse(`stream longer than ${LIMITS_BYTES.stream} bytes`);
        for (const data of parser.push(text)) handle(data);
    }
    for (const data of parser.end()) handle(data);
    if (!done) throw new MalformedResponse("stream ended without data: [DONE]");
    return result;
}

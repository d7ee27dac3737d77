/**
 * What an OpenAI-compatible client sends, parsed the way vLLM accepts it: a completion prompt as text, token ids,
 * or a batch of either; chat messages; `n` choices per prompt; `stop` strings; max_tokens. Anything else is answered
 * with vLLM's 400/404 error body ({"error": {message, type, param, code}}).
 */
import { renderChat, tokenize, type ChatMessage } from "./tokenizer";

export type Api = "completions" | "chat";

export interface ParsedRequest {
    api: Api;
    /** One token list per prompt of the batch (chat: one). */
    prompts: number[][];
    /** Choices per prompt. */
    n: number;
    maxTokens: number;
    stop: string[];
    stream: boolean;
    includeUsage: boolean;
}

export class RequestError extends Error {
    constructor(
        readonly status: number,
        readonly type: string,
        message: string,
    ) {
        super(message);
    }
}

export const DEFAULT_MAX_TOKENS = 16;
/** Bounds that keep one request from occupying the simulator: vLLM has its own, these are the simulator's. */
export const MAX_BATCH = 64;
export const MAX_N = 16;
export const MAX_STOP = 4;

const bad = (message: string) => new RequestError(400, "BadRequestError", message);

export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isTokenIds(v: unknown): v is number[] {
    return Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === "number" && Number.isInteger(t) && t >= 0);
}

/** prompt: "text" | [ids] | ["text", ...] | [[ids], ...], as vLLM's completions endpoint takes it. */
export function parsePrompts(prompt: unknown): number[][] {
    if (typeof prompt === "string") return [tokenize(prompt)];
    if (isTokenIds(prompt)) return [prompt];
    if (Array.isArray(prompt) && prompt.length > 0 && prompt.length <= MAX_BATCH) {
        if (prompt.every((p) => typeof p === "string")) return prompt.map((p: string) => tokenize(p));
        if (prompt.every(isTokenIds)) return prompt;
    }
    throw bad(`prompt must be a string, a list of token ids, or a list of up to ${MAX_BATCH} of either`);
}

function messageText(content: unknown): string {
    if (typeof content === "string") return content;
    if (Array.isArray(content)) return content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
    throw bad("message content must be a string or a list of text parts");
}

function parseMessages(messages: unknown): number[][] {
    if (!Array.isArray(messages) || messages.length === 0) throw bad("messages must be a non-empty list");
    const parsed = messages.map((m): ChatMessage => {
        if (!isRecord(m) || typeof m.role !== "string") throw bad("each message needs a role");
        return { role: m.role, content: messageText(m.content) };
    });
    return [tokenize(renderChat(parsed))];
}

export function parseStop(stop: unknown): string[] {
    if (stop === undefined || stop === null) return [];
    const list = typeof stop === "string" ? [stop] : stop;
    if (!Array.isArray(list) || list.length > MAX_STOP || !list.every((s) => typeof s === "string" && s !== "")) {
        throw bad(`stop must be a non-empty string or a list of up to ${MAX_STOP} of them`);
    }
    return list;
}

function positiveInt(value: unknown, name: string, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) throw bad(`${name} must be an integer from 1 to ${max}`);
    return value;
}

export function parseRequest(api: Api, body: unknown, model: string, maxModelLen: number): ParsedRequest {
    if (!isRecord(body)) throw bad("request body must be a JSON object");
    if (body.model !== undefined && body.model !== model) throw new RequestError(404, "NotFoundError", `The model \`${String(body.model)}\` does not exist.`);
    const prompts = api === "completions" ? parsePrompts(body.prompt) : parseMessages(body.messages);
    if (prompts.some((p) => p.length === 0)) throw bad("prompt must not be empty");
    const maxTokens = positiveInt(body.max_tokens ?? body.max_completion_tokens ?? DEFAULT_MAX_TOKENS, "max_tokens", Number.MAX_SAFE_INTEGER);
    for (const tokens of prompts) {
        if (tokens.length + maxTokens > maxModelLen) {
            throw bad(
                `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${tokens.length + maxTokens} tokens ` +
                    `(${tokens.length} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
            );
        }
    }
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    return {
        api,
        prompts,
        n: body.n === undefined || body.n === null ? 1 : positiveInt(body.n, "n", MAX_N),
        maxTokens,
        stop: parseStop(body.stop),
        stream: body.stream === true,
        includeUsage: streamOptions.include_usage === true,
    };
}

export interface Generation {
    /** The pieces streamed, one per generated token. */
    pieces: string[];
    finishReason: "stop" | "length";
    /** The stop string that ended it, as vLLM's stop_reason; null otherwise. */
    stopReason: string | null;
}

/**
 * Generates up to maxTokens pieces of `words`, ending early at the first stop string the text reaches. As in vLLM
 * the stop string itself is not returned: the piece that completes it is cut before it.
 */
export function generate(words: readonly string[], maxTokens: number, stop: readonly string[]): Generation {
    const pieces: string[] = [];
    let text = "";
    for (let i = 0; i < maxTokens; i++) {
        const next = text + words[i % words.length];
        const hit = firstStop(next, stop, text.length);
        if (hit !== null) return { pieces: cutAt([...pieces, words[i % words.length]], hit.at), finishReason: "stop", stopReason: hit.stop };
        pieces.push(words[i % words.length]);
        text = next;
    }
    return { pieces, finishReason: "length", stopReason: null };
}

/** The pieces up to character `at` of their concatenation (a stop string may start inside an earlier piece). */
function cutAt(pieces: readonly string[], at: number): string[] {
    const kept: string[] = [];
    let length = 0;
    for (const piece of pieces) {
        if (length >= at) break;
        kept.push(piece.slice(0, at - length));
        length += piece.length;
    }
    return kept;
}

/** Earliest stop string in `text` that ends after `from` (earlier text was already checked). */
function firstStop(text: string, stop: readonly string[], from: number): { at: number; stop: string } | null {
    let best: { at: number; stop: string } | null = null;
    for (const s of stop) {
        const at = text.indexOf(s, Math.max(0, from - s.length + 1));
        if (at !== -1 && (best === null || at < best.at)) best = { at, stop: s };
    }
    return best;
}

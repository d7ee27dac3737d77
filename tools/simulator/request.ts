/**
 * What an OpenAI-compatible client sends, parsed the way vLLM v0.11.2 accepts it (docs/UPSTREAM.md, rows "vLLM
 * request"): a completion prompt as text, token ids, or a batch of either; chat messages; `n` choices per prompt;
 * `stop` strings; max_tokens with vLLM's defaults; ignore_eos; stream_options. Anything else is answered with vLLM's
 * 400/404 error body ({"error": {message, type, param, code}}).
 */
import { renderChat, tokenize, type ChatMessage } from "./tokenizer";

export type Api = "completions" | "chat";

export interface ParsedRequest {
    api: Api;
    /** One token list per prompt of the batch (chat: one). */
    prompts: number[][];
    /** Choices per prompt. */
    n: number;
    /** Token budget per prompt of the batch: vLLM's default depends on the prompt's length. */
    maxTokens: number[];
    stop: string[];
    /** false: the simulated model ends its answer (end-of-sequence) after SimulatorOptions.answerTokens tokens. */
    ignoreEos: boolean;
    stream: boolean;
    includeUsage: boolean;
    /** stream_options.continuous_usage_stats: usage (without cached tokens) on every chunk. */
    continuousUsage: boolean;
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

/** CompletionRequest.max_tokens defaults to 16; a chat request has no default (None: the rest of the context). */
export const DEFAULT_MAX_TOKENS = 16;
/** vLLM's _SAMPLING_EPS: a temperature below it is greedy sampling. */
const SAMPLING_EPS = 1e-5;
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

/**
 * The requested token budget, or null for "the rest of the context": completions take max_tokens (absent: 16,
 * null: none); chat takes `max_completion_tokens or max_tokens`, Python's `or`, so a 0 or null falls through.
 */
function requestedMaxTokens(api: Api, body: Record<string, unknown>): number | null {
    const raw = api === "completions" ? (body.max_tokens === undefined ? DEFAULT_MAX_TOKENS : body.max_tokens) : body.max_completion_tokens || body.max_tokens;
    return raw === undefined || raw === null ? null : positiveInt(raw, "max_tokens", Number.MAX_SAFE_INTEGER);
}

/** vLLM's two context checks (serving_engine._validate_input), then its default: max_model_len - prompt. */
function tokenBudget(promptTokens: number, requested: number | null, maxModelLen: number): number {
    if (promptTokens >= maxModelLen) {
        throw bad(
            `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${promptTokens} input tokens. ` +
                "Please reduce the length of the input messages.",
        );
    }
    if (requested === null) return maxModelLen - promptTokens;
    if (promptTokens + requested > maxModelLen) {
        throw bad(
            `'max_tokens' or 'max_completion_tokens' is too large: ${requested}. This model's maximum context length is ${maxModelLen} tokens ` +
                `and your request has ${promptTokens} input tokens (${requested} > ${maxModelLen} - ${promptTokens}).`,
        );
    }
    return requested;
}

/** StreamOptions: include_usage defaults to true once stream_options is given; continuous stats need include_usage. */
function streamOptionsOf(body: Record<string, unknown>): { includeUsage: boolean; continuousUsage: boolean } {
    const so = body.stream_options;
    // The raw-data validator sees {} as falsy (no error); parsed, {} is StreamOptions(include_usage=True).
    if (isRecord(so) && Object.keys(so).length > 0 && body.stream !== true) throw bad("Stream options can only be defined when `stream=True`.");
    if (!isRecord(so)) return { includeUsage: false, continuousUsage: false };
    const includeUsage = so.include_usage === undefined || so.include_usage === true;
    return { includeUsage, continuousUsage: includeUsage && so.continuous_usage_stats === true };
}

function choicesPerPrompt(body: Record<string, unknown>): number {
    const n = body.n === undefined || body.n === null ? 1 : positiveInt(body.n, "n", MAX_N);
    if (n > 1 && typeof body.temperature === "number" && body.temperature < SAMPLING_EPS) throw bad(`n must be 1 when using greedy sampling, got ${n}.`);
    return n;
}

export function parseRequest(api: Api, body: unknown, model: string, maxModelLen: number): ParsedRequest {
    if (!isRecord(body)) throw bad("request body must be a JSON object");
    if (body.model !== undefined && body.model !== model) throw new RequestError(404, "NotFoundError", `The model \`${String(body.model)}\` does not exist.`);
    const prompts = api === "completions" ? parsePrompts(body.prompt) : parseMessages(body.messages);
    if (prompts.some((p) => p.length === 0)) throw bad("prompt must not be empty");
    const requested = requestedMaxTokens(api, body);
    return {
        api,
        prompts,
        n: choicesPerPrompt(body),
        maxTokens: prompts.map((tokens) => tokenBudget(tokens.length, requested, maxModelLen)),
        stop: parseStop(body.stop),
        ignoreEos: body.ignore_eos === true,
        stream: body.stream === true,
        ...streamOptionsOf(body),
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
 * Generates up to maxTokens pieces of `words`, ending early at the first stop string the text reaches, or at the
 * simulated end-of-sequence after `eosAfter` pieces (null: ignore_eos). As in vLLM the stop string itself is not
 * returned (the piece that completes it is cut before it), and an end-of-sequence is finish_reason "stop" with no
 * stop_reason.
 */
export function generate(words: readonly string[], maxTokens: number, stop: readonly string[], eosAfter: number | null = null): Generation {
    const pieces: string[] = [];
    let text = "";
    for (let i = 0; i < maxTokens; i++) {
        if (eosAfter !== null && i >= eosAfter) return { pieces, finishReason: "stop", stopReason: null };
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

/**
 * The first stop string, in the request's order, that `text` contains past `from` (earlier text was already
 * checked), as vLLM's check_stop_strings runs after every token: list order, not position, decides a tie.
 */
function firstStop(text: string, stop: readonly string[], from: number): { at: number; stop: string } | null {
    for (const s of stop) {
        const at = text.indexOf(s, Math.max(0, from - s.length + 1));
        if (at !== -1) return { at, stop: s };
    }
    return null;
}

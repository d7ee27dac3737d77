import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
    LIMITS_BYTES,
    MAX_ITL_SAMPLES,
    VerifyClient,
    classifyError,
    classifyStatus,
    errorDetail,
    isTransportFailure,
    parseUsage,
    readCapped,
    type StreamResult,
} from "../../tools/verify/http";

/**
 * Pins VerifyClient and the helpers of tools/verify/http.ts where mutation testing found them unpinned: status and
 * error classification, error-body excerpts, timeouts, body caps and the SSE stream reader. Servers are real, on
 * loopback, built inside each test and closed after it.
 */

const servers: Server[] = [];
afterEach(async () => {
    vi.restoreAllMocks();
    for (const s of servers.splice(0)) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
    }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
    const server = createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (c: string) => (body += c));
        req.on("end", () => handler(req, res, body));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server answering every request with `status` and `body` as given. */
function answering(status: number, body: string, type = "text/plain"): Promise<string> {
    return serve((_req, res) => {
        res.writeHead(status, { "content-type": type });
        res.end(body);
    });
}

/** A server streaming `text` as an SSE body. */
function streaming(text: string): Promise<string> {
    return answering(200, text, "text/event-stream");
}

const chunk = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const DONE = "data: [DONE]\n\n";

async function stream(text: string): Promise<Awaited<ReturnType<VerifyClient["postStream"]>>> {
    const url = await streaming(text);
    const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
    try {
        return await client.postStream("/v1/completions", { stream: true });
    } finally {
        await client.close();
    }
}

async function streamOk(text: string): Promise<StreamResult> {
    const outcome = await stream(text);
    if (!outcome.ok) throw new Error(`expected success, got ${outcome.kind}: ${outcome.message}`);
    return outcome.value;
}

describe("isTransportFailure and classifyStatus", () => {
    it("counts exactly timeouts, refusals and connection errors as transport failures", () => {
        expect(isTransportFailure("timeout")).toBe(true);
        expect(isTransportFailure("connection_refused")).toBe(true);
        expect(isTransportFailure("connection_error")).toBe(true);
        expect(isTransportFailure("http_5xx")).toBe(false);
        expect(isTransportFailure("http_4xx")).toBe(false);
        expect(isTransportFailure("http_other")).toBe(false);
        expect(isTransportFailure("malformed")).toBe(false);
    });

    it("classifies the boundaries of the 4xx and 5xx ranges", () => {
        expect(classifyStatus(399)).toBe("http_other");
        expect(classifyStatus(400)).toBe("http_4xx");
        expect(classifyStatus(499)).toBe("http_4xx");
        expect(classifyStatus(500)).toBe("http_5xx");
        expect(classifyStatus(599)).toBe("http_5xx");
        expect(classifyStatus(600)).toBe("http_other");
        expect(classifyStatus(101)).toBe("http_other");
    });
});

describe("classifyError", () => {
    it("reads codes off plain objects, directly and as a cause", () => {
        expect(classifyError({ code: "ECONNREFUSED" })).toEqual({ kind: "connection_refused", message: "connection refused (ECONNREFUSED)" });
        expect(classifyError({ code: "ECONNRESET" })).toEqual({ kind: "connection_error", message: "connection error (ECONNRESET: ECONNRESET)" });
        expect(classifyError(new Error("fetch failed", { cause: { code: "ECONNREFUSED" } }))).toEqual({
            kind: "connection_refused",
            message: "connection refused (fetch failed)",
        });
        expect(classifyError(new Error("fetch failed", { cause: Object.assign(new Error("inner"), { code: "ECONNRESET" }) }))).toEqual({
            kind: "connection_error",
            message: "connection error (ECONNRESET: fetch failed)",
        });
    });

    it("values that are neither errors nor objects have no code", () => {
        expect(classifyError(null)).toEqual({ kind: "connection_error", message: "connection error (no code: null)" });
        expect(classifyError(undefined)).toEqual({ kind: "connection_error", message: "connection error (no code: undefined)" });
        expect(classifyError("boom")).toEqual({ kind: "connection_error", message: "connection error (no code: boom)" });
        expect(classifyError(42)).toEqual({ kind: "connection_error", message: "connection error (no code: 42)" });
    });

    it("an error without a code is a connection error with no code", () => {
        expect(classifyError(new Error("boom"))).toEqual({ kind: "connection_error", message: "connection error (no code: boom)" });
        expect(classifyError({})).toEqual({ kind: "connection_error", message: "connection error (no code: [object Object])" });
        expect(classifyError(Object.assign(new Error("odd"), { code: 5 }))).toEqual({ kind: "connection_error", message: "connection error (no code: odd)" });
    });

    it("an error with an empty message is described by its first code", () => {
        expect(classifyError(Object.assign(new Error(""), { code: "ECONNRESET" }))).toEqual({ kind: "connection_error", message: "connection error (ECONNRESET: ECONNRESET)" });
        expect(classifyError(Object.assign(new Error(""), { code: "ETIMEDOUT" }))).toEqual({ kind: "timeout", message: "timed out (ETIMEDOUT)" });
        expect(classifyError(new Error(""))).toEqual({ kind: "connection_error", message: "connection error (no code: Error)" });
    });

    it("recognises ETIMEDOUT and undici's UND_ERR_*_TIMEOUT codes, and only those, as timeouts", () => {
        const coded = (code: string) => Object.assign(new Error("m"), { code });
        expect(classifyError(coded("ETIMEDOUT"))).toEqual({ kind: "timeout", message: "timed out (m)" });
        expect(classifyError(coded("UND_ERR_CONNECT_TIMEOUT"))).toEqual({ kind: "timeout", message: "timed out (m)" });
        expect(classifyError(coded("UND_ERR_BODY_TIMEOUT"))).toEqual({ kind: "timeout", message: "timed out (m)" });
        expect(classifyError(coded("UND_ERR_SOCKET"))).toEqual({ kind: "connection_error", message: "connection error (UND_ERR_SOCKET: m)" });
        expect(classifyError(coded("FOO_TIMEOUT"))).toEqual({ kind: "connection_error", message: "connection error (FOO_TIMEOUT: m)" });
        expect(classifyError(coded("UND_ERR_TIMEOUTS"))).toEqual({ kind: "connection_error", message: "connection error (UND_ERR_TIMEOUTS: m)" });
    });

    it("one timeout code among others is enough", () => {
        const err = new AggregateError([Object.assign(new Error("a"), { code: "ECONNRESET" }), Object.assign(new Error("b"), { code: "ETIMEDOUT" })], "both");
        expect(classifyError(err)).toEqual({ kind: "timeout", message: "timed out (both)" });
        const refusedWins = new AggregateError([Object.assign(new Error("a"), { code: "ETIMEDOUT" }), Object.assign(new Error("b"), { code: "ECONNREFUSED" })], "x");
        expect(classifyError(refusedWins)).toEqual({ kind: "connection_refused", message: "connection refused (x)" });
    });

    it("looks four levels deep through causes and aggregates, not five", () => {
        const leaf = () => Object.assign(new Error("leaf"), { code: "ECONNREFUSED" });
        const viaCause = (depth: number): unknown => (depth === 0 ? leaf() : new Error("wrap", { cause: viaCause(depth - 1) }));
        const viaErrors = (depth: number): unknown => (depth === 0 ? leaf() : new AggregateError([viaErrors(depth - 1)], "wrap"));
        expect(classifyError(viaCause(4))).toEqual({ kind: "connection_refused", message: "connection refused (wrap)" });
        expect(classifyError(viaCause(5))).toEqual({ kind: "connection_error", message: "connection error (no code: wrap)" });
        expect(classifyError(viaErrors(4))).toEqual({ kind: "connection_refused", message: "connection refused (wrap)" });
        expect(classifyError(viaErrors(5))).toEqual({ kind: "connection_error", message: "connection error (no code: wrap)" });
    });

    it("stops on a cycle of causes", () => {
        const a = Object.assign(new Error("a"), { code: "ECONNRESET" }) as Error & { cause?: unknown };
        const b = new Error("b", { cause: a });
        a.cause = b;
        // Codes at depths 0, 2 and 4 are read, then the walk stops.
        expect(classifyError(a)).toEqual({ kind: "connection_error", message: "connection error (ECONNRESET: a)" });
    });
});

describe("errorDetail", () => {
    it("trims the body and collapses runs of whitespace", () => {
        expect(errorDetail("  upstream\n\n  down  ")).toBe("upstream down");
        expect(errorDetail('{"error":{"message":"too   many\\n\\ntokens"}}')).toBe("too many tokens");
        expect(errorDetail("")).toBe("");
    });

    it("keeps a JSON body that is not an object as text", () => {
        expect(errorDetail("null")).toBe("null");
        expect(errorDetail('"quoted"')).toBe('"quoted"');
        expect(errorDetail("[1, 2]")).toBe("[1, 2]");
        expect(errorDetail('{"error":"flat","message":7}')).toBe('{"error":"flat","message":7}');
    });

    it("keeps 160 characters whole and cuts 161 to 157 plus an ellipsis", () => {
        expect(errorDetail("a".repeat(160))).toBe("a".repeat(160));
        expect(errorDetail("b".repeat(161))).toBe(`${"b".repeat(157)}...`);
    });
});

describe("parseUsage", () => {
    it("refuses usage unless both counts are numbers", () => {
        expect(() => parseUsage({ prompt_tokens: "3", completion_tokens: 1 })).toThrow("usage lacks prompt_tokens/completion_tokens");
        expect(() => parseUsage({ prompt_tokens: 3, completion_tokens: "1" })).toThrow("usage lacks prompt_tokens/completion_tokens");
        expect(() => parseUsage({ prompt_tokens: 3 })).toThrow("usage lacks prompt_tokens/completion_tokens");
        expect(() => parseUsage(5)).toThrow("usage lacks prompt_tokens/completion_tokens");
        // An array is not a usage object, whatever properties it carries.
        expect(() => parseUsage(Object.assign([], { prompt_tokens: 1, completion_tokens: 1 }))).toThrow("usage lacks prompt_tokens/completion_tokens");
        expect(parseUsage({ prompt_tokens: 3, completion_tokens: 1 })).toEqual({ promptTokens: 3, completionTokens: 1, cachedTokens: null });
    });

    it("reads cached_tokens only when it is a number", () => {
        expect(parseUsage({ prompt_tokens: 3, completion_tokens: 1, prompt_tokens_details: { cached_tokens: "2" } })?.cachedTokens).toBeNull();
        expect(parseUsage({ prompt_tokens: 3, completion_tokens: 1, prompt_tokens_details: {} })?.cachedTokens).toBeNull();
        expect(parseUsage({ prompt_tokens: 3, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 0 } })?.cachedTokens).toBe(0);
    });
});

describe("VerifyClient URLs, methods and headers", () => {
    it("strips every trailing slash of the base URL, and nothing else", async () => {
        const client = new VerifyClient({ baseUrl: "http://127.0.0.1:9/llm/qwen///", timeoutMs: 1000 });
        expect(client.baseUrl).toBe("http://127.0.0.1:9/llm/qwen");
        expect(client.url("v1/models")).toBe("http://127.0.0.1:9/llm/qwen/v1/models");
        expect(client.url("/v1/models")).toBe("http://127.0.0.1:9/llm/qwen/v1/models");
        await client.close();
        const bare = new VerifyClient({ baseUrl: "http://127.0.0.1:9", timeoutMs: 1000 });
        expect(bare.baseUrl).toBe("http://127.0.0.1:9");
        await bare.close();
    });

    it("sends GETs without a body type and POSTs as JSON, with accept */* on both", async () => {
        const seen: { method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders; body: string }[] = [];
        const url = await serve((req, res, body) => {
            seen.push({ method: req.method, url: req.url, headers: req.headers, body });
            res.writeHead(200, { "content-type": "application/json" });
            res.end('{"ok":true}');
        });
        const client = new VerifyClient({ baseUrl: `${url}/base/`, timeoutMs: 5000 });
        expect(await client.getText("/a")).toMatchObject({ ok: true, status: 200, value: '{"ok":true}' });
        expect(await client.getJson("b")).toMatchObject({ ok: true, status: 200, value: { ok: true } });
        expect(await client.postJson("/c", { x: 1 })).toMatchObject({ ok: true, status: 200, value: { ok: true } });
        await client.close();
        expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /base/a", "GET /base/b", "POST /base/c"]);
        for (const get of seen.slice(0, 2)) {
            expect(get.headers.accept).toBe("*/*");
            expect(get.headers["content-type"]).toBeUndefined();
            expect(get.headers.authorization).toBeUndefined();
            expect(get.body).toBe("");
        }
        expect(seen[2].headers.accept).toBe("*/*");
        expect(seen[2].headers["content-type"]).toBe("application/json");
        expect(seen[2].body).toBe('{"x":1}');
    });

    it("keeps at most `connections` sockets to the origin", async () => {
        let sockets = 0;
        const url = await serve((_req, res) => res.end("ok"));
        servers[servers.length - 1].on("connection", () => (sockets += 1));
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000, connections: 1 });
        const outcomes = await Promise.all([client.getText("/1"), client.getText("/2"), client.getText("/3")]);
        await client.close();
        expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
        expect(sockets).toBe(1);
    });

    it("close() returns a promise, after which the client sends nothing", async () => {
        let requests = 0;
        const url = await serve((_req, res) => {
            requests += 1;
            res.end("ok");
        });
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        expect(await client.getText("/")).toMatchObject({ ok: true, value: "ok" });
        const closing = client.close();
        expect(closing).toBeInstanceOf(Promise);
        await closing;
        const after = await client.getText("/");
        expect(after).toMatchObject({ ok: false, kind: "connection_error", status: null, message: "connection error (UND_ERR_DESTROYED: The client is destroyed)" });
        expect(requests).toBe(1);
    });

    it("clears its deadline timer once a request is done", async () => {
        const url = await answering(200, "fine");
        const realSetTimeout = globalThis.setTimeout;
        const deadlines: unknown[] = [];
        vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
            const handle = realSetTimeout(fn, ms, ...rest);
            if (ms === 4321) deadlines.push(handle);
            return handle;
        }) as typeof setTimeout);
        const clear = vi.spyOn(globalThis, "clearTimeout");
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 4321 });
        expect(await client.getText("/")).toMatchObject({ ok: true, value: "fine" });
        expect(await client.getText("/again")).toMatchObject({ ok: true, value: "fine" });
        await client.close();
        expect(deadlines).toHaveLength(2);
        for (const d of deadlines) expect(clear).toHaveBeenCalledWith(d);
    });
});

describe("VerifyClient status handling", () => {
    it("treats 300 as a failure and 299 as a success", async () => {
        const url = await serve((req, res) => {
            res.writeHead(req.url === "/300" ? 300 : 299, { "content-type": "text/plain" });
            res.end("pick one");
        });
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        expect(await client.getText("/300")).toMatchObject({ ok: false, kind: "http_other", status: 300, message: "HTTP 300: pick one" });
        expect(await client.getText("/299")).toMatchObject({ ok: true, status: 299, value: "pick one" });
        await client.close();
    });

    it("an empty error body gives the bare status", async () => {
        const url = await answering(500, "");
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const outcome = await client.getJson("/v1/models");
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "http_5xx", status: 500, message: "HTTP 500" });
    });

    it("an error body cut off by the server still gives the status, without an excerpt", async () => {
        const url = await serve((_req, res) => {
            res.writeHead(502, { "content-type": "text/plain", "content-length": "100" });
            res.write("partial");
            res.socket?.end();
        });
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const outcome = await client.getText("/");
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "http_5xx", status: 502, message: "HTTP 502" });
    });

    it("a failure's latency is the time since the request started", async () => {
        const url = await answering(404, "no such path");
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const before = performance.now();
        const outcome = await client.getText("/nope");
        const after = performance.now();
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "http_4xx", status: 404, message: "HTTP 404: no such path" });
        expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
        expect(outcome.latencyMs).toBeLessThanOrEqual(after - before);
    });
});

describe("VerifyClient timeouts and broken bodies", () => {
    it("a server that never answers times out with the deadline in the message", async () => {
        const url = await serve(() => {
            // Never answers.
        });
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 200 });
        const outcome = await client.getText("/");
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "timeout", status: null, message: "timed out after 200 ms" });
    });

    it("an error body that stalls past the deadline is a timeout, not the status", async () => {
        const url = await serve((_req, res) => {
            res.writeHead(503, { "content-type": "text/plain" });
            res.write("overloaded, and then nothing");
        });
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 200 });
        const outcome = await client.getText("/");
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "timeout", status: null, message: "timed out after 200 ms" });
    });

    it("a success body that stalls past the deadline is a timeout", async () => {
        const url = await serve((_req, res) => {
            res.writeHead(200, { "content-type": "application/json" });
            res.write('{"data": [');
        });
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 200 });
        const outcome = await client.getJson("/v1/models");
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "timeout", status: null, message: "timed out after 200 ms" });
    });

    it("a success body cut off by the server is a connection error, not a malformed response", async () => {
        const url = await serve((_req, res) => {
            res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
            res.write('{"data": [');
            res.socket?.end();
        });
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        const outcome = await client.getJson("/v1/models");
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "connection_error", status: null, message: "connection error (UND_ERR_SOCKET: other side closed)" });
    });
});

describe("readCapped and JSON bodies", () => {
    it("accepts a body of exactly the limit and refuses one byte more", async () => {
        const url = await answering(200, "0123456789");
        const exact = await request(url);
        expect(await readCapped(exact, 10)).toBe("0123456789");
        const over = await request(url);
        await expect(readCapped(over, 9)).rejects.toThrow("body larger than 9 bytes");
    });

    it("truncates an over-long body to exactly the limit when asked to", async () => {
        const url = await answering(200, "0123456789");
        expect(await readCapped(await request(url), 4, true)).toBe("0123");
        expect(await readCapped(await request(url), 10, true)).toBe("0123456789");
    });

    it("truncates at the limit when the body arrives in several chunks", async () => {
        const url = await serve((_req, res) => {
            res.writeHead(200, { "content-type": "text/plain" });
            res.write("01234", () => setTimeout(() => res.end("56789"), 20));
        });
        expect(await readCapped(await request(url), 7, true)).toBe("0123456");
    });

    it("excerpts a body that is not JSON: 60 characters whole, longer ones cut to 57 plus an ellipsis", async () => {
        const sixty = `<html>${"x".repeat(54)}`;
        const sixtyOne = `<html>${"y".repeat(55)}`;
        const url = await serve((req, res) => {
            res.writeHead(200, { "content-type": "text/html" });
            res.end(req.url === "/60" ? sixty : req.url === "/61" ? sixtyOne : "nope");
        });
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 5000 });
        expect(await client.getJson("/short")).toMatchObject({ ok: false, kind: "malformed", status: 200, message: 'malformed response: body is not valid JSON ("nope")' });
        expect(await client.getJson("/60")).toMatchObject({ ok: false, kind: "malformed", status: 200, message: `malformed response: body is not valid JSON ("${sixty}")` });
        expect(await client.postJson("/61", {})).toMatchObject({
            ok: false,
            kind: "malformed",
            status: 200,
            message: `malformed response: body is not valid JSON ("${sixtyOne.slice(0, 57)}...")`,
        });
        await client.close();
    });
});

describe("VerifyClient SSE streams", () => {
    it("one content chunk gives a TTFT and no inter-token gaps", async () => {
        const before = performance.now();
        const value = await streamOk(chunk({ choices: [{ index: 0, text: "a" }] }) + DONE);
        const after = performance.now();
        expect(value.itlMs).toEqual([]);
        expect(value.contentChunks).toBe(1);
        expect(value.usage).toBeNull();
        expect(value.ttftMs).toBeGreaterThanOrEqual(0);
        expect(value.ttftMs).toBeLessThanOrEqual(after - before);
    });

    it("inter-token gaps are differences of arrival times", async () => {
        const before = performance.now();
        const value = await streamOk(chunk({ choices: [{ text: "a" }] }) + chunk({ choices: [{ text: "b" }] }) + chunk({ choices: [{ text: "c" }] }) + DONE);
        const after = performance.now();
        expect(value.contentChunks).toBe(3);
        expect(value.itlMs).toHaveLength(2);
        for (const gap of value.itlMs) {
            expect(gap).toBeGreaterThanOrEqual(0);
            expect(gap).toBeLessThanOrEqual(after - before);
        }
    });

    it(`keeps at most ${MAX_ITL_SAMPLES} inter-token gaps`, async () => {
        const piece = chunk({ choices: [{ text: "t" }] });
        const value = await streamOk(piece.repeat(MAX_ITL_SAMPLES + 3) + DONE);
        expect(value.contentChunks).toBe(MAX_ITL_SAMPLES + 3);
        expect(value.itlMs).toHaveLength(MAX_ITL_SAMPLES);
    });

    it("chat chunks without string content (the role chunk, null content) are not content", async () => {
        const value = await streamOk(
            chunk({ choices: [{ index: 0, delta: { role: "assistant" } }] }) +
                chunk({ choices: [{ index: 0, delta: { content: null } }] }) +
                chunk({ choices: [{ index: 0, delta: { content: "hi" } }] }) +
                chunk({ choices: [{ index: 0, delta: { content: "" }, finish_reason: "stop" }] }) +
                DONE,
        );
        expect(value.contentChunks).toBe(1);
        expect(value.itlMs).toEqual([]);
        expect(value.ttftMs).not.toBeNull();
    });

    it("a chunk without usage keeps the usage seen before it", async () => {
        const value = await streamOk(
            chunk({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } } }) +
                chunk({ choices: [{ text: "late" }] }) +
                chunk({ choices: [], usage: null }) +
                DONE,
        );
        expect(value.usage).toEqual({ promptTokens: 9, completionTokens: 2, cachedTokens: 4 });
        expect(value.contentChunks).toBe(1);
    });

    it("everything after data: [DONE] is ignored", async () => {
        const value = await streamOk(chunk({ choices: [{ text: "a" }] }) + DONE + "data: not json at all\n\n" + chunk({ choices: [{ text: "b" }] }));
        expect(value.contentChunks).toBe(1);
        expect(value.itlMs).toEqual([]);
    });

    it("a stream that ends without data: [DONE] is malformed", async () => {
        expect(await stream(chunk({ choices: [{ text: "a" }] }))).toMatchObject({
            ok: false,
            kind: "malformed",
            status: 200,
            message: "malformed response: stream ended without data: [DONE]",
        });
    });

    it("a chunk that is JSON but not an object is malformed", async () => {
        expect(await stream("data: 42\n\n" + DONE)).toMatchObject({ ok: false, kind: "malformed", status: 200, message: "malformed response: stream chunk is not a JSON object" });
        expect(await stream("data: null\n\n" + DONE)).toMatchObject({ ok: false, kind: "malformed", status: 200, message: "malformed response: stream chunk is not a JSON object" });
        expect(await stream('data: ["a"]\n\n' + DONE)).toMatchObject({ ok: false, kind: "malformed", status: 200, message: "malformed response: stream chunk is not a JSON object" });
    });

    it("a chunk that is not JSON is malformed, with an excerpt", async () => {
        expect(await stream("data: {oops\n\n" + DONE)).toMatchObject({ ok: false, kind: "malformed", status: 200, message: 'malformed response: body is not valid JSON ("{oops")' });
    });

    it("an error inside the stream is reported by its message, else as JSON", async () => {
        expect(await stream(chunk({ error: { message: "boom", code: 500 } }) + DONE)).toMatchObject({
            ok: false,
            kind: "malformed",
            status: 200,
            message: "malformed response: error inside the stream: boom",
        });
        expect(await stream(chunk({ choices: [{ text: "a" }], error: { message: "late boom" } }) + DONE)).toMatchObject({
            message: "malformed response: error inside the stream: late boom",
        });
        expect(await stream(chunk({ error: "overloaded" }) + DONE)).toMatchObject({ kind: "malformed", message: 'malformed response: error inside the stream: "overloaded"' });
        expect(await stream(chunk({ error: { code: 5 } }) + DONE)).toMatchObject({ kind: "malformed", message: 'malformed response: error inside the stream: {"code":5}' });
        expect(await stream(chunk({ error: { message: 7 } }) + DONE)).toMatchObject({ kind: "malformed", message: 'malformed response: error inside the stream: {"message":7}' });
        expect(await stream(chunk({ error: null }) + DONE)).toMatchObject({ kind: "malformed", message: "malformed response: error inside the stream: null" });
    });

    it("a chunk without a choices array, or with a choice that is not an object, is malformed", async () => {
        expect(await stream(chunk({ id: "x" }) + DONE)).toMatchObject({ ok: false, kind: "malformed", status: 200, message: "malformed response: stream chunk has no choices array" });
        expect(await stream(chunk({ choices: { text: "a" } }) + DONE)).toMatchObject({ kind: "malformed", message: "malformed response: stream chunk has no choices array" });
        expect(await stream(chunk({ choices: [5] }) + DONE)).toMatchObject({ ok: false, kind: "malformed", status: 200, message: "malformed response: stream choice is not an object" });
        expect(await stream(chunk({ choices: [{ text: "a" }, null] }) + DONE)).toMatchObject({ kind: "malformed", message: "malformed response: stream choice is not an object" });
    });

    it("counts the stream cap in bytes: multi-byte text reaches it sooner than its character count", async () => {
        const text = chunk({ choices: [{ text: "\u00e9\u00e9\u00e9\u00e9" }] }) + DONE;
        const bytes = Buffer.byteLength(text);
        expect(bytes).toBe(text.length + 4);
        const saved = LIMITS_BYTES.stream;
        try {
            LIMITS_BYTES.stream = bytes;
            expect(await stream(text)).toMatchObject({ ok: true });
            LIMITS_BYTES.stream = text.length;
            expect(await stream(text)).toMatchObject({ ok: false, kind: "malformed", message: `malformed response: stream longer than ${text.length} bytes` });
        } finally {
            LIMITS_BYTES.stream = saved;
        }
    });

    it("a stream of exactly the stream cap is read, one character more is refused", async () => {
        const text = chunk({ choices: [{ text: "a" }] }) + DONE;
        const saved = LIMITS_BYTES.stream;
        try {
            LIMITS_BYTES.stream = text.length;
            expect(await stream(text)).toMatchObject({ ok: true, value: { contentChunks: 1 } });
            LIMITS_BYTES.stream = text.length - 1;
            expect(await stream(text)).toMatchObject({ ok: false, kind: "malformed", status: 200, message: `malformed response: stream longer than ${text.length - 1} bytes` });
        } finally {
            LIMITS_BYTES.stream = saved;
        }
    });
});

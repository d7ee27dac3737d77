import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { Histogram, TTFT_BUCKETS } from "../../tools/simulator/histogram";
import { Replica } from "../../tools/simulator/replica";
import { generate, parsePrompts, parseRequest, parseStop, RequestError } from "../../tools/simulator/request";
import { eppScore, Router } from "../../tools/simulator/router";
import { resolveOptions } from "../../tools/simulator/options";
import { renderChat, tokenize } from "../../tools/simulator/tokenizer";
import { VerifyClient } from "../../tools/verify/http";
import { parseSeries } from "../../tools/verify/prom";
import { withSim } from "./helpers";

const WORDS = [" The", " prefix", " cache", " keeps", " shared", " blocks", " warm", " across", " requests", "."];

describe("requests the official OpenAI client sends", () => {
    it("takes text, token ids and batches of either as the completion prompt", () => {
        expect(parsePrompts("a b")).toEqual([tokenize("a b")]);
        expect(parsePrompts([5, 6, 7])).toEqual([[5, 6, 7]]);
        expect(parsePrompts(["a", "b c"])).toEqual([tokenize("a"), tokenize("b c")]);
        expect(parsePrompts([[1], [2, 3]])).toEqual([[1], [2, 3]]);
        for (const bad of [[], [1.5], [-1], ["a", [1]], 7, null, Array.from({ length: 65 }, () => "a")]) {
            expect(() => parsePrompts(bad)).toThrow("prompt must be a string, a list of token ids, or a list of up to 64 of either");
        }
    });

    it("stops at a stop string without returning it, as vLLM does", () => {
        expect(generate(WORDS, 5, [])).toEqual({ pieces: [" The", " prefix", " cache", " keeps", " shared"], finishReason: "length", stopReason: null });
        expect(generate(WORDS, 16, [" cache"])).toEqual({ pieces: [" The", " prefix"], finishReason: "stop", stopReason: " cache" });
        expect(generate(WORDS, 16, [" The"])).toEqual({ pieces: [], finishReason: "stop", stopReason: " The" });
        // A stop string spanning two pieces cuts inside the second.
        expect(generate(WORDS, 16, ["fix ca"])).toEqual({ pieces: [" The", " pre"], finishReason: "stop", stopReason: "fix ca" });
        // Checked after every token: the first to appear wins; within one token, the request's order (docs/UPSTREAM.md
        // row "stop strings").
        expect(generate(WORDS, 16, [" warm", "keeps"])).toEqual({ pieces: [" The", " prefix", " cache", " "], finishReason: "stop", stopReason: "keeps" });
        expect(generate(WORDS, 16, [" cache", "prefix cache"])).toEqual({ pieces: [" The", " prefix"], finishReason: "stop", stopReason: " cache" });
        expect(generate(WORDS, 16, ["prefix cache", " cache"])).toEqual({ pieces: [" The", " "], finishReason: "stop", stopReason: "prefix cache" });
        expect(generate(WORDS, 2, [" cache"])).toEqual({ pieces: [" The", " prefix"], finishReason: "length", stopReason: null });
        // End-of-sequence after eosAfter tokens: "stop" without a stop_reason; the budget still ends it first.
        expect(generate(WORDS, 5, [], 2)).toEqual({ pieces: [" The", " prefix"], finishReason: "stop", stopReason: null });
        expect(generate(WORDS, 2, [], 2)).toEqual({ pieces: [" The", " prefix"], finishReason: "length", stopReason: null });
        expect(generate(WORDS, 3, [], null).finishReason).toBe("length");
        expect(generate(WORDS, 12, [], 11).pieces).toHaveLength(11);
        expect(parseStop("x")).toEqual(["x"]);
        expect(parseStop(null)).toEqual([]);
        expect(() => parseStop(["a", "b", "c", "d", "e"])).toThrow("stop must be a non-empty string or a list of up to 4 of them");
        expect(() => parseStop("")).toThrow(RequestError);
    });

    it("answers what it cannot take with vLLM's 400 and 404", () => {
        const parse = (body: unknown) => () => parseRequest("completions", body, "m", 100);
        expect(parse({ model: "m", prompt: "a", n: 0 })).toThrow("n must be an integer from 1 to 16");
        expect(parse({ model: "m", prompt: "a", max_tokens: 0 })).toThrow("max_tokens must be an integer from 1 to");
        expect(parse({ model: "other", prompt: "a" })).toThrow("The model `other` does not exist.");
        expect(parse([])).toThrow("request body must be a JSON object");
        // docs/UPSTREAM.md row "vLLM request: context checks": the two messages of serving_engine._validate_input.
        expect(parse({ prompt: [[1], Array.from({ length: 99 }, () => 1)], max_tokens: 2 })).toThrow(
            "'max_tokens' or 'max_completion_tokens' is too large: 2. This model's maximum context length is 100 tokens and your request has 99 input tokens (2 > 100 - 99).",
        );
        expect(parse({ prompt: Array.from({ length: 100 }, () => 1), max_tokens: null })).toThrow(
            "This model's maximum context length is 100 tokens. However, your request has 100 input tokens. Please reduce the length of the input messages.",
        );
        const ok = parseRequest("completions", { prompt: [[1, 2]], n: 3, stop: ["x"], stream: true, stream_options: { include_usage: true } }, "m", 100);
        expect(ok).toEqual({ api: "completions", prompts: [[1, 2]], n: 3, maxTokens: [16], stop: ["x"], ignoreEos: false, stream: true, includeUsage: true, continuousUsage: false });
    });

    it("reads chat messages with string or text-part content, and refuses the rest with vLLM's 400", () => {
        const chat = (messages: unknown) => () => parseRequest("chat", { messages }, "m", 4096);
        const expected = tokenize(renderChat([{ role: "system", content: "be brief" }, { role: "user", content: "hi there" }]));
        expect(chat([{ role: "system", content: "be brief" }, { role: "user", content: [{ type: "text", text: "hi " }, { type: "image_url" }, "x", { text: "there" }] }])().prompts).toEqual([expected]);
        expect(chat([{ role: "user", content: "" }])().prompts).toEqual([tokenize(renderChat([{ role: "user", content: "" }]))]);
        for (const [messages, message] of [
            [[], "messages must be a non-empty list"],
            [undefined, "messages must be a non-empty list"],
            [{ role: "user" }, "messages must be a non-empty list"],
            [[null], "each message needs a role"],
            [[{ content: "x" }], "each message needs a role"],
            [[{ role: 1, content: "x" }], "each message needs a role"],
            [[{ role: "user", content: 5 }], "message content must be a string or a list of text parts"],
            [[{ role: "user" }], "message content must be a string or a list of text parts"],
        ] as const) {
            const err = (() => {
                try {
                    chat(messages)();
                } catch (e) {
                    return e as RequestError;
                }
                return null;
            })();
            expect([err?.status, err?.type, err?.message]).toEqual([400, "BadRequestError", message]);
        }
    });

    it("bounds prompts, batches, stop lists and integers exactly", () => {
        const parse = (body: Record<string, unknown>) => () => parseRequest("completions", body, "m", 100);
        // Token ids: non-negative integers, 0 included; a batch of exactly 64.
        expect(parsePrompts([0, 1])).toEqual([[0, 1]]);
        expect(() => parsePrompts([0, -1])).toThrow(RequestError);
        expect(() => parsePrompts([1, "a"])).toThrow(RequestError);
        expect(parsePrompts(Array.from({ length: 64 }, () => "a"))).toHaveLength(64);
        expect(parsePrompts(Array.from({ length: 64 }, () => [1]))).toHaveLength(64);
        // An empty prompt anywhere in a batch is refused.
        expect(parse({ prompt: "" })).toThrow("prompt must not be empty");
        expect(parse({ prompt: ["a", ""] })).toThrow("prompt must not be empty");
        // Stop: up to four non-empty strings.
        expect(parseStop(["a", "b", "c", "d"])).toHaveLength(4);
        expect(() => parseStop(["a", ""])).toThrow(RequestError);
        expect(() => parseStop(["a", 5])).toThrow(RequestError);
        expect(() => parseStop(5)).toThrow(RequestError);
        // n up to 16; max_tokens exactly filling the context is fine, one more is not.
        expect(parseRequest("completions", { prompt: [1], n: 16 }, "m", 100).n).toBe(16);
        expect(parse({ prompt: [1], n: 17 })).toThrow("n must be an integer from 1 to 16");
        expect(parse({ prompt: [1], n: "2" })).toThrow("n must be an integer from 1 to 16");
        expect(parseRequest("completions", { prompt: [1], max_tokens: 99 }, "m", 100).maxTokens).toEqual([99]);
        expect(parse({ prompt: [1], max_tokens: 100 })).toThrow("'max_tokens' or 'max_completion_tokens' is too large: 100.");
        // A greedy request with one choice, or a sampled one with several, is fine; the error is 400.
        expect(parseRequest("completions", { prompt: [1], n: 2, temperature: 0.7 }, "m", 100).n).toBe(2);
        const greedy = (() => {
            try {
                parse({ prompt: [1], n: 3, temperature: 0 })();
            } catch (e) {
                return e as RequestError;
            }
            return null;
        })();
        expect([greedy?.status, greedy?.type]).toEqual([400, "BadRequestError"]);
        const missing = (() => {
            try {
                parse({ prompt: [1], model: "x" })();
            } catch (e) {
                return e as RequestError;
            }
            return null;
        })();
        expect([missing?.status, missing?.type, missing?.message]).toEqual([404, "NotFoundError", "The model `x` does not exist."]);
        expect(() => parseRequest("completions", null, "m", 100)).toThrow("request body must be a JSON object");
        expect(() => parseRequest("completions", [1], "m", 100)).toThrow("request body must be a JSON object");
    });

    it("finds a stop string that starts in the text generated before this token", () => {
        // " pre" + "fix": the stop "efi" begins two characters before the new piece.
        expect(generate(WORDS, 8, ["efi"])).toEqual({ pieces: [" The", " pr"], finishReason: "stop", stopReason: "efi" });
        expect(generate(WORDS, 8, ["The p"])).toEqual({ pieces: [" "], finishReason: "stop", stopReason: "The p" });
    });

    it("takes max_tokens, stream_options and n with vLLM's defaults and checks", () => {
        // docs/UPSTREAM.md rows "vLLM request: max_tokens defaults", "vLLM request: stream_options", "vLLM request: greedy n".
        const parse = (api: "completions" | "chat", body: Record<string, unknown>) => parseRequest(api, { prompt: [1, 2, 3], messages: [{ role: "user", content: "hi" }], ...body }, "m", 100);
        const chatLength = parse("chat", {}).prompts[0]?.length ?? 0;
        expect(chatLength).toBeGreaterThan(0);
        // Completions: 16 when absent, the rest of the context when null.
        expect(parse("completions", {}).maxTokens).toEqual([16]);
        expect(parse("completions", { max_tokens: null }).maxTokens).toEqual([97]);
        expect(parse("completions", { max_tokens: 5, max_completion_tokens: 7 }).maxTokens).toEqual([5]);
        // Batched: the default is per prompt.
        expect(parseRequest("completions", { prompt: [[1], [1, 2, 3, 4]], max_tokens: null }, "m", 100).maxTokens).toEqual([99, 96]);
        // Chat: max_completion_tokens or max_tokens (Python `or`), else the rest of the context.
        expect(parse("chat", {}).maxTokens).toEqual([100 - chatLength]);
        expect(parse("chat", { max_tokens: 5, max_completion_tokens: 7 }).maxTokens).toEqual([7]);
        expect(parse("chat", { max_tokens: 5, max_completion_tokens: null }).maxTokens).toEqual([5]);
        expect(parse("chat", { max_tokens: 5, max_completion_tokens: 0 }).maxTokens).toEqual([5]);
        expect(() => parse("chat", { max_completion_tokens: 0, max_tokens: 0 })).toThrow("max_tokens must be an integer from 1 to");
        expect(() => parse("completions", { max_tokens: 0 })).toThrow("max_tokens must be an integer from 1 to");
        expect(() => parse("chat", { max_completion_tokens: 2.5 })).toThrow("max_tokens must be an integer from 1 to");
        // stream_options: include_usage defaults to true once given; continuous stats only with it.
        // {} is falsy for the raw-data validator but parses to StreamOptions(include_usage=True), a truthy model.
        expect(parse("completions", { stream: true, stream_options: {} })).toMatchObject({ includeUsage: true, continuousUsage: false });
        expect(parse("completions", { stream: true, stream_options: { continuous_usage_stats: true } })).toMatchObject({ includeUsage: true, continuousUsage: true });
        expect(parse("completions", { stream: true, stream_options: { include_usage: false, continuous_usage_stats: true } })).toMatchObject({ includeUsage: false, continuousUsage: false });
        expect(parse("completions", { stream: true, stream_options: { include_usage: null } })).toMatchObject({ includeUsage: false });
        expect(parse("completions", { stream: true })).toMatchObject({ includeUsage: false, continuousUsage: false, stream: true });
        expect(() => parse("completions", { stream_options: { include_usage: true } })).toThrow("Stream options can only be defined when `stream=True`.");
        expect(() => parse("completions", { stream: false, stream_options: { include_usage: true } })).toThrow(RequestError);
        expect(() => parse("completions", { stream_options: {} })).not.toThrow();
        // ignore_eos only when true.
        expect(parse("completions", { ignore_eos: true }).ignoreEos).toBe(true);
        expect(parse("completions", { ignore_eos: "yes" }).ignoreEos).toBe(false);
        // n > 1 with greedy sampling is vLLM's error; n = 1 or a sampled temperature is fine.
        expect(() => parse("completions", { n: 2, temperature: 0 })).toThrow("n must be 1 when using greedy sampling, got 2.");
        expect(() => parse("completions", { n: 2, temperature: 0.000009 })).toThrow(RequestError);
        expect(parse("completions", { n: 2, temperature: 0.00001 }).n).toBe(2);
        expect(parse("completions", { n: 1, temperature: 0 }).n).toBe(1);
        expect(parse("completions", { n: 2 }).n).toBe(2);
        expect(parse("completions", { n: null }).n).toBe(1);
    });

    it("serves batches, n choices and stop over HTTP, streamed or not", async () => {
        await withSim({}, async (sim) => {
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 5000 });
            const plain = await client.postJson("/v1/completions", { model: "/mnt/models", prompt: [[11, 12, 13], [14, 15]], n: 2, max_tokens: 3, stop: " cache" });
            expect(plain.ok && plain.value).toMatchObject({
                choices: [
                    { index: 0, text: " The prefix", finish_reason: "stop", stop_reason: " cache" },
                    { index: 1, text: " The prefix", finish_reason: "stop" },
                    { index: 2, text: " The prefix" },
                    { index: 3, text: " The prefix" },
                ],
                usage: { prompt_tokens: 5, completion_tokens: 8, total_tokens: 13 },
            });
            const stream = await client.postStream("/v1/completions", { model: "/mnt/models", prompt: [1, 2, 3], n: 2, max_tokens: 4, stream: true, stream_options: { include_usage: true } });
            expect(stream.ok && stream.value.contentChunks).toBe(8);
            // Nothing cached: vLLM sends no prompt_tokens_details at all.
            expect(stream.ok && stream.value.usage).toEqual({ promptTokens: 3, completionTokens: 8, cachedTokens: null });
            const refused = await client.postJson("/v1/completions", { model: "/mnt/models", prompt: [] });
            expect(refused).toMatchObject({ ok: false, status: 400, message: "HTTP 400: prompt must be a string, a list of token ids, or a list of up to 64 of either" });
            await client.close();
        });
    });
});

/** The JSON chunks of an SSE body, without `data: [DONE]`. */
const sseFrames = (text: string) =>
    text
        .split("\n\n")
        .filter((f) => f.startsWith("data: ") && f !== "data: [DONE]")
        .map((f) => JSON.parse(f.slice(6)) as { choices: unknown[]; usage?: unknown; object?: string; id?: string });

describe("vLLM's response shapes", () => {
    it("ends an answer at end-of-sequence unless ignore_eos, and defaults a chat's budget to the rest of the context", async () => {
        await withSim({ answerTokens: 3, maxModelLen: 64 }, async (sim) => {
            const post = (path: string, body: Record<string, unknown>) =>
                fetch(`${sim.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "/mnt/models", ...body }) }).then(
                    async (r) => (await r.json()) as { choices: { text?: string; finish_reason: string; stop_reason: unknown }[]; usage: { completion_tokens: number } },
                );
            const eos = await post("/v1/completions", { prompt: [1, 2], max_tokens: 10 });
            expect(eos.choices[0]).toMatchObject({ text: " The prefix cache", finish_reason: "stop", stop_reason: null });
            expect(eos.usage.completion_tokens).toBe(3);
            const ignored = await post("/v1/completions", { prompt: [1, 2], max_tokens: 10, ignore_eos: true });
            expect(ignored.choices[0]).toMatchObject({ finish_reason: "length", stop_reason: null });
            expect(ignored.usage.completion_tokens).toBe(10);
            // No max_tokens in a chat: up to max_model_len - prompt, here cut by length with ignore_eos.
            const chat = await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], ignore_eos: true });
            const promptTokens = (chat.usage as unknown as { prompt_tokens: number }).prompt_tokens;
            expect(chat.usage.completion_tokens).toBe(64 - promptTokens);
            expect(chat.choices[0]?.finish_reason).toBe("length");
        });
    });

    it("sends continuous usage on every chunk, and no prompt_tokens_details key when nothing was cached", async () => {
        // docs/UPSTREAM.md rows "vLLM request: stream_options", "vLLM usage: cached tokens only when non-zero".
        await withSim({}, async (sim) => {
            const stream = async (path: string, body: Record<string, unknown>) => {
                const r = await fetch(`${sim.url}${path}`, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify({ model: "/mnt/models", max_tokens: 2, ignore_eos: true, stream: true, ...body }),
                });
                return sseFrames(await r.text());
            };
            const plain = await stream("/v1/completions", { prompt: [1, 2, 3], n: 2, stream_options: { continuous_usage_stats: true } });
            expect(plain.map((f) => f.usage)).toEqual([
                { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
                { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
                { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
                { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
                // The final count sums prompts, not choices (serving_completion: sum(num_prompt_tokens)).
                { prompt_tokens: 3, total_tokens: 7, completion_tokens: 4 },
            ]);
            const chat = await stream("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], stream_options: { include_usage: true, continuous_usage_stats: true } });
            const chatPrompt = (chat[0]?.usage as { prompt_tokens: number }).prompt_tokens;
            expect(chat.map((f) => (f.usage as { completion_tokens: number }).completion_tokens)).toEqual([0, 1, 2, 2]);
            expect(chat[3]?.usage).toEqual({ prompt_tokens: chatPrompt, total_tokens: chatPrompt + 2, completion_tokens: 2 });
            // Without continuous stats only the final chunk has usage; with a cache hit it carries the details.
            const long = Array.from({ length: 300 }, (_, i) => i + 1);
            const cold = await stream("/v1/completions", { prompt: long, stream_options: { include_usage: true } });
            expect(cold.slice(0, -1).every((f) => f.usage === undefined)).toBe(true);
            expect(cold.at(-1)?.usage).toEqual({ prompt_tokens: 300, total_tokens: 302, completion_tokens: 2 });
            const warm = await stream("/v1/completions", { prompt: long, stream_options: { include_usage: true } });
            expect(warm.at(-1)?.usage).toEqual({ prompt_tokens: 300, total_tokens: 302, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 256 } });
        });
    });

    it("answers a wrong method with 405 and Allow, an unknown path with 404, as FastAPI does", async () => {
        // docs/UPSTREAM.md row "vLLM routes: 404/405 bodies".
        await withSim({}, async (sim) => {
            const get = await fetch(`${sim.url}/v1/completions`);
            expect(get.status).toBe(405);
            expect(get.headers.get("allow")).toBe("POST");
            expect(await get.json()).toEqual({ detail: "Method Not Allowed" });
            const post = await fetch(`${sim.url}/v1/models`, { method: "POST" });
            expect([post.status, post.headers.get("allow")]).toEqual([405, "GET"]);
            const unknown = await fetch(`${sim.url}/v1/embeddings`, { method: "POST" });
            expect(unknown.status).toBe(404);
            expect(unknown.headers.get("allow")).toBeNull();
            expect(await unknown.json()).toEqual({ detail: "Not Found" });
            const proto = await fetch(`${sim.url}/toString`);
            expect(proto.status).toBe(404);
            // /metrics is a mount: any method.
            const metrics = await fetch(`${sim.url}/metrics`, { method: "POST" });
            expect(metrics.status).toBe(200);
        });
    });
});

describe("vLLM's response bodies", () => {
    const post = (url: string, path: string, body: Record<string, unknown>) =>
        fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "/mnt/models", ...body }) });

    it("answers completions and chats with vLLM's ids, objects and fields, streamed or not", async () => {
        await withSim({}, async (sim) => {
            const plain = (await (await post(sim.url, "/v1/completions", { prompt: [1, 2], max_tokens: 2, ignore_eos: true })).json()) as Record<string, unknown>;
            expect(plain).toEqual({
                id: expect.stringMatching(/^cmpl-sim-\d+$/),
                object: "text_completion",
                created: expect.any(Number),
                model: "/mnt/models",
                choices: [{ index: 0, text: " The prefix", logprobs: null, finish_reason: "length", stop_reason: null }],
                usage: { prompt_tokens: 2, total_tokens: 4, completion_tokens: 2, prompt_tokens_details: null },
            });
            const chat = (await (await post(sim.url, "/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_tokens: 1, ignore_eos: true })).json()) as Record<string, unknown>;
            expect(chat).toMatchObject({
                id: expect.stringMatching(/^chatcmpl-sim-\d+$/),
                object: "chat.completion",
                choices: [{ index: 0, message: { role: "assistant", content: " The" }, logprobs: null, finish_reason: "length", stop_reason: null }],
            });
            // Ids are unique and increasing.
            const n = (id: unknown) => Number(String(id).split("-").pop());
            expect(n(chat.id)).toBe(n(plain.id) + 1);
            const frames = async (path: string, body: Record<string, unknown>) =>
                sseFrames(await (await post(sim.url, path, { ...body, stream: true, max_tokens: 1, ignore_eos: true })).text());
            const chatFrames = await frames("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] });
            expect(chatFrames.map((f) => f.object)).toEqual(["chat.completion.chunk", "chat.completion.chunk"]);
            expect(chatFrames[0]?.id).toMatch(/^chatcmpl-sim-/);
            const textFrames = await frames("/v1/completions", { prompt: [1] });
            expect(textFrames.map((f) => f.object)).toEqual(["text_completion"]);
        });
    });

    it("injects failures at the given rate only, and answers broken JSON when told to", async () => {
        await withSim({ errorRate: 1, errorStatus: 503 }, async (sim) => {
            const r = await post(sim.url, "/v1/completions", { prompt: [1], max_tokens: 1 });
            expect(r.status).toBe(503);
            expect(await r.json()).toEqual({ error: { message: "injected failure (simulator --error-rate)", type: "InternalServerError", param: null, code: 503 } });
        });
        await withSim({ errorRate: 0.5, seed: 3 }, async (sim) => {
            const statuses = await Promise.all(Array.from({ length: 40 }, () => post(sim.url, "/v1/completions", { prompt: [1], max_tokens: 1 }).then((r) => r.status)));
            const failed = statuses.filter((x) => x === 500).length;
            expect(failed).toBeGreaterThan(5);
            expect(failed).toBeLessThan(35);
        });
        await withSim({ malformed: true }, async (sim) => {
            const text = await (await post(sim.url, "/v1/completions", { prompt: [1], max_tokens: 1 })).text();
            expect(text).toMatch(/^\{"id":"cmpl-sim-\d+","object":"text_completion","choices":\[\{"text":" The$/);
        });
    });

    it("refuses a body over 16 MiB with 413, and one of exactly 16 MiB is read", async () => {
        await withSim({}, async (sim) => {
            const limit = 16 * 1024 * 1024;
            const big = await fetch(`${sim.url}/v1/completions`, { method: "POST", body: "x".repeat(limit + 1) }).catch(() => null);
            // The server answers 413 and drops the connection; either is a refusal.
            expect(big === null || big.status === 413).toBe(true);
            const exact = await fetch(`${sim.url}/v1/completions`, { method: "POST", body: " ".repeat(limit - 2) + "{}" });
            expect(exact.status).toBe(400);
            expect(((await exact.json()) as { error: { message: string } }).error.message).toBe("prompt must be a string, a list of token ids, or a list of up to 64 of either");
        });
    });
});

describe("the latency model, within wide bounds", () => {
    it("spends one decode step per token after the first, reports TPOT per request, and none for one token", async () => {
        await withSim({ decodeMsPerToken: 100 }, async (sim) => {
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 10_000 });
            const tpot = async () => {
                const res = await client.getText("/metrics");
                const series = res.ok ? parseSeries(res.value) : [];
                const get = (name: string) => series.find((x) => x.name === name)?.value ?? 0;
                return { sum: get("vllm:request_time_per_output_token_seconds_sum"), count: get("vllm:request_time_per_output_token_seconds_count") };
            };
            // Not streamed: two tokens take two decode steps before the body goes out.
            const t0 = performance.now();
            const plain = await client.postJson("/v1/completions", { model: "/mnt/models", prompt: [1], max_tokens: 2, ignore_eos: true });
            const plainMs = performance.now() - t0;
            expect(plain.ok).toBe(true);
            expect(plainMs).toBeGreaterThanOrEqual(190);
            expect(plainMs).toBeLessThan(290);
            // Streamed: three tokens, two steps between them, one TPOT sample of ~100 ms.
            const before = await tpot();
            const streamed = await client.postStream("/v1/completions", { model: "/mnt/models", prompt: [1], max_tokens: 3, ignore_eos: true, stream: true });
            expect(streamed.ok && streamed.value.itlMs.length).toBe(2);
            for (const gap of streamed.ok ? streamed.value.itlMs : []) {
                expect(gap).toBeGreaterThanOrEqual(90);
                expect(gap).toBeLessThan(190);
            }
            const after = await tpot();
            expect(after.count - before.count).toBe(1);
            expect(after.sum - before.sum).toBeGreaterThanOrEqual(0.09);
            expect(after.sum - before.sum).toBeLessThan(0.19);
            // A single token has no time per output token.
            await client.postStream("/v1/completions", { model: "/mnt/models", prompt: [1], max_tokens: 1, ignore_eos: true, stream: true });
            expect((await tpot()).count).toBe(after.count);
            await client.close();
        });
    });

    it("slows every decode step by the other sequences in the batch", async () => {
        await withSim({ decodeMsPerToken: 20, batchMsPerSeq: 50 }, async (sim) => {
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 10_000, connections: 4 });
            const body = { model: "/mnt/models", prompt: [1], max_tokens: 3, ignore_eos: true, stream: true };
            const results = await Promise.all([1, 2, 3].map(() => client.postStream("/v1/completions", body)));
            // Three running: each step takes 20 ms + 50 ms x 2 others.
            const gaps = results.flatMap((r) => (r.ok ? r.value.itlMs : []));
            expect(gaps.length).toBeGreaterThanOrEqual(4);
            const sorted = [...gaps].sort((a, b) => a - b);
            const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
            expect(median).toBeGreaterThanOrEqual(90);
            expect(median).toBeLessThan(180);
            await client.close();
        });
    });
});

describe("capacity like vLLM's", () => {
    it("runs at most max-num-seqs and queues the rest, visible in /metrics", async () => {
        await withSim({ maxNumSeqs: 1, decodeMsPerToken: 30 }, async (sim) => {
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 10_000, connections: 4 });
            const body = { model: "/mnt/models", prompt: "one two three", max_tokens: 4, stream: true };
            const inFlight = [1, 2, 3].map(() => client.postStream("/v1/completions", body));
            // Until the first finishes (>= 90 ms), one runs and two wait.
            let gauges: Record<string, number> = {};
            for (let tries = 0; tries < 50; tries++) {
                const res = await client.getText("/metrics");
                const series = res.ok ? parseSeries(res.value) : [];
                gauges = Object.fromEntries(series.filter((s) => s.name.startsWith("vllm:num_requests_")).map((s) => [s.name, s.value]));
                if (gauges["vllm:num_requests_waiting"] === 2) break;
                await new Promise((r) => setTimeout(r, 5));
            }
            expect(gauges).toEqual({ "vllm:num_requests_running": 1, "vllm:num_requests_waiting": 2 });
            const results = await Promise.all(inFlight);
            expect(results.every((r) => r.ok)).toBe(true);
            const after = await client.getText("/metrics");
            const series = after.ok ? parseSeries(after.value) : [];
            const value = (name: string, le?: string) => series.find((s) => s.name === name && (le === undefined || s.labels.le === le))?.value;
            expect(value("vllm:num_requests_waiting")).toBe(0);
            expect(value("vllm:request_queue_time_seconds_count")).toBe(3);
            expect(value("vllm:request_queue_time_seconds_bucket", "+Inf")).toBe(3);
            // Two of them waited for the first: the queue time is not zero.
            expect(value("vllm:request_queue_time_seconds_sum")).toBeGreaterThan(0);
            expect(value("vllm:request_time_per_output_token_seconds_count")).toBe(3);
            await client.close();
        });
    });

    it("frees a queued slot when its client goes away", async () => {
        const r = new Replica(0, 16, 10, 1);
        const first = await r.schedule(1, new AbortController().signal);
        expect(first).toEqual({ seqs: 1 });
        const gone = new AbortController();
        const queued = r.schedule(1, gone.signal);
        const next = r.schedule(1, new AbortController().signal);
        expect(r.waitingCount).toBe(2);
        gone.abort();
        expect(await queued).toBeNull();
        expect(r.waitingCount).toBe(1);
        r.release(1, null);
        expect(await next).toEqual({ seqs: 1 });
        expect(r.counters.running).toBe(1);
        expect(r.waitingCount).toBe(0);
    });

    it("runs an over-sized request alone at the batch size", async () => {
        const r = new Replica(0, 16, 10, 4);
        expect(await r.schedule(10, new AbortController().signal)).toEqual({ seqs: 4 });
        expect(r.counters.running).toBe(4);
        r.release(4, null);
        expect(r.counters.running).toBe(0);
    });

    it("reports KV usage as cached blocks over capacity", () => {
        const r = new Replica(0, 4, 10);
        expect(r.kvCacheUsage()).toBe(0);
        r.prefill(Array.from({ length: 13 }, (_, i) => i));
        expect(r.kvCacheUsage()).toBe(0.3);
        expect(new Replica(0, 4, 0).kvCacheUsage()).toBe(0);
    });

    it("exposes histograms with vLLM's buckets, cumulative, ending at +Inf", () => {
        const h = new Histogram([0.1, 1]);
        for (const v of [0.05, 0.1, 0.5, 3]) h.observe(v);
        expect(h.cumulative()).toEqual([
            { le: "0.1", count: 2 },
            { le: "1.0", count: 3 },
            { le: "+Inf", count: 4 },
        ]);
        expect(h.sum).toBeCloseTo(3.65, 10);
        expect(TTFT_BUCKETS).toHaveLength(22);
        expect(TTFT_BUCKETS[0]).toBe(0.001);
        expect(TTFT_BUCKETS[21]).toBe(2560);
    });

    it("exports vllm:cache_config_info with the block size, and the gauges a router reads", async () => {
        await withSim({ maxModelLen: 32768 }, async (sim) => {
            const client = new VerifyClient({ baseUrl: sim.url, timeoutMs: 5000 });
            const res = await client.getText("/metrics");
            await client.close();
            const series = res.ok ? parseSeries(res.value) : [];
            expect(series.find((s) => s.name === "vllm:cache_config_info")?.labels).toMatchObject({ block_size: "32", enable_prefix_caching: "True" });
            expect(series.filter((s) => s.name === "vllm:time_to_first_token_seconds_bucket")).toHaveLength(23);
            expect(series.find((s) => s.name === "vllm:kv_cache_usage_perc")?.value).toBe(0);
        });
    });
});

describe("EPP-like routing", () => {
    const prompt = Array.from({ length: 64 }, (_, i) => i + 1);

    function replicas(n: number, maxNumSeqs = 4): Replica[] {
        return Array.from({ length: n }, (_, i) => new Replica(i, 16, 100, maxNumSeqs));
    }

    it("scores weighted prefix match plus free batch share", () => {
        const [a] = replicas(1);
        expect(eppScore(a, prompt, { prefix: 2, load: 1 })).toBe(1);
        a.prefill(prompt);
        // 48 of 64 tokens cached (the last block is recomputed): 2 * 0.75 + 1 * 1.
        expect(eppScore(a, prompt, { prefix: 2, load: 1 })).toBe(2.5);
        a.counters.running = 2;
        expect(eppScore(a, prompt, { prefix: 2, load: 1 })).toBe(2);
        a.counters.running = 9;
        expect(eppScore(a, prompt, { prefix: 0, load: 1 })).toBe(0);
        expect(eppScore(a, [], { prefix: 1, load: 0 })).toBe(0);
    });

    it("keeps a hot prefix on its replica while prefix outweighs load: hot-spotting", () => {
        const rs = replicas(3);
        rs[1].prefill(prompt);
        rs[1].counters.running = 3;
        const router = new Router(rs, "epp", { prefix: 2, load: 1 });
        expect([0, 1, 2].map(() => router.pick(prompt).index)).toEqual([1, 1, 1]);
    });

    it("moves away from a busy replica when load outweighs prefix", () => {
        const rs = replicas(3);
        rs[1].prefill(prompt);
        rs[1].counters.running = 3;
        const router = new Router(rs, "epp", { prefix: 1, load: 4 });
        // Replica 1: 0.75 + 4 * 0.25 = 1.75; the idle ones: 4. Ties go in turn.
        expect([0, 1, 2].map(() => router.pick(prompt).index)).toEqual([0, 2, 2]);
    });

    it("pure prefix routing breaks ties by load; round-robin ignores the prompt", () => {
        const rs = replicas(3);
        rs[0].counters.running = 2;
        const prefix = new Router(rs, "prefix");
        expect(prefix.pick(prompt).index).toBe(1);
        const rr = new Router(rs, "round-robin");
        expect([0, 1, 2, 3].map(() => rr.pick(prompt).index)).toEqual([0, 1, 2, 0]);
    });

    it("defaults: EPP weights 2 and 1, 128 sequences, block size from both", () => {
        const o = resolveOptions({ maxModelLen: 131072, maxNumSeqs: 256 });
        expect([o.prefixWeight, o.loadWeight, o.batchMsPerSeq, o.tpuBackend]).toEqual([2, 1, 0, "tpu-inference"]);
        expect(o.blockSize).toBe(256);
        expect(resolveOptions({ maxModelLen: 131072, maxNumSeqs: 256, tpuBackend: "vllm" }).blockSize).toBe(16);
        expect(() => resolveOptions({ tpuBackend: "gpu" as never })).toThrow("tpuBackend must be vllm or tpu-inference (got gpu)");
        expect(resolveOptions().maxNumSeqs).toBe(128);
        expect(() => resolveOptions({ routing: "random" as never })).toThrow("routing must be one of prefix, round-robin, epp (got random)");
        expect(() => resolveOptions({ maxNumSeqs: 0 })).toThrow("maxNumSeqs must be an integer >= 1 (got 0)");
    });
});

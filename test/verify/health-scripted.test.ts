/** The health phase against a scripted client: every verdict, detail and retry, without a server's timing. */
import { describe, expect, it } from "vitest";
import { expectModelMismatch, listModels, parseModels, probeAttempts, runHealth, withRetries } from "../../tools/verify/health";
import type { ErrorKind, Outcome, VerifyClient } from "../../tools/verify/http";

const good = <T>(value: T, latencyMs = 5): Outcome<T> => ({ ok: true, status: 200, latencyMs, value });
const bad = (kind: ErrorKind, status: number | null, message: string): Outcome<never> => ({ ok: false, kind, status, latencyMs: 7, message });

const MODELS = { data: [{ id: "m", max_model_len: 2048 }] };
const COMPLETION = { choices: [{ text: " Paris" }], usage: { prompt_tokens: 5, completion_tokens: 8 } };
const CHAT = { choices: [{ message: { content: "hello" } }], usage: { prompt_tokens: 30, completion_tokens: 2 } };

type Script = Partial<Record<"/health" | "/v1/models" | "/v1/completions" | "/v1/chat/completions", Outcome<unknown>[]>>;

/** Each path answers its scripted outcomes in turn, repeating the last; calls are recorded with their bodies. */
function scripted(script: Script) {
    const calls: { path: string; body?: unknown }[] = [];
    const next = (path: keyof Script, body?: unknown): Promise<Outcome<unknown>> => {
        calls.push({ path, body });
        const list = script[path] ?? [];
        const n = calls.filter((c) => c.path === path).length - 1;
        return Promise.resolve(list[Math.min(n, list.length - 1)] ?? bad("connection_refused", null, "not scripted"));
    };
    const client = {
        getText: (path: keyof Script) => next(path),
        getJson: (path: keyof Script) => next(path),
        postJson: (path: keyof Script, body: unknown) => next(path, body),
    };
    return { client: client as unknown as VerifyClient, calls };
}

const healthy: Script = { "/health": [good("")], "/v1/models": [good(MODELS)], "/v1/completions": [good(COMPLETION)], "/v1/chat/completions": [good(CHAT)] };
const opts = { model: null, expectModel: null };

describe("health verdicts", () => {
    it("passes a healthy server with every check's detail, and probes with the served model", async () => {
        const { client, calls } = scripted(healthy);
        expect(await runHealth(client, opts)).toEqual({
            status: "pass",
            checks: [
                { name: "GET /health", status: "pass", httpStatus: 200, latencyMs: 5, detail: "" },
                { name: "GET /v1/models", status: "pass", httpStatus: 200, latencyMs: 5, detail: "model m, max_model_len 2048" },
                { name: "POST /v1/completions", status: "pass", httpStatus: 200, latencyMs: 5, detail: "8 tokens out, 5 in" },
                { name: "POST /v1/chat/completions", status: "pass", httpStatus: 200, latencyMs: 5, detail: "2 tokens out, 30 in" },
            ],
            model: "m",
            servedModels: ["m"],
            maxModelLen: 2048,
            reachable: true,
            canServe: true,
            failures: [],
        });
        expect(calls.map((c) => c.path)).toEqual(["/health", "/v1/models", "/v1/completions", "/v1/chat/completions"]);
        expect(calls[2]?.body).toEqual({ model: "m", prompt: "The capital of France is", max_tokens: 8, temperature: 0 });
        expect(calls[3]?.body).toEqual({ model: "m", messages: [{ role: "user", content: "Reply with one word: hello." }], max_tokens: 8, temperature: 0 });
    });

    it("takes --model among several served ones, with that model's context length", async () => {
        const two = { data: [{ id: "a", max_model_len: 1024 }, { id: "b", max_model_len: 4096 }] };
        const r = await runHealth(scripted({ ...healthy, "/v1/models": [good(two)] }).client, { model: "b", expectModel: null });
        expect([r.model, r.maxModelLen, r.servedModels, r.checks[1]?.detail]).toEqual(["b", 4096, ["a", "b"], "model b (of a, b), max_model_len 4096"]);
        const first = await runHealth(scripted({ ...healthy, "/v1/models": [good(two)] }).client, opts);
        expect([first.model, first.maxModelLen]).toEqual(["a", 1024]);
        const noLen = await runHealth(scripted({ ...healthy, "/v1/models": [good({ data: [{ id: "m" }] })] }).client, opts);
        expect([noLen.maxModelLen, noLen.checks[1]?.detail]).toEqual([null, "model m"]);
    });

    it("fails a --model that is not served, and an --expect-model mismatch", async () => {
        const missing = await runHealth(scripted(healthy).client, { model: "x", expectModel: null });
        expect(missing.failures).toEqual(["GET /v1/models: --model x is not served (served: m)"]);
        expect([missing.status, missing.model, missing.maxModelLen]).toEqual(["fail", "x", null]);
        const mismatch = await runHealth(scripted(healthy).client, { model: null, expectModel: "y" });
        expect(mismatch.failures).toEqual(["GET /v1/models: model mismatch: served model id is m, expected y"]);
        expect((await runHealth(scripted(healthy).client, { model: null, expectModel: "m" })).status).toBe("pass");
    });

    it("skips the completion probes without a model id, and says how to pass one", async () => {
        const r = await runHealth(scripted({ ...healthy, "/v1/models": [bad("http_4xx", 404, "HTTP 404: no such route")] }).client, opts);
        const skip = { status: "skip", httpStatus: null, latencyMs: null, detail: "no model id (/v1/models failed); pass --model" };
        expect(r.checks.slice(2)).toEqual([
            { name: "POST /v1/completions", ...skip },
            { name: "POST /v1/chat/completions", ...skip },
        ]);
        expect(r.failures).toEqual(["GET /v1/models: HTTP 404: no such route"]);
        expect([r.reachable, r.canServe, r.model]).toEqual([true, false, null]);
        for (const body of [{ data: [] }, { data: [{ id: 5 }] }, { other: 1 }, []]) {
            const m = await runHealth(scripted({ ...healthy, "/v1/models": [good(body)] }).client, opts);
            expect(m.checks[1]?.detail).toBe("malformed response: no data[].id in /v1/models");
            expect(m.model).toBeNull();
        }
    });

    it("judges the probe bodies: malformed choices and a missing usage block", async () => {
        const r = await runHealth(
            scripted({ ...healthy, "/v1/completions": [good({ choices: [{ text: 1 }] })], "/v1/chat/completions": [good({ choices: [{ message: { content: "hi" } }] })] }).client,
            opts,
        );
        expect(r.checks[2]).toMatchObject({ status: "fail", detail: "malformed response: no choices[0].text" });
        expect(r.checks[3]).toMatchObject({ status: "pass", detail: "no usage block" });
        expect(r.canServe).toBe(true);
        for (const body of [{}, { choices: "x" }, { choices: [] }, { choices: [{}] }, { choices: [{ message: "x" }] }, { choices: [{ message: { content: 3 } }] }]) {
            const chat = await runHealth(scripted({ ...healthy, "/v1/chat/completions": [good(body)] }).client, opts);
            expect(chat.checks[3]?.detail).toBe("malformed response: no choices[0].message.content");
        }
        for (const body of [[], { choices: [] }, { choices: ["x"] }]) {
            const completion = await runHealth(scripted({ ...healthy, "/v1/completions": [good(body)], "/v1/chat/completions": [bad("http_5xx", 500, "HTTP 500: x")] }).client, opts);
            expect(completion.checks[2]?.detail).toBe("malformed response: no choices[0].text");
            expect(completion.canServe).toBe(false);
        }
    });

    it("is unreachable when nothing answered over HTTP", async () => {
        const down = bad("connection_refused", null, "connection refused (is the server up?)");
        const r = await runHealth(scripted({ "/health": [down], "/v1/models": [down] }).client, opts);
        expect([r.reachable, r.canServe, r.status]).toEqual([false, false, "fail"]);
        expect(r.failures).toEqual(["GET /health: connection refused (is the server up?)", "GET /v1/models: connection refused (is the server up?)"]);
    });
});

describe("health retries under --max-error-rate", () => {
    it("tries a transient failure again only when failures are tolerated, and says how many attempts it took", async () => {
        const flaky: Script = { ...healthy, "/health": [bad("http_5xx", 503, "HTTP 503: warming up"), good("")], "/v1/completions": [bad("timeout", null, "timed out"), bad("connection_error", null, "reset"), good(COMPLETION)] };
        const strict = await runHealth(scripted(flaky).client, { ...opts, maxErrorRate: 0 });
        expect(strict.failures).toEqual(["GET /health: HTTP 503: warming up", "POST /v1/completions: timed out"]);
        const tolerant = await runHealth(scripted(flaky).client, { ...opts, maxErrorRate: 0.1 });
        expect(tolerant.status).toBe("pass");
        expect(tolerant.checks.map((c) => c.detail)).toEqual(["after 2 attempts", "model m, max_model_len 2048", "8 tokens out, 5 in, after 3 attempts", "2 tokens out, 30 in"]);
        const tooFlaky = await runHealth(scripted({ ...healthy, "/health": [bad("http_5xx", 503, "HTTP 503: down")] }).client, { ...opts, maxErrorRate: 0.5 });
        expect(tooFlaky.failures).toEqual(["GET /health: HTTP 503: down, after 3 attempts"]);
    });

    it("does not retry an answer that will not change", async () => {
        for (const kind of ["http_4xx", "malformed", "connection_refused", "http_other"] as const) {
            const { client, calls } = scripted({ ...healthy, "/health": [bad(kind, null, kind)] });
            await runHealth(client, { ...opts, maxErrorRate: 1 });
            expect(calls.filter((c) => c.path === "/health")).toHaveLength(1);
        }
        expect(probeAttempts(0)).toBe(1);
        expect(probeAttempts(0.01)).toBe(3);
        let n = 0;
        const r = await withRetries(5, async () => (n++ < 10 ? bad("http_5xx", 500, "x") : good(1)));
        expect([r.attempts, n]).toEqual([5, 5]);
        const once = await withRetries(3, async () => good(2));
        expect(once.attempts).toBe(1);
    });
});

describe("model listing", () => {
    it("reads vLLM's /v1/models shape and refuses others", () => {
        expect(parseModels({ data: [{ id: "a", max_model_len: 10 }, { id: "b", max_model_len: "x" }] })).toEqual([
            { id: "a", maxModelLen: 10 },
            { id: "b", maxModelLen: null },
        ]);
        for (const body of [null, [], "x", { data: "x" }, { data: [null] }, { data: [{ id: 1 }] }]) expect(parseModels(body)).toBeNull();
        expect(parseModels({ data: [] })).toEqual([]);
        expect(expectModelMismatch(["a", "b"], "c")).toBe("model mismatch: served model id is a, b, expected c");
        expect(expectModelMismatch(["a"], null)).toBeNull();
        expect(expectModelMismatch(["a"], "a")).toBeNull();
    });

    it("lists models for runs without the health phase", async () => {
        expect(await listModels(scripted(healthy).client)).toEqual({ ok: true, cards: [{ id: "m", maxModelLen: 2048 }] });
        expect(await listModels(scripted({ "/v1/models": [bad("timeout", null, "timed out")] }).client)).toEqual({ ok: false, error: "timed out" });
        expect(await listModels(scripted({ "/v1/models": [good({ data: [] })] }).client)).toEqual({ ok: false, error: "malformed response: no data[].id in /v1/models" });
        expect(await listModels(scripted({ "/v1/models": [good({ data: 1 })] }).client)).toEqual({ ok: false, error: "malformed response: no data[].id in /v1/models" });
    });
});

import { isRecord, type Outcome, type VerifyClient } from "./http";
import type { CheckStatus } from "./types";

export interface CheckResult {
    name: string;
    status: CheckStatus;
    httpStatus: number | null;
    latencyMs: number | null;
    detail: string;
}

export interface HealthResult {
    status: "pass" | "fail";
    checks: CheckResult[];
    /** Model id the later phases use: --model, else the first id /v1/models lists. */
    model: string | null;
    servedModels: string[];
    maxModelLen: number | null;
    /** At least one request got an HTTP answer. */
    reachable: boolean;
    /** A completion request succeeded, so sending the cache and load workloads makes sense. */
    canServe: boolean;
    failures: string[];
}

export interface ModelCard {
    id: string;
    maxModelLen: number | null;
}

/** Reads vLLM's /v1/models body ({"data":[{"id","max_model_len"}]}); null if it has another shape. */
export function parseModels(body: unknown): ModelCard[] | null {
    if (!isRecord(body) || !Array.isArray(body.data)) return null;
    const cards: ModelCard[] = [];
    for (const entry of body.data) {
        if (!isRecord(entry) || typeof entry.id !== "string") return null;
        cards.push({ id: entry.id, maxModelLen: typeof entry.max_model_len === "number" ? entry.max_model_len : null });
    }
    return cards;
}

/** The --expect-model verdict on a /v1/models listing, worded the same whether or not the health phase ran. */
export function expectModelMismatch(servedIds: readonly string[], expectModel: string | null): string | null {
    if (expectModel === null || servedIds.includes(expectModel)) return null;
    return `model mismatch: served model id is ${servedIds.join(", ")}, expected ${expectModel}`;
}

const PROBE_PROMPT = "The capital of France is";
const PROBE_MAX_TOKENS = 8;

function fromOutcome<T>(name: string, outcome: Outcome<T>, judge: (value: T) => { ok: boolean; detail: string }): CheckResult {
    if (!outcome.ok) {
        return { name, status: "fail", httpStatus: outcome.status, latencyMs: outcome.latencyMs, detail: outcome.message };
    }
    const verdict = judge(outcome.value);
    return { name, status: verdict.ok ? "pass" : "fail", httpStatus: outcome.status, latencyMs: outcome.latencyMs, detail: verdict.detail };
}

function usageDetail(body: Record<string, unknown>): string {
    const usage = body.usage;
    if (!isRecord(usage)) return "no usage block";
    return `${String(usage.completion_tokens)} tokens out, ${String(usage.prompt_tokens)} in`;
}

export interface HealthOptions {
    model: string | null;
    expectModel: string | null;
    /** --max-error-rate: when some failures are tolerated, a probe that fails transiently is tried again. */
    maxErrorRate?: number;
}

/** Attempts per probe: one when no failure is tolerated, else up to HEALTH_RETRY_ATTEMPTS. */
export const HEALTH_RETRY_ATTEMPTS = 3;

export function probeAttempts(maxErrorRate: number): number {
    return maxErrorRate > 0 ? HEALTH_RETRY_ATTEMPTS : 1;
}

/** A 5xx, timeout or dropped connection may pass; a 4xx or a malformed answer will not change on retry. */
function retryable<T>(outcome: Outcome<T>): boolean {
    return !outcome.ok && (outcome.kind === "http_5xx" || outcome.kind === "timeout" || outcome.kind === "connection_error");
}

/** Runs `send` until it succeeds or stops being retryable, at most `attempts` times; reports how many it took. */
export async function withRetries<T>(attempts: number, send: () => Promise<Outcome<T>>): Promise<{ outcome: Outcome<T>; attempts: number }> {
    let outcome = await send();
    let used = 1;
    while (used < attempts && retryable(outcome)) {
        outcome = await send();
        used += 1;
    }
    return { outcome, attempts: used };
}

function noteAttempts(check: CheckResult, attempts: number): CheckResult {
    if (attempts > 1) check.detail = `${check.detail === "" ? "" : `${check.detail}, `}after ${attempts} attempts`;
    return check;
}

export async function runHealth(client: VerifyClient, options: HealthOptions): Promise<HealthResult> {
    const checks: CheckResult[] = [];
    const failures: string[] = [];

    const attempts = probeAttempts(options.maxErrorRate ?? 0);
    const health = await withRetries(attempts, () => client.getText("/health"));
    checks.push(noteAttempts(fromOutcome("GET /health", health.outcome, () => ({ ok: true, detail: "" })), health.attempts));

    const modelsTry = await withRetries(attempts, () => client.getJson("/v1/models"));
    const models = modelsTry.outcome;
    let cards: ModelCard[] = [];
    let model = options.model;
    checks.push(
        noteAttempts(fromOutcome("GET /v1/models", models, (body) => {
            const parsed = parseModels(body);
            if (parsed === null || parsed.length === 0) return { ok: false, detail: "malformed response: no data[].id in /v1/models" };
            cards = parsed;
            const ids = parsed.map((c) => c.id);
            if (options.model !== null && !ids.includes(options.model)) {
                return { ok: false, detail: `--model ${options.model} is not served (served: ${ids.join(", ")})` };
            }
            model = options.model ?? ids[0];
            const mismatch = expectModelMismatch(ids, options.expectModel);
            if (mismatch !== null) return { ok: false, detail: mismatch };
            return { ok: true, detail: `model ${model}${ids.length > 1 ? ` (of ${ids.join(", ")})` : ""}` };
        }), modelsTry.attempts),
    );
    const card = cards.find((c) => c.id === model);
    const maxModelLen = card?.maxModelLen ?? null;
    const modelsCheck = checks[checks.length - 1];
    if (maxModelLen !== null && modelsCheck.status === "pass") modelsCheck.detail += `, max_model_len ${maxModelLen}`;

    if (model === null) {
        const detail = "no model id (/v1/models failed); pass --model";
        checks.push({ name: "POST /v1/completions", status: "skip", httpStatus: null, latencyMs: null, detail });
        checks.push({ name: "POST /v1/chat/completions", status: "skip", httpStatus: null, latencyMs: null, detail });
    } else {
        const completion = await withRetries(attempts, () =>
            client.postJson("/v1/completions", { model, prompt: PROBE_PROMPT, max_tokens: PROBE_MAX_TOKENS, temperature: 0 }),
        );
        checks.push(
            noteAttempts(fromOutcome("POST /v1/completions", completion.outcome, (body) => {
                const choice = isRecord(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
                if (!isRecord(body) || !isRecord(choice) || typeof choice.text !== "string") {
                    return { ok: false, detail: "malformed response: no choices[0].text" };
                }
                return { ok: true, detail: usageDetail(body) };
            }), completion.attempts),
        );
        const chat = await withRetries(attempts, () =>
            client.postJson("/v1/chat/completions", {
                model,
                messages: [{ role: "user", content: "Reply with one word: hello." }],
                max_tokens: PROBE_MAX_TOKENS,
                temperature: 0,
            }),
        );
        checks.push(
            noteAttempts(fromOutcome("POST /v1/chat/completions", chat.outcome, (body) => {
                const choice = isRecord(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
                const message = isRecord(choice) ? choice.message : undefined;
                if (!isRecord(body) || !isRecord(message) || typeof message.content !== "string") {
                    return { ok: false, detail: "malformed response: no choices[0].message.content" };
                }
                return { ok: true, detail: usageDetail(body) };
            }), chat.attempts),
        );
    }

    for (const c of checks) if (c.status === "fail") failures.push(`${c.name}: ${c.detail}`);
    const answered = checks.some((c) => c.httpStatus !== null);
    const canServe = checks.some((c) => c.name.startsWith("POST") && c.status === "pass");
    return {
        status: failures.length === 0 ? "pass" : "fail",
        checks,
        model,
        servedModels: cards.map((c) => c.id),
        maxModelLen,
        reachable: answered,
        canServe,
        failures,
    };
}

export type ModelListing = { ok: true; cards: ModelCard[] } | { ok: false; error: string };

/** One /v1/models request for runs that skip the health phase: model detection and the --expect-model check. */
export async function listModels(client: VerifyClient): Promise<ModelListing> {
    const models = await client.getJson("/v1/models");
    if (!models.ok) return { ok: false, error: models.message };
    const cards = parseModels(models.value);
    return cards === null || cards.length === 0 ? { ok: false, error: "malformed response: no data[].id in /v1/models" } : { ok: true, cards };
}

import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { Api, LoadConfig } from "./config";
import { LIMITS } from "./config";
import { isTransportFailure, type ErrorKind, type Outcome, type StreamResult, type VerifyClient } from "./http";
import type { Progress } from "./progress";
import { parsePrometheus, serverLatencyTotals, type ServerLatencyTotals } from "./prom";
import { LatencyRecorder, perSecond, type LatencySummary } from "./stats";
import type { CheckStatus } from "./types";
import { loadPrompt } from "./workload";

export interface LoadPhaseResult {
    name: "serial" | "concurrent";
    concurrency: number;
    targetRate: number | null;
    requests: number;
    succeeded: number;
    failed: number;
    errors: Partial<Record<ErrorKind, number>>;
    /** A few distinct error messages, so a report says what went wrong and not only how often. */
    errorSamples: string[];
    errorRate: number;
    elapsedMs: number;
    rps: number;
    outputTokensPerSec: number;
    promptTokens: number;
    outputTokens: number;
    latency: LatencySummary | null;
    ttft: LatencySummary | null;
    abortedReason: string | null;
}

export interface ServerSideLatency {
    requests: number;
    meanE2eMs: number | null;
    meanTtftMs: number | null;
}

export interface LoadResult {
    status: CheckStatus;
    serial: LoadPhaseResult | null;
    concurrent: LoadPhaseResult | null;
    /** From vLLM's /metrics histograms over the load phases, when reachable at the base URL. */
    server: ServerSideLatency | null;
    failures: string[];
    warnings: string[];
}

export interface LoadPhaseOptions {
    name: LoadPhaseResult["name"];
    model: string;
    api: Api;
    concurrency: number;
    requests: number | null;
    durationMs: number | null;
    rate: number | null;
    promptTokens: number;
    maxTokens: number;
    seed: number;
    runId: string;
    /** Keeps prompt indices unique across phases. */
    indexOffset: number;
    progress: Progress;
}

const MAX_ERROR_SAMPLES = 5;

function requestBody(o: LoadPhaseOptions, prompt: string): Record<string, unknown> {
    // ignore_eos makes every request generate exactly max_tokens, so tokens/s is comparable between runs.
    const common = { model: o.model, max_tokens: o.maxTokens, temperature: 0, ignore_eos: true, stream: true, stream_options: { include_usage: true } };
    return o.api === "chat" ? { ...common, messages: [{ role: "user", content: prompt }] } : { ...common, prompt };
}

/**
 * Closed-loop load: `concurrency` workers each send the next request as soon as their previous one ends; with a
 * rate, request i is additionally held until start + i/rate. Bounded by request count and/or duration, and it
 * gives up after a run of transport failures (server gone) instead of spinning until the deadline.
 *
 * A paced request whose slot falls after the deadline is never sent: the worker waits only until the deadline,
 * so `--duration` bounds the phase's wall time whatever the rate.
 */
export async function runLoadPhase(client: VerifyClient, o: LoadPhaseOptions): Promise<LoadPhaseResult> {
    const path = o.api === "chat" ? "/v1/chat/completions" : "/v1/completions";
    const latency = new LatencyRecorder();
    const ttft = new LatencyRecorder();
    const errors: Partial<Record<ErrorKind, number>> = {};
    const errorSamples: string[] = [];
    const limit = Math.min(o.requests ?? LIMITS.requests, LIMITS.requests);
    const abortAfter = Math.max(10, 2 * o.concurrency);
    let claimed = 0;
    let sent = 0;
    let done = 0;
    let succeeded = 0;
    let promptTokens = 0;
    let outputTokens = 0;
    let consecutiveTransport = 0;
    let abortedReason: string | null = null;
    // Wakes workers waiting for a paced slot once the phase has given up, instead of letting them sleep it out.
    const stop = new AbortController();
    // Every waiting worker listens on it at once; that is by design, not a leak worth Node's warning.
    setMaxListeners(o.concurrency + 1, stop.signal);
    const started = performance.now();
    const deadline = o.durationMs === null ? Infinity : started + o.durationMs;
    let lastEnd = started;

    const byTime = o.requests === null && o.durationMs !== null;
    o.progress.start(`load ${o.name}`, byTime ? Math.ceil((o.durationMs ?? 0) / 1000) : limit);

    const record = (outcome: Outcome<StreamResult>) => {
        done += 1;
        lastEnd = performance.now();
        if (outcome.ok) {
            succeeded += 1;
            consecutiveTransport = 0;
            latency.record(outcome.latencyMs);
            if (outcome.value.ttftMs !== null) ttft.record(outcome.value.ttftMs);
            const usage = outcome.value.usage;
            promptTokens += usage?.promptTokens ?? 0;
            outputTokens += usage?.completionTokens ?? outcome.value.contentChunks;
        } else {
            errors[outcome.kind] = (errors[outcome.kind] ?? 0) + 1;
            if (errorSamples.length < MAX_ERROR_SAMPLES && !errorSamples.includes(outcome.message)) errorSamples.push(outcome.message);
            consecutiveTransport = isTransportFailure(outcome.kind) ? consecutiveTransport + 1 : 0;
            if (consecutiveTransport >= abortAfter && abortedReason === null) {
                abortedReason = `stopped after ${consecutiveTransport} consecutive transport failures (${outcome.kind})`;
                stop.abort();
            }
        }
        o.progress.update(byTime ? Math.min(Math.floor((lastEnd - started) / 1000), Math.ceil((o.durationMs ?? 0) / 1000)) : done);
    };

    const worker = async () => {
        for (;;) {
            if (abortedReason !== null || claimed >= limit || performance.now() >= deadline) return;
            const i = claimed++;
            if (o.rate !== null) {
                const slot = started + (i * 1000) / o.rate;
                const wait = Math.min(slot, deadline) - performance.now();
                if (wait > 0) await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
                if (abortedReason !== null || slot >= deadline || performance.now() >= deadline) return;
            }
            sent += 1;
            const prompt = loadPrompt(o.indexOffset + i, o.promptTokens, o.seed, o.runId);
            record(await client.postStream(path, requestBody(o, prompt)));
        }
    };
    await Promise.all(Array.from({ length: o.concurrency }, () => worker()));
    o.progress.stop();

    // The window throughput is measured over. A timed phase lasted until its deadline even if its last reply came
    // earlier, and a paced phase occupied one 1/rate slot per request sent; counting only up to the last reply
    // would divide by a shorter window than the schedule and report more req/s than was offered.
    let end = lastEnd;
    if (o.durationMs !== null) end = Math.max(end, Math.min(performance.now(), deadline));
    if (o.rate !== null) end = Math.max(end, Math.min(started + (sent * 1000) / o.rate, deadline));
    const elapsedMs = Math.max(0, end - started);
    const failed = sent - succeeded;
    return {
        name: o.name,
        concurrency: o.concurrency,
        targetRate: o.rate,
        requests: sent,
        succeeded,
        failed,
        errors,
        errorSamples,
        errorRate: sent > 0 ? failed / sent : 0,
        elapsedMs,
        rps: perSecond(succeeded, elapsedMs),
        outputTokensPerSec: perSecond(outputTokens, elapsedMs),
        promptTokens,
        outputTokens,
        latency: latency.summary(),
        ttft: ttft.summary(),
        abortedReason,
    };
}

async function scrapeLatency(client: VerifyClient): Promise<ServerLatencyTotals | null> {
    const res = await client.getText("/metrics");
    return res.ok ? serverLatencyTotals(parsePrometheus(res.value)) : null;
}

export interface LoadRunOptions {
    model: string;
    config: LoadConfig;
    /** Allowed failed/sent fraction per phase (--max-error-rate, default 0). */
    maxErrorRate: number;
    seed: number;
    runId: string;
    progress: Progress;
}

export async function runLoad(client: VerifyClient, o: LoadRunOptions): Promise<LoadResult> {
    const failures: string[] = [];
    const warnings: string[] = [];
    const c = o.config;
    const base = { model: o.model, api: c.api, promptTokens: c.promptTokens, maxTokens: c.maxTokens, seed: o.seed, runId: o.runId, progress: o.progress };
    const before = await scrapeLatency(client);

    const serial =
        c.serialRequests > 0
            ? await runLoadPhase(client, { ...base, name: "serial", concurrency: 1, requests: c.serialRequests, durationMs: null, rate: null, indexOffset: 0 })
            : null;
    const serialDead = serial !== null && serial.abortedReason !== null;
    if (serialDead) warnings.push("concurrent phase skipped: the serial phase lost the server");
    const concurrentRequests = c.requests ?? (c.durationMs === null ? 64 : null);
    const concurrent = serialDead
        ? null
        : await runLoadPhase(client, {
              ...base,
              name: "concurrent",
              concurrency: c.concurrency,
              requests: concurrentRequests,
              durationMs: c.durationMs,
              rate: c.rate,
              indexOffset: c.serialRequests,
          });

    const after = await scrapeLatency(client);
    let server: ServerSideLatency | null = null;
    if (before !== null && after !== null && after.e2eCount > before.e2eCount) {
        const n = after.e2eCount - before.e2eCount;
        const ttftN = after.ttftCount - before.ttftCount;
        server = {
            requests: n,
            meanE2eMs: ((after.e2eSum - before.e2eSum) / n) * 1000,
            meanTtftMs: ttftN > 0 ? ((after.ttftSum - before.ttftSum) / ttftN) * 1000 : null,
        };
    }

    for (const phase of [serial, concurrent]) {
        if (phase === null) continue;
        if (phase.succeeded === 0) {
            failures.push(`load ${phase.name}: no successful requests${phase.errorSamples.length > 0 ? ` (${phase.errorSamples[0]})` : ""}`);
        } else if (phase.errorRate > o.maxErrorRate) {
            const kinds = Object.entries(phase.errors).map(([k, n]) => `${k} ${n}`).join(", ");
            failures.push(
                `load ${phase.name}: ${phase.failed} of ${phase.requests} requests failed (${kinds}), error rate ${(phase.errorRate * 100).toFixed(1)}% > allowed ${(o.maxErrorRate * 100).toFixed(1)}%; first: ${phase.errorSamples[0] ?? ""}`,
            );
        }
        if (phase.abortedReason !== null) failures.push(`load ${phase.name}: ${phase.abortedReason}`);
        if (phase.targetRate !== null && phase.elapsedMs > 0) {
            const achieved = perSecond(phase.requests, phase.elapsedMs);
            if (achieved < phase.targetRate * 0.9) {
                warnings.push(`load ${phase.name}: achieved ${achieved.toFixed(1)} req/s of the ${phase.targetRate} req/s target (concurrency ${phase.concurrency} is the limit)`);
            }
        }
    }
    return { status: failures.length > 0 ? "fail" : "pass", serial, concurrent, server, failures, warnings };
}

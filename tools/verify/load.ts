import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { Api, LoadConfig } from "./config";
import { LIMITS } from "./config";
import { countMisses, isTransportFailure, type ErrorKind, type Outcome, type StreamResult, type VerifyClient } from "./http";
import type { Progress } from "./progress";
import { parsePrometheus, serverLatencyTotals, type ServerLatencyTotals } from "./prom";
import { LatencyRecorder, perSecond, type LatencySummary } from "./stats";
import type { CheckStatus } from "./types";
import { loadPrompt, randomWords, seededRandom } from "./workload";

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
    /** Time per output token after the first: (e2e - TTFT) / (output tokens - 1), per request. */
    tpot: LatencySummary | null;
    /** Inter-token latency: every gap between streamed chunks. */
    itl: LatencySummary | null;
    arrival: Arrival;
    /** Open loop: how late requests went out against their schedule (a full concurrency cap delays them). */
    scheduleLag: LatencySummary | null;
    goodput: Goodput | null;
    /** Shared-prefix load: cached / prompt tokens over requests that were not the first of their group. */
    cachedRatio: number | null;
    abortedReason: string | null;
    samples: LoadSample[];
}

export type Arrival = "closed" | "constant" | "poisson";

/** Per-request record for the JSON/CSV/HTML reports; times in ms from the phase start. */
export interface LoadSample {
    index: number;
    /** Prefix group of the shared-prefix load; null for unique prompts. */
    group: number | null;
    scheduledMs: number;
    sentMs: number;
    ok: boolean;
    error: ErrorKind | null;
    /** From the scheduled time in open loop (no coordinated omission), else from the send. */
    ttftMs: number | null;
    e2eMs: number;
    tpotMs: number | null;
    promptTokens: number | null;
    outputTokens: number | null;
    cachedTokens: number | null;
}

/** SLOs in ms, as `vllm bench serve --goodput ttft:X tpot:Y e2el:Z`; a request is good when it meets all given. */
export interface Slo {
    ttftMs?: number;
    tpotMs?: number;
    e2eMs?: number;
}

export interface Goodput {
    slo: Slo;
    good: number;
    /** good / sent */
    share: number;
    /** good requests per second over the phase */
    rps: number;
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
    /** --sweep-*: the concurrent phase at each level, in order; empty without a sweep. */
    sweep: SweepPoint[];
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
    /** Open-loop arrivals at `rate`; "closed" (default) paces closed-loop workers instead. */
    arrival?: Arrival;
    slo?: Slo | null;
    sharedPrefix?: SharedPrefix | null;
}

/** G groups sharing a prefix of P words each, requests interleaved over the groups. */
export interface SharedPrefix {
    groups: number;
    prefixTokens: number;
}

const MAX_ERROR_SAMPLES = 5;

/** Arrival times in ms from the start: evenly spaced, or Poisson (exponential gaps from the seeded generator). */
export function arrivalSchedule(arrival: Arrival, rate: number, seed: number): (i: number) => number {
    if (arrival !== "poisson") return (i) => (i * 1000) / rate;
    const random = seededRandom(seed ^ 0x5eed);
    const times: number[] = [0];
    return (i) => {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        while (times.length <= i) times.push(times[times.length - 1] - (Math.log(1 - random()) * 1000) / rate);
        return times[i];
    };
}

export function toMicros(ms: number): number {
    return Math.round(ms * 1000) / 1000;
}

/** TPOT of one request; null with fewer than two output tokens or no first token. */
export function tpotOf(e2eMs: number, ttftMs: number | null, outputTokens: number): number | null {
    return ttftMs === null || outputTokens < 2 ? null : (e2eMs - ttftMs) / (outputTokens - 1);
}

export function meetsSlo(sample: LoadSample, slo: Slo): boolean {
    if (!sample.ok) return false;
    if (slo.ttftMs !== undefined && (sample.ttftMs === null || sample.ttftMs > slo.ttftMs)) return false;
    if (slo.tpotMs !== undefined && sample.tpotMs !== null && sample.tpotMs > slo.tpotMs) return false;
    if (slo.e2eMs !== undefined && sample.e2eMs > slo.e2eMs) return false;
    return true;
}

/** Parses "ttft:500,tpot:50,e2el:2000" (ms); null if malformed or empty. */
export function parseSlo(text: string): Slo | null {
    const slo: Slo = {};
    const keys: Record<string, keyof Slo> = { ttft: "ttftMs", tpot: "tpotMs", e2el: "e2eMs" };
    const parts = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (parts.length === 0) return null;
    for (const part of parts) {
        const m = /^(ttft|tpot|e2el):(\d+(?:\.\d+)?)$/.exec(part);
        if (m === null || slo[keys[m[1]]] !== undefined) return null;
        slo[keys[m[1]]] = Number(m[2]);
    }
    return slo;
}

function requestBody(o: LoadPhaseOptions, prompt: string): Record<string, unknown> {
    // ignore_eos makes every request generate exactly max_tokens, so tokens/s is comparable between runs.
    const common = { model: o.model, max_tokens: o.maxTokens, temperature: 0, ignore_eos: true, stream: true, stream_options: { include_usage: true } };
    return o.api === "chat" ? { ...common, messages: [{ role: "user", content: prompt }] } : { ...common, prompt };
}

/** Prompt i of a phase: unique, or its group's shared prefix followed by a unique part. */
export function phasePrompt(o: Pick<LoadPhaseOptions, "promptTokens" | "seed" | "runId" | "sharedPrefix">, i: number): { prompt: string; group: number | null } {
    const unique = loadPrompt(i, o.promptTokens, o.seed, o.runId);
    const shared = o.sharedPrefix ?? null;
    if (shared === null || shared.groups < 1) return { prompt: unique, group: null };
    const group = i % shared.groups;
    const prefix = `Shared ${o.runId} context ${group}: ${randomWords(seededRandom(o.seed * 8191 + group), Math.max(0, shared.prefixTokens - 4))}`;
    return { prompt: `${prefix}\n${unique}`, group };
}

/**
 * Load phase. Without a rate, `concurrency` closed-loop workers each send the next request as soon as their previous
 * one ends. With a rate, arrivals are open-loop (constant or Poisson, --arrival): request i is due at its scheduled
 * time whatever happened before, at most `concurrency` are in flight, and its latency counts from the scheduled time,
 * so a slow server cannot hide its queue by slowing the client down (no coordinated omission); the delay between
 * schedule and send is reported as schedule lag. "closed" with a rate keeps the older closed-loop pacing.
 * Bounded by request count and/or duration; a request due after the deadline is not sent. It gives up after a run
 * of transport failures (server gone) instead of spinning until the deadline.
 */
export async function runLoadPhase(client: VerifyClient, o: LoadPhaseOptions): Promise<LoadPhaseResult> {
    const path = o.api === "chat" ? "/v1/chat/completions" : "/v1/completions";
    const recorders = { latency: new LatencyRecorder(), ttft: new LatencyRecorder(), tpot: new LatencyRecorder(), itl: new LatencyRecorder(), lag: new LatencyRecorder() };
    const errors: Partial<Record<ErrorKind, number>> = {};
    const errorSamples: string[] = [];
    const samples: LoadSample[] = [];
    const limit = Math.min(o.requests ?? LIMITS.requests, LIMITS.requests);
    const abortAfter = Math.max(10, 2 * o.concurrency);
    const arrival: Arrival = o.rate === null ? "closed" : (o.arrival ?? "constant");
    const openLoop = arrival !== "closed" && o.rate !== null;
    let claimed = 0;
    let sent = 0;
    let done = 0;
    let succeeded = 0;
    let promptTokens = 0;
    let outputTokens = 0;
    let consecutiveTransport = 0;
    let abortedReason: string | null = null;
    // Wakes waiters once the phase has given up, instead of letting them sleep it out.
    const stop = new AbortController();
    // Every waiting worker listens on it at once; that is by design, not a leak worth Node's warning.
    setMaxListeners(o.concurrency + 2, stop.signal);
    const started = performance.now();
    const deadline = o.durationMs === null ? Infinity : started + o.durationMs;
    let lastEnd = started;

    const byTime = o.requests === null && o.durationMs !== null;
    o.progress.start(`load ${o.name}`, byTime ? Math.ceil((o.durationMs ?? 0) / 1000) : limit);

    const record = (i: number, group: number | null, scheduledAt: number, sentAt: number, outcome: Outcome<StreamResult>) => {
        done += 1;
        lastEnd = performance.now();
        // Open loop: latency counts from when the request was due; closed loop: from when it went out.
        const lag = openLoop ? sentAt - scheduledAt : 0;
        const sample: LoadSample = {
            index: i,
            group,
            // Microseconds are the resolution of every latency here; rounding keeps schedules exact (35, not 35.000001).
            scheduledMs: toMicros(scheduledAt - started),
            sentMs: toMicros(sentAt - started),
            ok: outcome.ok,
            error: outcome.ok ? null : outcome.kind,
            ttftMs: null,
            e2eMs: outcome.latencyMs + lag,
            tpotMs: null,
            promptTokens: null,
            outputTokens: null,
            cachedTokens: null,
        };
        if (outcome.ok) {
            succeeded += 1;
            consecutiveTransport = 0;
            const usage = outcome.value.usage;
            const out = usage?.completionTokens ?? outcome.value.contentChunks;
            sample.ttftMs = outcome.value.ttftMs === null ? null : outcome.value.ttftMs + lag;
            sample.tpotMs = tpotOf(outcome.latencyMs, outcome.value.ttftMs, out);
            sample.promptTokens = usage?.promptTokens ?? null;
            sample.outputTokens = out;
            sample.cachedTokens = usage?.cachedTokens ?? null;
            recorders.latency.record(sample.e2eMs);
            if (sample.ttftMs !== null) recorders.ttft.record(sample.ttftMs);
            if (sample.tpotMs !== null) recorders.tpot.record(sample.tpotMs);
            for (const gap of outcome.value.itlMs) recorders.itl.record(gap);
            promptTokens += usage?.promptTokens ?? 0;
            outputTokens += out;
        } else {
            errors[outcome.kind] = (errors[outcome.kind] ?? 0) + 1;
            if (errorSamples.length < MAX_ERROR_SAMPLES && !errorSamples.includes(outcome.message)) errorSamples.push(outcome.message);
            consecutiveTransport = isTransportFailure(outcome.kind) ? consecutiveTransport + 1 : 0;
            if (consecutiveTransport >= abortAfter && abortedReason === null) {
                abortedReason = `stopped after ${consecutiveTransport} consecutive transport failures (${outcome.kind})`;
                stop.abort();
            }
        }
        samples.push(sample);
        o.progress.update(byTime ? Math.min(Math.floor((lastEnd - started) / 1000), Math.ceil((o.durationMs ?? 0) / 1000)) : done);
    };

    const sendOne = async (i: number, scheduledAt: number) => {
        sent += 1;
        const { prompt, group } = phasePrompt(o, o.indexOffset + i);
        const sentAt = performance.now();
        if (openLoop) recorders.lag.record(sentAt - scheduledAt);
        record(i, group, scheduledAt, sentAt, await client.postStream(path, requestBody(o, prompt)));
    };

    if (openLoop && o.rate !== null) {
        await openLoopDispatch(o, arrivalSchedule(arrival, o.rate, o.seed), limit, started, deadline, stop.signal, () => abortedReason !== null, sendOne);
        claimed = sent;
    } else {
        const worker = async () => {
            for (;;) {
                if (abortedReason !== null || claimed >= limit || performance.now() >= deadline) return;
                const i = claimed++;
                let slot = performance.now();
                if (o.rate !== null) {
                    slot = started + (i * 1000) / o.rate;
                    await sleepUntil(Math.min(slot, deadline), stop.signal);
                    if (abortedReason !== null || slot >= deadline || performance.now() >= deadline) return;
                }
                await sendOne(i, slot);
            }
        };
        await Promise.all(Array.from({ length: o.concurrency }, () => worker()));
    }
    o.progress.stop();

    // The window throughput is measured over. A timed phase lasted until its deadline even if its last reply came
    // earlier, and a paced phase occupied one 1/rate slot per request sent; counting only up to the last reply
    // would divide by a shorter window than the schedule and report more req/s than was offered.
    let end = lastEnd;
    if (o.durationMs !== null) end = Math.max(end, Math.min(performance.now(), deadline));
    if (o.rate !== null) end = Math.max(end, Math.min(started + (sent * 1000) / o.rate, deadline));
    const elapsedMs = Math.max(0, end - started);
    const failed = sent - succeeded;
    const counted = countMisses(samples).sort((a, b) => a.index - b.index);
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
        latency: recorders.latency.summary(),
        ttft: recorders.ttft.summary(),
        tpot: recorders.tpot.summary(),
        itl: recorders.itl.summary(),
        arrival,
        scheduleLag: openLoop ? recorders.lag.summary() : null,
        goodput: o.slo ? goodputOf(counted, o.slo, elapsedMs) : null,
        cachedRatio: sharedCachedRatio(counted),
        abortedReason,
        samples: counted,
    };
}

/**
 * Sends request i at its scheduled time, with at most `concurrency` in flight: when all slots are busy the request
 * waits for one (that wait is its schedule lag) and later requests keep their own schedule.
 */
async function openLoopDispatch(
    o: LoadPhaseOptions,
    schedule: (i: number) => number,
    limit: number,
    started: number,
    deadline: number,
    signal: AbortSignal,
    aborted: () => boolean,
    sendOne: (i: number, scheduledAt: number) => Promise<void>,
): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < limit; i++) {
        const due = started + schedule(i);
        if (due >= deadline || aborted()) break;
        await sleepUntil(due, signal);
        while (inFlight.size >= o.concurrency && !aborted()) await Promise.race(inFlight);
        if (aborted()) break;
        const p: Promise<void> = sendOne(i, due).finally(() => inFlight.delete(p));
        inFlight.add(p);
    }
    await Promise.all(inFlight);
}

/**
 * Sleeps until performance.now() reaches `at` (or the signal aborts). Timers round and run on the event loop's
 * cached clock, so one sleep can end a little early: a request must never go out before it is due.
 */
export async function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
    for (let wait = at - performance.now(); wait > 0 && !signal.aborted; wait = at - performance.now()) {
        await sleep(Math.ceil(wait), undefined, { signal }).catch(() => undefined);
    }
}

export function goodputOf(samples: readonly LoadSample[], slo: Slo, elapsedMs: number): Goodput {
    const good = samples.filter((s) => meetsSlo(s, slo)).length;
    return { slo, good, share: samples.length > 0 ? good / samples.length : 0, rps: perSecond(good, elapsedMs) };
}

/** Cached share of prompt tokens over the requests after each group's first; null without groups or counts. */
export function sharedCachedRatio(samples: readonly LoadSample[]): number | null {
    const firstOfGroup = new Map<number, number>();
    for (const s of samples) if (s.group !== null && !firstOfGroup.has(s.group)) firstOfGroup.set(s.group, s.index);
    const later = samples.filter((s) => s.group !== null && s.ok && firstOfGroup.get(s.group) !== s.index && s.cachedTokens !== null);
    const prompt = later.reduce((a, s) => a + (s.promptTokens ?? 0), 0);
    return prompt > 0 ? later.reduce((a, s) => a + (s.cachedTokens ?? 0), 0) / prompt : null;
}

async function scrapeLatency(client: VerifyClient): Promise<ServerLatencyTotals | null> {
    const res = await client.getText("/metrics");
    return res.ok ? serverLatencyTotals(parsePrometheus(res.value)) : null;
}

export interface SweepPoint {
    kind: "rate" | "concurrency";
    level: number;
    phase: LoadPhaseResult;
}

/** Words are only approximately tokens: a margin, as the cache phase uses, before comparing with the context. */
export const WORDS_TO_TOKENS_MARGIN = 1.25;

/** Why the load prompts cannot fit max_model_len, or null when they fit (or the context is unknown). */
export function lengthProblem(c: LoadConfig, maxModelLen: number | null): string | null {
    if (maxModelLen === null) return null;
    const promptWords = c.promptTokens + (c.sharedPrefix?.prefixTokens ?? 0);
    const needed = Math.ceil(promptWords * WORDS_TO_TOKENS_MARGIN) + c.maxTokens;
    if (needed <= maxModelLen) return null;
    return (
        `load prompts of ~${promptWords} words (~${Math.ceil(promptWords * WORDS_TO_TOKENS_MARGIN)} tokens with margin) plus --max-tokens ${c.maxTokens} ` +
        `need ${needed} tokens, more than the served max_model_len ${maxModelLen}: every request would be rejected; lower --prompt-tokens, --shared-prefix-tokens or --max-tokens`
    );
}

export interface LoadRunOptions {
    model: string;
    config: LoadConfig;
    /** Allowed failed/sent fraction per phase (--max-error-rate, default 0). */
    maxErrorRate: number;
    seed: number;
    runId: string;
    progress: Progress;
    /** Served context length; load lengths are checked against it before anything is sent. */
    maxModelLen?: number | null;
}

export async function runLoad(client: VerifyClient, o: LoadRunOptions): Promise<LoadResult> {
    const failures: string[] = [];
    const warnings: string[] = [];
    const c = o.config;
    const tooLong = lengthProblem(c, o.maxModelLen ?? null);
    if (tooLong !== null) return { status: "fail", serial: null, concurrent: null, sweep: [], server: null, failures: [`load: ${tooLong}`], warnings };
    const base = {
        model: o.model,
        api: c.api,
        promptTokens: c.promptTokens,
        maxTokens: c.maxTokens,
        seed: o.seed,
        runId: o.runId,
        progress: o.progress,
        arrival: c.arrival,
        slo: c.slo,
        sharedPrefix: c.sharedPrefix,
    };
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
    const sweep: SweepPoint[] = [];
    if (c.sweep !== null && concurrent !== null && concurrent.abortedReason === null) {
        let offset = c.serialRequests + 1_000_000;
        for (const level of c.sweep.levels) {
            const phase = await runLoadPhase(client, {
                ...base,
                name: "concurrent",
                concurrency: c.sweep.kind === "concurrency" ? level : c.concurrency,
                rate: c.sweep.kind === "rate" ? level : c.rate,
                requests: concurrentRequests,
                durationMs: c.durationMs,
                indexOffset: offset,
            });
            offset += 1_000_000;
            sweep.push({ kind: c.sweep.kind, level, phase });
            if (phase.abortedReason !== null) break;
        }
    }
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
    return { status: failures.length > 0 ? "fail" : "pass", serial, concurrent, sweep, server, failures, warnings };
}

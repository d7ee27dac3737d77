import type { CacheConfig } from "./config";
import { countMisses, isTransportFailure, type ErrorKind, type VerifyClient } from "./http";
import type { Progress } from "./progress";
import { affinityFailure, computeAffinity, type Affinity } from "./affinity";
import { parsePrometheus, parseSeries, prefixCacheCounters, replicaCounters, replicaDeltas, type PrefixCacheCounters, type ReplicaCounters } from "./prom";
import { percentile, ratio } from "./stats";
import type { CheckStatus } from "./types";
import { buildCacheWorkload, type CacheRequest } from "./workload";

export interface CacheSample {
    group: number;
    index: number;
    ok: boolean;
    latencyMs: number;
    ttftMs: number | null;
    promptTokens: number | null;
    cachedTokens: number | null;
    error: string | null;
}

export interface CacheGroupResult {
    group: number;
    requests: number;
    firstLatencyMs: number | null;
    firstTtftMs: number | null;
    firstPromptTokens: number | null;
    firstCachedTokens: number | null;
    /** Medians over the group's non-first requests. */
    laterLatencyMs: number | null;
    laterTtftMs: number | null;
    laterPromptTokens: number;
    /** null when the server did not report cached_tokens. */
    laterCachedTokens: number | null;
    cachedRatio: number | null;
    /** First TTFT / median later TTFT: what the old guide called "faster", here next to the proof. */
    ttftSpeedup: number | null;
}

export type CachedRatioSource = "usage" | "metrics" | "none";

export interface CacheResult {
    status: CheckStatus;
    message: string;
    blockSize: number;
    blockSizeSource: "option" | "server" | "max_model_len" | "default";
    prefixTokens: number;
    suffixTokens: number;
    requests: number;
    errors: Partial<Record<ErrorKind, number>>;
    groups: CacheGroupResult[];
    /**
     * cached / prompt tokens over the non-first requests: from usage, or else as hits / queries of the /metrics
     * counters over those same requests, so both sources measure the same thing.
     */
    cachedRatio: number | null;
    cachedRatioSource: CachedRatioSource;
    /** Same ratio over first requests only (usage, else /metrics): should be ~0, since each run's prefixes are new. */
    firstCachedRatio: number | null;
    /** /metrics prefix-cache counter deltas over the non-first requests; null when /metrics was not readable. */
    metrics: (PrefixCacheCounters & { ratio: number | null }) | null;
    /** Routing affinity from the later requests' cached_tokens; null when the server does not report them. */
    affinity: Affinity | null;
    minAffinity: number;
    /** Per-replica deltas over the phase when /metrics tells replicas apart (more than one label set); else null. */
    replicas: ReplicaCounters[] | null;
    samples: CacheSample[];
    failures: string[];
    warnings: string[];
}

export interface CacheRunOptions {
    model: string;
    config: CacheConfig;
    blockSize: number;
    blockSizeSource: CacheResult["blockSizeSource"];
    maxModelLen: number | null;
    seed: number;
    runId: string;
    progress: Progress;
}

const MAX_CONSECUTIVE_TRANSPORT_FAILURES = 3;

interface CacheScrape {
    counters: PrefixCacheCounters | null;
    replicas: ReplicaCounters[];
}

async function scrapePrefixCounters(client: VerifyClient): Promise<CacheScrape | null> {
    const res = await client.getText("/metrics");
    if (!res.ok) return null;
    return { counters: prefixCacheCounters(parsePrometheus(res.value)), replicas: replicaCounters(parseSeries(res.value)) };
}

function sum(values: readonly number[]): number {
    return values.reduce((a, b) => a + b, 0);
}

/** Why a run can have no cached_tokens at all: docs/UPSTREAM.md row "vLLM usage: cached tokens only when non-zero". */
const UNREPORTED = "vLLM sends them only with --enable-prompt-tokens-details, which the stack sets, and only for a request that hit the cache";

export function summarizeGroup(group: number, samples: readonly CacheSample[]): CacheGroupResult {
    const ordered = [...samples].sort((a, b) => a.index - b.index);
    const first = ordered.find((s) => s.index === 0 && s.ok) ?? null;
    const later = ordered.filter((s) => s.index > 0 && s.ok);
    const laterTtfts = later.flatMap((s) => (s.ttftMs === null ? [] : [s.ttftMs]));
    const reported = later.filter((s) => s.cachedTokens !== null && s.promptTokens !== null);
    const laterPrompt = sum(reported.map((s) => s.promptTokens ?? 0));
    const laterCached = reported.length > 0 ? sum(reported.map((s) => s.cachedTokens ?? 0)) : null;
    const laterTtft = percentile(laterTtfts, 50);
    return {
        group,
        requests: samples.length,
        firstLatencyMs: first?.latencyMs ?? null,
        firstTtftMs: first?.ttftMs ?? null,
        firstPromptTokens: first?.promptTokens ?? null,
        firstCachedTokens: first?.cachedTokens ?? null,
        laterLatencyMs: percentile(later.map((s) => s.latencyMs), 50),
        laterTtftMs: laterTtft,
        laterPromptTokens: laterPrompt,
        laterCachedTokens: laterCached,
        cachedRatio: laterCached === null ? null : ratio(laterCached, laterPrompt),
        ttftSpeedup: first?.ttftMs != null && laterTtft !== null && laterTtft > 0 ? first.ttftMs / laterTtft : null,
    };
}

/** Why hits may be impossible: vLLM only caches full blocks, so anything shorter than a block never matches. */
export function blockSizeHint(blockSize: number, prefixTokens: number, maxPromptTokens: number | null): string | null {
    if (maxPromptTokens !== null && maxPromptTokens < blockSize) {
        return `every prompt (at most ${maxPromptTokens} tokens) is shorter than one prefix-cache block (${blockSize} tokens); vLLM caches full blocks only, so such prompts can never hit`;
    }
    if (prefixTokens < blockSize) {
        return `the shared prefix (~${prefixTokens} tokens) is shorter than one prefix-cache block (${blockSize} tokens), so no block of it can be shared`;
    }
    return null;
}

/**
 * Serial shared-prefix workload. The server's own accounting (usage.prompt_tokens_details.cached_tokens, or the
 * vllm:prefix_cache_* counters) is the evidence; latencies are shown next to it but prove nothing alone, since a
 * first request is also slower for reasons unrelated to caching (warm-up, compilation, connection setup).
 */
export async function runCache(client: VerifyClient, o: CacheRunOptions): Promise<CacheResult> {
    const failures: string[] = [];
    const warnings: string[] = [];
    let prefixTokens = o.config.prefixTokens;
    if (o.maxModelLen !== null) {
        // Words are only approximately tokens; leave a margin so the prompt plus output fits the context.
        const fits = Math.floor((o.maxModelLen - o.config.maxTokens) * 0.8) - o.config.suffixTokens;
        if (prefixTokens > fits) {
            warnings.push(`prefix reduced from ${prefixTokens} to ${Math.max(1, fits)} words to fit max_model_len ${o.maxModelLen}`);
            prefixTokens = Math.max(1, fits);
        }
    }
    const workload = buildCacheWorkload({
        groups: o.config.groups,
        requestsPerGroup: o.config.requestsPerGroup,
        prefixTokens,
        suffixTokens: o.config.suffixTokens,
        seed: o.seed,
        runId: o.runId,
    });
    const send = (prompt: string) =>
        client.postStream("/v1/completions", {
            model: o.model,
            prompt,
            max_tokens: o.config.maxTokens,
            temperature: 0,
            stream: true,
            stream_options: { include_usage: true },
        });

    // One throwaway request first, so the first group's cold request is not also the server's first request.
    const warmup = await send(`Warm-up ${o.runId}: say something short.`);
    if (!warmup.ok) warnings.push(`warm-up request failed: ${warmup.message}`);

    const before = await scrapePrefixCounters(client);
    const samples: CacheSample[] = [];
    const errors: Partial<Record<ErrorKind, number>> = {};
    let consecutiveTransport = 0;
    let aborted: string | null = null;
    const sendAll = async (requests: readonly CacheRequest[]) => {
        for (const request of requests) {
            if (aborted !== null) return;
            const outcome = await send(request.prompt);
            if (outcome.ok) {
                consecutiveTransport = 0;
                const usage = outcome.value.usage;
                samples.push({
                    group: request.group,
                    index: request.index,
                    ok: true,
                    latencyMs: outcome.latencyMs,
                    ttftMs: outcome.value.ttftMs,
                    promptTokens: usage?.promptTokens ?? null,
                    cachedTokens: usage?.cachedTokens ?? null,
                    error: null,
                });
            } else {
                errors[outcome.kind] = (errors[outcome.kind] ?? 0) + 1;
                samples.push({ group: request.group, index: request.index, ok: false, latencyMs: outcome.latencyMs, ttftMs: null, promptTokens: null, cachedTokens: null, error: outcome.message });
                consecutiveTransport = isTransportFailure(outcome.kind) ? consecutiveTransport + 1 : 0;
                if (consecutiveTransport >= MAX_CONSECUTIVE_TRANSPORT_FAILURES) aborted = `stopped after ${consecutiveTransport} consecutive ${outcome.kind} failures`;
            }
            o.progress.update(samples.length);
        }
    };
    o.progress.start("prefix cache", workload.length);
    // Every group's cold first request goes out before any later one (the workload is interleaved by index), so
    // one scrape in between splits the /metrics counters the way usage is split: cold first requests on one side,
    // the repeats that can hit on the other.
    await sendAll(workload.filter((r) => r.index === 0));
    // One unrelated request between the rounds: a round-robin balancer then cannot return a group to its replica just
    // because the group count is a multiple of the replica count; a cache-aware router is not affected.
    if (aborted === null) await send(`Spacer ${o.runId}: an unrelated request between rounds.`);
    const afterFirsts = aborted === null ? await scrapePrefixCounters(client) : null;
    await sendAll(workload.filter((r) => r.index > 0));
    o.progress.stop();
    const after = await scrapePrefixCounters(client);

    const counted = countMisses(samples);
    const groups = Array.from({ length: o.config.groups }, (_, g) => summarizeGroup(g, counted.filter((s) => s.group === g)));
    const ok = counted.filter((s) => s.ok);
    const failed = samples.length - ok.length;
    if (failed > 0) {
        const kinds = Object.entries(errors).map(([k, n]) => `${k} ${n}`).join(", ");
        const firstError = samples.find((s) => !s.ok)?.error ?? "";
        failures.push(`prefix cache: ${failed} of ${samples.length} requests failed (${kinds}); first: ${firstError}`);
    }
    if (aborted !== null) failures.push(`prefix cache: ${aborted}`);

    const laterReported = ok.filter((s) => s.index > 0 && s.cachedTokens !== null && s.promptTokens !== null);
    const firstReported = ok.filter((s) => s.index === 0 && s.cachedTokens !== null && s.promptTokens !== null);
    const cachedOf = (list: CacheSample[]) => ratio(sum(list.map((s) => s.cachedTokens ?? 0)), sum(list.map((s) => s.promptTokens ?? 0)));
    const prompts = ok.flatMap((s) => (s.promptTokens === null ? [] : [s.promptTokens]));
    const hint = blockSizeHint(o.blockSize, prefixTokens, prompts.length > 0 ? Math.max(...prompts) : null);

    const delta = (from: CacheScrape | null, to: CacheScrape | null) => {
        const a = from?.counters ?? null;
        const b = to?.counters ?? null;
        return a !== null && b !== null ? { queries: b.queries - a.queries, hits: b.hits - a.hits, ratio: ratio(b.hits - a.hits, b.queries - a.queries) } : null;
    };
    const metrics = delta(afterFirsts, after);
    const firstMetrics = delta(before, afterFirsts);
    const replicas = before !== null && after !== null && after.replicas.length > 1 ? replicaDeltas(before.replicas, after.replicas) : null;
    const affinity =
        laterReported.length > 0
            ? computeAffinity(
                  laterReported.map((s) => ({ group: s.group, promptTokens: s.promptTokens ?? 0, cachedTokens: s.cachedTokens ?? 0 })),
                  o.blockSize,
                  o.config.suffixTokens,
              )
            : null;

    let cachedRatio: number | null = null;
    let source: CachedRatioSource = "none";
    let status: CheckStatus;
    let message: string;
    if (laterReported.length > 0) {
        source = "usage";
        cachedRatio = cachedOf(laterReported);
        const cached = sum(laterReported.map((s) => s.cachedTokens ?? 0));
        if (cached === 0) {
            status = "fail";
            message = `no prefix-cache hits: the server reported 0 cached tokens on ${laterReported.length} requests that repeat a ~${prefixTokens}-token prefix`;
            failures.push(`prefix cache: ${message}${hint === null ? "" : ` (${hint})`}`);
        } else {
            const blind = affinity === null ? null : affinityFailure(affinity, o.config.minAffinity);
            if (blind !== null) failures.push(`prefix cache: ${blind}`);
            status = blind === null ? "pass" : "fail";
            message = `server reported ${cached} of ${sum(laterReported.map((s) => s.promptTokens ?? 0))} prompt tokens as cached on repeated prefixes`;
            if (blind !== null) message += `, but routing looks cache-blind (affinity ${((affinity?.tokenRatio ?? 0) * 100).toFixed(1)}%)`;
        }
    } else if (metrics !== null && metrics.queries > 0) {
        source = "metrics";
        warnings.push("routing affinity not judged: it needs cached_tokens per request");
        cachedRatio = metrics.ratio;
        warnings.push(`cached_tokens not reported by server on any request (${UNREPORTED}); using /metrics prefix-cache counters, which may cover only one replica behind a gateway`);
        if (metrics.hits === 0) {
            status = "fail";
            message = `no prefix-cache hits: vllm:prefix_cache_hits did not grow over ${metrics.queries} queried tokens of the non-first requests`;
            failures.push(`prefix cache: ${message}${hint === null ? "" : ` (${hint})`}`);
        } else {
            status = "pass";
            message = `/metrics: ${metrics.hits} of ${metrics.queries} queried tokens of the non-first requests were prefix-cache hits`;
        }
    } else if (ok.length > 0) {
        status = "warn";
        message = `cached tokens not reported by server on any request (${UNREPORTED}) and /metrics has no prefix-cache counters here: hits cannot be proven`;
        warnings.push(message);
    } else {
        status = "fail";
        message = "no successful requests";
    }
    if (status !== "fail" && failures.length > 0) status = "fail";
    const firstCachedRatio =
        firstReported.length > 0 ? cachedOf(firstReported) : firstMetrics !== null && firstMetrics.queries > 0 ? firstMetrics.ratio : null;
    if (firstCachedRatio !== null && firstCachedRatio > 0.5) {
        warnings.push(`first requests of each group were already ${(firstCachedRatio * 100).toFixed(0)}% cached: the prefixes were not new to the server`);
    }
    if (hint !== null && status !== "fail") warnings.push(hint);

    return {
        status,
        message,
        blockSize: o.blockSize,
        blockSizeSource: o.blockSizeSource,
        prefixTokens,
        suffixTokens: o.config.suffixTokens,
        requests: samples.length,
        errors,
        groups,
        cachedRatio,
        cachedRatioSource: source,
        firstCachedRatio,
        metrics,
        affinity,
        minAffinity: o.config.minAffinity,
        replicas,
        samples: counted,
        failures,
        warnings,
    };
}

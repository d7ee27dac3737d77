import { performance } from "node:perf_hooks";
import type { ClientAccess } from "./access";
import { runCache, type CacheResult } from "./cache";
import { DEFAULT_BLOCK_SIZE, PHASES, tpuBlockSize, type PhaseName, type VerifyConfig } from "./config";
import { expectModelMismatch, listModels, runHealth, type HealthResult } from "./health";
import { VerifyClient } from "./http";
import { runLoad, type LoadResult } from "./load";
import type { Progress } from "./progress";
import { evaluateThresholds, type ThresholdInputs, type ThresholdResult } from "./thresholds";
import { skipped, type Skipped } from "./types";
import { makeRunId } from "./workload";
import { parseSeries, servedBlockSize } from "./prom";

export const REPORT_SCHEMA = "tpu-inference-stack/verify@2";

/** The tool's own version: a report says which verify produced it. */
export const TOOL_VERSION: string = (require("../../package.json") as { version: string }).version;

/** What the server said about itself, so two reports can be told apart (or be known to be the same service). */
export interface ServerIdentity {
    model: string | null;
    servedModels: string[];
    maxModelLen: number | null;
    blockSize: number;
    blockSizeSource: CacheResult["blockSizeSource"];
}

export interface VerifyReport {
    schema: typeof REPORT_SCHEMA;
    tool: { name: "verify"; version: string };
    baseUrl: string;
    model: string | null;
    runId: string;
    /** The seed the prompts were generated from: --seed, or the random one drawn for this run. */
    seed: number;
    /** The effective options of the run (defaults filled in), enough to rerun it. */
    options: EffectiveOptions;
    server: ServerIdentity;
    startedAt: string;
    durationMs: number;
    phases: {
        health: HealthResult | Skipped;
        cache: CacheResult | Skipped;
        load: LoadResult | Skipped;
    };
    thresholds: ThresholdResult[];
    failures: string[];
    warnings: string[];
    ok: boolean;
    exitCode: 0 | 1;
}

function isSkipped<T extends object>(phase: T | Skipped): phase is Skipped {
    return "status" in phase && phase.status === "skip" && "reason" in phase;
}

export function thresholdInputs(cache: CacheResult | Skipped, load: LoadResult | Skipped): ThresholdInputs {
    const inputs: ThresholdInputs = { cachedRatio: null, p50Ms: null, p99Ms: null, ttftP50Ms: null, errorRate: null, rps: null, goodput: null };
    if (!isSkipped(cache)) inputs.cachedRatio = cache.cachedRatio;
    if (!isSkipped(load)) {
        // Latency thresholds judge the concurrent phase (the service under load) when it ran, else the serial one.
        const main = load.concurrent ?? load.serial;
        if (main !== null && main.succeeded > 0) {
            inputs.p50Ms = main.latency?.p50 ?? null;
            inputs.p99Ms = main.latency?.p99 ?? null;
            inputs.ttftP50Ms = main.ttft?.p50 ?? null;
            inputs.rps = main.rps;
            inputs.goodput = main.goodput?.share ?? null;
        }
        const phases = [load.serial, load.concurrent].filter((p) => p !== null);
        const sent = phases.reduce((a, p) => a + p.requests, 0);
        if (sent > 0) inputs.errorRate = phases.reduce((a, p) => a + p.failed, 0) / sent;
    }
    return inputs;
}

async function servedBlockSizeOf(client: VerifyClient): Promise<number | null> {
    const res = await client.getText("/metrics");
    return res.ok ? servedBlockSize(parseSeries(res.value)) : null;
}

/** --block-size, else what the server reports, else vLLM's TPU rule on the served max_model_len, else a default. */
export function chooseBlockSize(option: number | null, served: number | null, maxModelLen: number | null): { blockSize: number; blockSizeSource: CacheResult["blockSizeSource"] } {
    if (option !== null) return { blockSize: option, blockSizeSource: "option" };
    if (served !== null) return { blockSize: served, blockSizeSource: "server" };
    if (maxModelLen !== null) return { blockSize: tpuBlockSize(maxModelLen), blockSizeSource: "max_model_len" };
    return { blockSize: DEFAULT_BLOCK_SIZE, blockSizeSource: "default" };
}

export type EffectiveOptions = Omit<VerifyConfig, "phases"> & { phases: PhaseName[] };

export function effectiveOptions(config: VerifyConfig): EffectiveOptions {
    return { ...config, phases: PHASES.filter((p) => config.phases.has(p)) };
}

/** Runs the selected phases in order against config.baseUrl and nothing else, and judges the outcome. */
export async function runVerify(config: VerifyConfig, progress: Progress, access: ClientAccess = {}): Promise<VerifyReport> {
    const startedAt = new Date();
    const t0 = performance.now();
    // Fresh on every run, --seed or not: the seed reproduces the text, the run id keeps the prefixes new.
    const runId = makeRunId();
    const seed = config.seed ?? Math.floor(Math.random() * 0x7fffffff);
    // The token stays out of `config`, which the report prints as the effective options.
    const client = new VerifyClient({ baseUrl: config.baseUrl, timeoutMs: config.timeoutMs, connections: config.load.concurrency + 2, access });
    const warnings: string[] = [];
    try {
        let model = config.model;
        let listingError: string | null = null;
        let servedModels: string[] = [];
        let maxModelLen: number | null = null;
        let health: HealthResult | Skipped = skipped("not selected");
        let blocker: string | null = null;
        /** /v1/models problems found without the health phase, which would otherwise have reported them. */
        const modelFailures: string[] = [];

        if (config.phases.has("health")) {
            health = await runHealth(client, { model: config.model, expectModel: config.expectModel, maxErrorRate: config.thresholds.maxErrorRate ?? 0 });
            model = health.model;
            maxModelLen = health.maxModelLen;
            servedModels = health.servedModels;
            // The first failed check carries the real cause (connection refused, timeout, TLS...).
            if (!health.reachable) blocker = `server unreachable (${health.checks.find((c) => c.status === "fail")?.detail ?? "no answer"})`;
            else if (!health.canServe) blocker = "no completion request succeeded in the health phase";
        } else if (config.phases.has("cache") || config.phases.has("load")) {
            const listing = await listModels(client);
            if (listing.ok) {
                model = model ?? listing.cards[0].id;
                servedModels = listing.cards.map((c) => c.id);
                maxModelLen = listing.cards.find((c) => c.id === model)?.maxModelLen ?? null;
                const mismatch = expectModelMismatch(listing.cards.map((c) => c.id), config.expectModel);
                if (mismatch !== null) modelFailures.push(`GET /v1/models: ${mismatch}`);
            } else {
                listingError = listing.error;
            }
            if (!listing.ok && config.expectModel !== null) {
                // The user asked for a guarantee; not being able to check it must not read as a pass.
                modelFailures.push(`GET /v1/models: --expect-model ${config.expectModel} could not be checked: ${listing.error}`);
            }
        }
        if (blocker === null && model === null) blocker = `no model id (GET /v1/models failed: ${listingError ?? "no id listed"}); pass --model`;

        const served = config.blockSize === null && blocker === null ? await servedBlockSizeOf(client) : null;
        const { blockSize, blockSizeSource } = chooseBlockSize(config.blockSize, served, maxModelLen);

        let cache: CacheResult | Skipped = skipped("not selected");
        if (config.phases.has("cache")) {
            cache =
                blocker !== null || model === null
                    ? skipped(blocker ?? "no model id")
                    : await runCache(client, { model, config: config.cache, blockSize, blockSizeSource, maxModelLen, seed, runId, progress });
        }

        let load: LoadResult | Skipped = skipped("not selected");
        if (config.phases.has("load")) {
            load =
                blocker !== null || model === null
                    ? skipped(blocker ?? "no model id")
                    : await runLoad(client, { model, config: config.load, maxErrorRate: config.thresholds.maxErrorRate ?? 0, seed, runId, progress, maxModelLen });
        }

        const thresholds = evaluateThresholds(config.thresholds, thresholdInputs(cache, load));
        const failures: string[] = [];
        if (!isSkipped(health)) failures.push(...health.failures);
        failures.push(...modelFailures);
        if (blocker !== null && (config.phases.has("cache") || config.phases.has("load"))) {
            failures.push(`cache and load phases skipped: ${blocker}`);
        }
        if (!isSkipped(cache)) {
            failures.push(...cache.failures);
            warnings.push(...cache.warnings);
        }
        if (!isSkipped(load)) {
            failures.push(...load.failures);
            warnings.push(...load.warnings);
        }
        for (const t of thresholds) if (!t.pass) failures.push(`threshold: ${t.message}`);
        const ok = failures.length === 0;
        return {
            schema: REPORT_SCHEMA,
            tool: { name: "verify", version: TOOL_VERSION },
            baseUrl: config.baseUrl,
            model,
            runId,
            seed,
            options: effectiveOptions(config),
            server: { model, servedModels, maxModelLen, blockSize, blockSizeSource },
            startedAt: startedAt.toISOString(),
            durationMs: performance.now() - t0,
            phases: { health, cache, load },
            thresholds,
            failures,
            warnings,
            ok,
            exitCode: ok ? 0 : 1,
        };
    } finally {
        await client.close();
    }
}

export { isSkipped };

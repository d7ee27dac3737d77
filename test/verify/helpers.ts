import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../tools/simulator/server";
import type { SimulatorOptions } from "../../tools/simulator/options";
import { main } from "../../tools/verify/cli";
import type { LoadConfig } from "../../tools/verify/config";
import type { LoadPhaseResult } from "../../tools/verify/load";
import type { VerifyReport } from "../../tools/verify/run";

export interface CliRun {
    code: number;
    out: string;
    err: string;
}

/** Runs `verify` in-process with captured output; the Pulumi stack lookup fails unless a URL is supplied. */
export async function runCli(args: string[], stackUrl?: (stack: string) => Promise<string>): Promise<CliRun> {
    let out = "";
    let err = "";
    const code = await main(args, {
        stdout: (s) => {
            out += s;
        },
        stderr: (s) => {
            err += s;
        },
        stderrIsTTY: false,
        resolveStackUrl: stackUrl ?? (() => Promise.reject(new Error("no Pulumi stack in tests"))),
    });
    return { code, out, err };
}

export async function runJson(args: string[]): Promise<{ code: number; report: VerifyReport; err: string }> {
    const { code, out, err } = await runCli([...args, "--json"]);
    return { code, report: JSON.parse(out) as VerifyReport, err };
}

/** Small workloads: enough requests to exercise every code path, few enough to keep the suite fast. */
export const SMALL = ["--cache-groups", "2", "--cache-requests", "3", "--serial-requests", "2", "--requests", "8", "--concurrency", "4", "--max-tokens", "8", "--seed", "7"];

/** Runs `fn` against a fresh simulator on loopback, closing it whatever happens. */
export async function withSim<T>(options: Partial<SimulatorOptions>, fn: (sim: SimulatorHandle) => Promise<T>): Promise<T> {
    const sim = await startSimulator(options);
    try {
        return await fn(sim);
    } finally {
        await sim.close();
    }
}

/** Compares with test/verify/fixtures/<name>; UPDATE_GOLDEN=1 rewrites it (review the diff). */
export function golden(name: string, actual: string): void {
    const file = path.join(__dirname, "fixtures", name);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual);
    // A missing golden fails: a clean clone must not pass by writing its own expectations.
    expect(existsSync(file), `${name} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
    expect(actual).toBe(readFileSync(file, "utf8"));
}

/** A small load config: unique 8-word prompts, 2 output tokens, no rate, sweep, SLOs or shared prefix. */
export function loadConfig(overrides: Partial<LoadConfig> = {}): LoadConfig {
    return {
        serialRequests: 0,
        concurrency: 1,
        requests: 3,
        durationMs: null,
        rate: null,
        promptTokens: 8,
        maxTokens: 2,
        api: "completions",
        arrival: "constant",
        slo: null,
        sweep: null,
        sharedPrefix: null,
        ...overrides,
    };
}

/** A concurrent phase of 10 successful requests with latency and TTFT summaries; override what a test needs. */
export function loadPhaseResult(overrides: Partial<LoadPhaseResult> = {}): LoadPhaseResult {
    return {
        name: "concurrent",
        concurrency: 4,
        targetRate: null,
        requests: 10,
        succeeded: 10,
        failed: 0,
        errors: {},
        errorSamples: [],
        errorRate: 0,
        elapsedMs: 1000,
        rps: 10,
        outputTokensPerSec: 100,
        promptTokens: 100,
        outputTokens: 100,
        latency: { count: 10, min: 1, mean: 5, p50: 5, p90: 8, p99: 9, max: 9 },
        ttft: { count: 10, min: 1, mean: 2, p50: 2, p90: 3, p99: 3, max: 3 },
        tpot: null,
        itl: null,
        arrival: "closed",
        scheduleLag: null,
        goodput: null,
        cachedRatio: null,
        samples: [],
        abortedReason: null,
        ...overrides,
    };
}

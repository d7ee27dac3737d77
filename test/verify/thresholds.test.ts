import { describe, expect, it } from "vitest";
import { thresholdInputs } from "../../tools/verify/run";
import { evaluateThresholds, type ThresholdInputs } from "../../tools/verify/thresholds";
import { loadPhaseResult } from "./helpers";

const measured: ThresholdInputs = { cachedRatio: 0.8, p50Ms: 120, p99Ms: 900, ttftP50Ms: 40, errorRate: 0.02, rps: 30, goodput: 0.5 };

describe("evaluateThresholds", () => {
    it("evaluates nothing when no threshold was given", () => {
        expect(evaluateThresholds({}, measured)).toEqual([]);
    });

    it("passes limits that are met, including exactly on the limit", () => {
        const results = evaluateThresholds({ minCachedRatio: 0.8, maxP50Ms: 120, maxErrorRate: 0.05, minRps: 10 }, measured);
        expect(results.map((r) => r.pass)).toEqual([true, true, true, true]);
    });

    it("fails missed limits with a message naming value and limit", () => {
        const results = evaluateThresholds({ minCachedRatio: 0.9, maxP99Ms: 500, maxTtftP50Ms: 10, minRps: 100 }, measured);
        expect(results.every((r) => !r.pass)).toBe(true);
        expect(results[0].message).toBe("cached-token ratio 0.8 misses >= 0.9");
        expect(results[1].message).toContain("latency p99 900 ms misses <= 500 ms");
    });

    it("fails a threshold that could not be measured", () => {
        const [r] = evaluateThresholds({ maxP50Ms: 100 }, { ...measured, p50Ms: null });
        expect(r.pass).toBe(false);
        expect(r.actual).toBeNull();
        expect(r.message).toMatch(/not measured/);
    });
});

const phase = loadPhaseResult;

describe("thresholdInputs", () => {
    it("judges latency on the concurrent phase and errors over both phases", () => {
        const serial = phase({ name: "serial", requests: 10, failed: 2, succeeded: 8, latency: { count: 8, min: 1, mean: 1, p50: 1, p90: 1, p99: 1, max: 1 } });
        const concurrent = phase({ requests: 30, failed: 2, succeeded: 28 });
        const inputs = thresholdInputs({ status: "skip", reason: "not selected" }, { status: "pass", serial, concurrent, sweep: [], server: null, failures: [], warnings: [] });
        expect(inputs.p50Ms).toBe(5);
        expect(inputs.ttftP50Ms).toBe(2);
        expect(inputs.errorRate).toBeCloseTo(0.1);
        expect(inputs.cachedRatio).toBeNull();
    });

    it("reports nothing for skipped phases", () => {
        const skip = { status: "skip" as const, reason: "not selected" };
        expect(thresholdInputs(skip, skip)).toEqual({ cachedRatio: null, p50Ms: null, p99Ms: null, ttftP50Ms: null, errorRate: null, rps: null, goodput: null });
    });
});

describe("every threshold's message, pinned", () => {
    it("words each rule with its unit and direction, pass and miss", () => {
        const all = { minCachedRatio: 0.5, maxP50Ms: 100, maxP99Ms: 900, maxTtftP50Ms: 40, maxErrorRate: 0.01, minRps: 10, minGoodput: 0.9 };
        const good = evaluateThresholds(all, { cachedRatio: 0.5, p50Ms: 100, p99Ms: 123.456, ttftP50Ms: 39.99, errorRate: 0, rps: 1234.5, goodput: 0.95 });
        expect(good.map((r) => [r.name, r.limit, r.pass, r.message])).toEqual([
            ["cached-token ratio", ">= 0.5", true, "cached-token ratio 0.5 meets >= 0.5"],
            ["latency p50", "<= 100 ms", true, "latency p50 100 ms meets <= 100 ms"],
            ["latency p99", "<= 900 ms", true, "latency p99 123 ms meets <= 900 ms"],
            ["TTFT p50", "<= 40 ms", true, "TTFT p50 40 ms meets <= 40 ms"],
            ["error rate", "<= 0.01", true, "error rate 0 meets <= 0.01"],
            ["throughput", ">= 10 req/s", true, "throughput 1235 req/s meets >= 10 req/s"],
            ["goodput (share within SLOs)", ">= 0.9", true, "goodput (share within SLOs) 0.95 meets >= 0.9"],
        ]);
        const bad = evaluateThresholds(all, { cachedRatio: 0.49, p50Ms: 100.5, p99Ms: 901, ttftP50Ms: 99.5, errorRate: 0.5, rps: 9.99, goodput: 0.1 });
        expect(bad.map((r) => r.message)).toEqual([
            "cached-token ratio 0.49 misses >= 0.5",
            "latency p50 101 ms misses <= 100 ms",
            "latency p99 901 ms misses <= 900 ms",
            "TTFT p50 99.5 ms misses <= 40 ms",
            "error rate 0.5 misses <= 0.01",
            "throughput 9.99 req/s misses >= 10 req/s",
            "goodput (share within SLOs) 0.1 misses >= 0.9",
        ]);
        expect(bad.every((r) => !r.pass)).toBe(true);
        expect(evaluateThresholds({}, { cachedRatio: 0, p50Ms: 0, p99Ms: 0, ttftP50Ms: 0, errorRate: 0, rps: 0, goodput: 0 })).toEqual([]);
        expect(evaluateThresholds({ minGoodput: 0.5 }, { cachedRatio: null, p50Ms: null, p99Ms: null, ttftP50Ms: null, errorRate: null, rps: null, goodput: null })[0].message).toBe(
            "goodput (share within SLOs): not measured (phase skipped or no successful requests), required >= 0.5",
        );
    });
});

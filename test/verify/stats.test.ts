import { describe, expect, it } from "vitest";
import { LatencyRecorder, mean, percentile, perSecond, ratio } from "../../tools/verify/stats";
import { seededRandom } from "../../tools/verify/workload";

describe("percentile (nearest rank)", () => {
    it("picks ranked values", () => {
        const v = [15, 20, 35, 40, 50];
        expect(percentile(v, 0)).toBe(15);
        expect(percentile(v, 30)).toBe(20);
        expect(percentile(v, 50)).toBe(35);
        expect(percentile(v, 100)).toBe(50);
        expect(percentile([3, 1, 2], 50)).toBe(2);
    });

    it("handles empty and invalid input", () => {
        expect(percentile([], 50)).toBeNull();
        expect(() => percentile([1], 101)).toThrow("percentile must be within [0, 100], got 101");
        expect(() => percentile([1], -1)).toThrow(RangeError);
        expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
        expect(mean([])).toBeNull();
        expect(mean([1, 2, 3, 6])).toBe(3);
    });
});

describe("LatencyRecorder (HDR histogram)", () => {
    it("returns null before anything is recorded", () => {
        expect(new LatencyRecorder().summary()).toBeNull();
    });

    it("matches exact percentiles within HDR's 0.1% precision", () => {
        const random = seededRandom(42);
        const values = Array.from({ length: 5000 }, () => 1 + random() * random() * 2000);
        const recorder = new LatencyRecorder();
        for (const v of values) recorder.record(v);
        const s = recorder.summary();
        expect(s).not.toBeNull();
        if (s === null) return;
        expect(s.count).toBe(5000);
        for (const [p, got] of [
            [50, s.p50],
            [90, s.p90],
            [99, s.p99],
        ] as const) {
            const exact = percentile(values, p) ?? 0;
            expect(Math.abs(got - exact) / exact).toBeLessThan(0.002);
        }
        expect(s.p50).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.p99);
        expect(s.max).toBeCloseTo(Math.max(...values), 0);
        expect(Math.abs(s.mean - (mean(values) ?? 0))).toBeLessThan(2);
    });

    it("counts a zero latency, clamps an hour-plus one instead of resizing, and counts as it goes", () => {
        const recorder = new LatencyRecorder();
        expect(recorder.count).toBe(0);
        recorder.record(0);
        expect(recorder.count).toBe(1);
        // Past the fixed range (1 h): clamped to the top, so memory stays fixed whatever a server does.
        recorder.record(10 * 3_600_000);
        expect(recorder.count).toBe(2);
        const s = recorder.summary();
        expect(s?.min).toBeCloseTo(0.001, 6);
        expect(s?.max).toBeGreaterThanOrEqual(3_599_000);
        expect(s?.max).toBeLessThanOrEqual(3_601_000);
    });

    it("keeps sub-millisecond resolution and ignores invalid samples", () => {
        const recorder = new LatencyRecorder();
        recorder.record(0.25);
        recorder.record(0.75);
        recorder.record(Number.NaN);
        recorder.record(-1);
        const s = recorder.summary();
        expect(s?.count).toBe(2);
        expect(s?.p50).toBeCloseTo(0.25, 3);
        expect(s?.max).toBeCloseTo(0.75, 3);
    });
});

describe("rates", () => {
    it("computes per-second rates and ratios without dividing by zero", () => {
        expect(perSecond(50, 2000)).toBe(25);
        expect(perSecond(5, 0)).toBe(0);
        expect(ratio(1, 4)).toBe(0.25);
        expect(ratio(0, 0)).toBeNull();
    });
});

import * as hdr from "hdr-histogram-js";

export interface LatencySummary {
    count: number;
    min: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
}

/** Highest recordable latency: one hour in microseconds; anything slower is clamped (timeouts end far sooner). */
const MAX_MICROS = 3_600_000_000;

/**
 * Latency recorder over an HDR histogram: constant memory whatever the request count, 3 significant digits
 * (0.1 % value error), microsecond resolution. Values in and out are milliseconds.
 */
export class LatencyRecorder {
    private readonly histogram = hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: MAX_MICROS,
        numberOfSignificantValueDigits: 3,
        autoResize: false,
        useWebAssembly: false,
    });

    record(ms: number): void {
        if (!Number.isFinite(ms) || ms < 0) return;
        this.histogram.recordValue(Math.min(MAX_MICROS, Math.max(1, Math.round(ms * 1000))));
    }

    get count(): number {
        return this.histogram.totalCount;
    }

    /** null when nothing was recorded, so a report can say "no data" instead of showing zeros. */
    summary(): LatencySummary | null {
        const h = this.histogram;
        if (h.totalCount === 0) return null;
        const ms = (micros: number) => micros / 1000;
        return {
            count: h.totalCount,
            min: ms(h.minNonZeroValue),
            mean: ms(h.mean),
            p50: ms(h.getValueAtPercentile(50)),
            p90: ms(h.getValueAtPercentile(90)),
            p99: ms(h.getValueAtPercentile(99)),
            max: ms(h.maxValue),
        };
    }
}

/** Nearest-rank percentile of a small sample (exact; used where a histogram would be overkill). */
export function percentile(values: readonly number[], p: number): number | null {
    if (values.length === 0) return null;
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[rank - 1];
}

export function mean(values: readonly number[]): number | null {
    if (values.length === 0) return null;
    return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Events per second over a wall-clock window; 0 for an empty window rather than Infinity. */
export function perSecond(count: number, elapsedMs: number): number {
    return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

/** ratio = part / whole, null when whole is 0 (nothing to compare against). */
export function ratio(part: number, whole: number): number | null {
    return whole > 0 ? part / whole : null;
}

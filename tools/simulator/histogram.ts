/**
 * Prometheus histograms with vLLM's bucket boundaries (upstream row "vLLM histogram buckets"), so that
 * histogram_quantile works on the simulator's /metrics as it does on vLLM's.
 */
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
export const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
export const REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];

export class Histogram {
    /** Per bucket, non-cumulative; the +Inf bucket is count. */
    private readonly counts: number[];
    sum = 0;
    count = 0;

    constructor(readonly buckets: readonly number[]) {
        this.counts = buckets.map(() => 0);
    }

    observe(seconds: number): void {
        this.sum += seconds;
        this.count += 1;
        const i = this.buckets.findIndex((le) => seconds <= le);
        if (i !== -1) this.counts[i] += 1;
    }

    /** Cumulative counts per `le`, as the text format wants them, ending with +Inf. */
    cumulative(): { le: string; count: number }[] {
        let running = 0;
        const rows = this.buckets.map((le, i) => {
            running += this.counts[i];
            return { le: formatLe(le), count: running };
        });
        rows.push({ le: "+Inf", count: this.count });
        return rows;
    }
}

/** prometheus_client writes bucket bounds as floats: 1.0, 0.005, 2560.0. */
export function formatLe(le: number): string {
    return Number.isInteger(le) ? `${le}.0` : String(le);
}

import { describe, expect, it } from "vitest";
import { parseWrk, wrkMs } from "../../bench/verify.bench";

// Output of `wrk -t1 -c16 -d8s --latency` (wrk 4.1.0, Debian), trimmed.
const WRK_OUTPUT = `Running 8s test @ http://127.0.0.1:8000/v1/completions
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.94ms    1.20ms  23.19ms   92.27%
    Req/Sec     5.24k   310.00     5.60k    80.00%
  Latency Distribution
     50%    2.85ms
     75%  251.00us
     90%    3.50ms
     99%    1.01s
  41882 requests in 8.00s, 143.33MB read
Requests/sec:   5235.12
Transfer/sec:     17.92MB
`;

describe("bench: wrk reference parsing", () => {
    it("reads wrk's latency units", () => {
        expect(["251.00us", "2.85ms", "1.01s", "2m", "7"].map(wrkMs)).toEqual([0.251, 2.85, 1010, 120_000, Number.NaN]);
    });

    it("reads requests/s and the p50/p99 of wrk --latency", () => {
        expect(parseWrk(WRK_OUTPUT)).toEqual({ rps: 5235.12, p50Ms: 2.85, p99Ms: 1010, non2xx: 0 });
        expect(parseWrk(WRK_OUTPUT.replace("Requests/sec", "  Non-2xx or 3xx responses: 12\nRequests/sec"))?.non2xx).toBe(12);
        expect(parseWrk("Requests/sec: 10")).toBeNull();
    });
});

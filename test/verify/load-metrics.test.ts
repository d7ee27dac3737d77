import { describe, expect, it } from "vitest";
import type { LoadConfig } from "../../tools/verify/config";
import { parseLevels } from "../../tools/verify/config";
import {
    arrivalSchedule,
    goodputOf,
    lengthProblem,
    meetsSlo,
    parseSlo,
    phasePrompt,
    sharedCachedRatio,
    tpotOf,
    type LoadResult,
    type LoadSample,
} from "../../tools/verify/load";
import { runCli, runJson, withSim } from "./helpers";

function sample(over: Partial<LoadSample>): LoadSample {
    return { index: 0, group: null, scheduledMs: 0, sentMs: 0, ok: true, error: null, ttftMs: 10, e2eMs: 100, tpotMs: 5, promptTokens: 100, outputTokens: 10, cachedTokens: 0, ...over };
}

const CONFIG: LoadConfig = {
    serialRequests: 0,
    concurrency: 1,
    requests: 1,
    durationMs: null,
    rate: null,
    promptTokens: 256,
    maxTokens: 64,
    api: "completions",
    arrival: "constant",
    slo: null,
    sweep: null,
    sharedPrefix: null,
};

describe("load arithmetic", () => {
    it("spaces constant arrivals 1/rate apart", () => {
        const at = arrivalSchedule("constant", 4, 1);
        expect([0, 1, 2, 3].map(at)).toEqual([0, 250, 500, 750]);
        expect(arrivalSchedule("closed", 2, 1)(3)).toBe(1500);
    });

    it("draws Poisson arrivals from the seed: reproducible, increasing, mean gap 1/rate", () => {
        const a = arrivalSchedule("poisson", 10, 42);
        const b = arrivalSchedule("poisson", 10, 42);
        const times = Array.from({ length: 2001 }, (_, i) => a(i));
        expect(times[0]).toBe(0);
        expect(times.map((_, i) => b(i))).toEqual(times);
        for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
        // Mean of 2000 exponential gaps with mean 100 ms: within 10%.
        expect(times[2000] / 2000).toBeGreaterThan(90);
        expect(times[2000] / 2000).toBeLessThan(110);
        expect(arrivalSchedule("poisson", 10, 43)(5)).not.toBe(times[5]);
        // Asking out of order gives the same times.
        const c = arrivalSchedule("poisson", 10, 42);
        expect(c(7)).toBe(times[7]);
        expect(c(3)).toBe(times[3]);
    });

    it("computes TPOT after the first token", () => {
        expect(tpotOf(110, 10, 11)).toBe(10);
        expect(tpotOf(110, 10, 2)).toBe(100);
        expect(tpotOf(110, 10, 1)).toBeNull();
        expect(tpotOf(110, null, 11)).toBeNull();
    });

    it("parses SLOs like vllm bench serve --goodput", () => {
        expect(parseSlo("ttft:500,tpot:50,e2el:2000")).toEqual({ ttftMs: 500, tpotMs: 50, e2eMs: 2000 });
        expect(parseSlo(" e2el:1.5 ")).toEqual({ e2eMs: 1.5 });
        expect(parseSlo("ttft:1.25,,e2el:2")).toEqual({ ttftMs: 1.25, e2eMs: 2 });
        expect(parseSlo("xttft:1")).toBeNull();
        expect(parseSlo("ttft:1x")).toBeNull();
        for (const bad of ["", "ttft", "ttft:", "ttft:-1", "itl:5", "ttft:1,ttft:2", "ttft:1e3"]) expect(parseSlo(bad)).toBeNull();
    });

    it("judges a request good only when it meets every SLO given", () => {
        const slo = { ttftMs: 10, tpotMs: 5, e2eMs: 100 };
        expect(meetsSlo(sample({}), slo)).toBe(true);
        expect(meetsSlo(sample({ ttftMs: 10.1 }), slo)).toBe(false);
        expect(meetsSlo(sample({ ttftMs: null }), slo)).toBe(false);
        expect(meetsSlo(sample({ tpotMs: 5.1 }), slo)).toBe(false);
        expect(meetsSlo(sample({ tpotMs: null }), slo)).toBe(true);
        expect(meetsSlo(sample({ e2eMs: 100.1 }), slo)).toBe(false);
        expect(meetsSlo(sample({ ok: false }), {})).toBe(false);
        expect(meetsSlo(sample({ ttftMs: null, e2eMs: 1e9 }), {})).toBe(true);
        expect(goodputOf([sample({}), sample({ e2eMs: 200 }), sample({ ok: false }), sample({})], { e2eMs: 150 }, 2000)).toEqual({
            slo: { e2eMs: 150 },
            good: 2,
            share: 0.5,
            rps: 1,
        });
        expect(goodputOf([], { e2eMs: 1 }, 0)).toEqual({ slo: { e2eMs: 1 }, good: 0, share: 0, rps: 0 });
    });

    it("counts the shared-prefix cached ratio over requests after each group's first", () => {
        const samples = [
            sample({ index: 0, group: 0, cachedTokens: 0 }),
            sample({ index: 1, group: 1, cachedTokens: 0 }),
            sample({ index: 2, group: 0, cachedTokens: 50 }),
            sample({ index: 3, group: 1, cachedTokens: 100 }),
            sample({ index: 4, group: 1, ok: false, cachedTokens: 100 }),
            sample({ index: 5, group: null, cachedTokens: 100 }),
            sample({ index: 6, group: 0, cachedTokens: null }),
        ];
        expect(sharedCachedRatio(samples)).toBe(0.75);
        expect(sharedCachedRatio([sample({ group: null })])).toBeNull();
    });

    it("interleaves shared-prefix prompts over the groups", () => {
        const o = { promptTokens: 5, seed: 1, runId: "abc1234", sharedPrefix: { groups: 3, prefixTokens: 10 } };
        const prompts = [0, 1, 2, 3].map((i) => phasePrompt(o, i));
        expect(prompts.map((p) => p.group)).toEqual([0, 1, 2, 0]);
        const prefixOf = (p: string) => p.split("\n")[0];
        expect(prefixOf(prompts[3].prompt)).toBe(prefixOf(prompts[0].prompt));
        expect(prefixOf(prompts[1].prompt)).not.toBe(prefixOf(prompts[0].prompt));
        expect(prefixOf(prompts[0].prompt).split(" ")).toHaveLength(10);
        expect(prompts[3].prompt).not.toBe(prompts[0].prompt);
        expect(phasePrompt({ ...o, sharedPrefix: null }, 0).group).toBeNull();
        expect(phasePrompt({ ...o, sharedPrefix: { groups: 0, prefixTokens: 10 } }, 0).group).toBeNull();
    });

    it("checks load lengths against max_model_len before the run", () => {
        expect(lengthProblem(CONFIG, null)).toBeNull();
        expect(lengthProblem(CONFIG, 2048)).toBeNull();
        // 256 words * 1.25 = 320, + 64 = 384.
        expect(lengthProblem(CONFIG, 384)).toBeNull();
        expect(lengthProblem(CONFIG, 383)).toBe(
            "load prompts of ~256 words (~320 tokens with margin) plus --max-tokens 64 need 384 tokens, more than the served max_model_len 383: " +
                "every request would be rejected; lower --prompt-tokens, --shared-prefix-tokens or --max-tokens",
        );
        expect(lengthProblem({ ...CONFIG, sharedPrefix: { groups: 2, prefixTokens: 1024 } }, 1500)).toMatch(/^load prompts of ~1280 words \(~1600 tokens/);
    });

    it("parses sweep levels", () => {
        expect(parseLevels("1,2,4", true, 16)).toEqual([1, 2, 4]);
        expect(parseLevels("0.5, 1.5", false, 10)).toEqual([0.5, 1.5]);
        for (const bad of ["", "1,,2", "0", "17", "1.5", "a", "1,2,3,4,5,6,7,8,9,10,11,12,13"]) expect(parseLevels(bad, true, 16)).toBeNull();
        expect(parseLevels("11", false, 10)).toBeNull();
    });
});

describe("load against the simulator", () => {
    it("streams TPOT and ITL for every request, and keeps per-request samples", async () => {
        await withSim({ decodeMsPerToken: 1 }, async (sim) => {
            const { code, report } = await runJson(["--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "6", "--concurrency", "2", "--max-tokens", "5", "--seed", "3"]);
            expect(code).toBe(0);
            const phase = (report.phases.load as LoadResult).concurrent;
            expect(phase?.tpot?.count).toBe(6);
            // 5 tokens = 5 chunks = 4 gaps per request.
            expect(phase?.itl?.count).toBe(24);
            expect(phase?.arrival).toBe("closed");
            expect(phase?.scheduleLag).toBeNull();
            expect(phase?.samples.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
            expect(phase?.samples.every((s) => s.ok && s.outputTokens === 5 && s.group === null && s.cachedTokens === null)).toBe(true);
        });
    });

    it("open-loop arrivals count latency from the scheduled time and report the lag", async () => {
        // 10 requests due within 50 ms, one at a time, each taking >= 20 ms: most must wait for the slot.
        await withSim({ decodeMsPerToken: 5 }, async (sim) => {
            const { report } = await runJson([
                "--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "10", "--concurrency", "1", "--rate", "200", "--max-tokens", "5",
            ]);
            const phase = (report.phases.load as LoadResult).concurrent;
            expect(phase?.arrival).toBe("constant");
            expect(phase?.scheduleLag?.count).toBe(10);
            const samples = phase?.samples ?? [];
            expect(samples.map((s) => s.scheduledMs)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
            for (const s of samples) {
                expect(s.sentMs).toBeGreaterThanOrEqual(s.scheduledMs);
                // e2e from the schedule includes the wait for the slot.
                expect(s.e2eMs).toBeGreaterThanOrEqual(s.sentMs - s.scheduledMs);
            }
            // Request 9 could not leave before the 9 before it finished: its lag is the queue it met.
            expect(samples[9].sentMs).toBeGreaterThan(samples[8].sentMs);
            expect(phase?.scheduleLag?.max).toBeGreaterThan(0);
        });
    });

    it("--arrival closed keeps the paced closed loop", async () => {
        await withSim({}, async (sim) => {
            const { report } = await runJson(["--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "3", "--rate", "100", "--arrival", "closed", "--max-tokens", "2"]);
            const phase = (report.phases.load as LoadResult).concurrent;
            expect(phase?.arrival).toBe("closed");
            expect(phase?.scheduleLag).toBeNull();
        });
    });

    it("goodput and --min-goodput", async () => {
        await withSim({}, async (sim) => {
            const args = ["--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "4", "--max-tokens", "2"];
            const loose = await runJson([...args, "--goodput", "e2el:60000", "--min-goodput", "1"]);
            expect(loose.code).toBe(0);
            expect((loose.report.phases.load as LoadResult).concurrent?.goodput).toMatchObject({ slo: { e2eMs: 60000 }, good: 4, share: 1 });
            const impossible = await runJson([...args, "--goodput", "ttft:0", "--min-goodput", "0.5"]);
            expect(impossible.code).toBe(1);
            expect(impossible.report.failures).toContain("threshold: goodput (share within SLOs) 0 misses >= 0.5");
        });
    });

    it("shared-prefix load shows routing under concurrency: prefix routing caches more than round-robin", async () => {
        const ratio = async (routing: "prefix" | "round-robin") =>
            withSim({ replicas: 3, routing }, async (sim) => {
                const { report } = await runJson([
                    "--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "48", "--concurrency", "4", "--max-tokens", "2",
                    "--prompt-tokens", "16", "--shared-prefix-groups", "4", "--shared-prefix-tokens", "1024", "--seed", "5",
                ]);
                return (report.phases.load as LoadResult).concurrent?.cachedRatio ?? -1;
            });
        const prefix = await ratio("prefix");
        const rr = await ratio("round-robin");
        expect(prefix).toBeGreaterThan(0.85);
        expect(rr).toBeLessThan(prefix);
    });

    it("sweeps concurrency levels after the main phase", async () => {
        await withSim({}, async (sim) => {
            const { code, report } = await runJson(["--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "4", "--max-tokens", "2", "--sweep-concurrency", "1,3"]);
            expect(code).toBe(0);
            const load = report.phases.load as LoadResult;
            expect(load.sweep.map((p) => [p.kind, p.level, p.phase.concurrency, p.phase.succeeded])).toEqual([
                ["concurrency", 1, 1, 4],
                ["concurrency", 3, 3, 4],
            ]);
        });
    });

    it("sweeps rates", async () => {
        await withSim({}, async (sim) => {
            const { report } = await runJson(["--url", sim.url, "--only", "load", "--serial-requests", "0", "--requests", "2", "--max-tokens", "2", "--sweep-rates", "100,200", "--arrival", "poisson"]);
            const load = report.phases.load as LoadResult;
            expect(load.sweep.map((p) => [p.level, p.phase.targetRate, p.phase.arrival])).toEqual([
                [100, 100, "poisson"],
                [200, 200, "poisson"],
            ]);
        });
    });

    it("refuses load that cannot fit the served context before sending it", async () => {
        await withSim({ maxModelLen: 512 }, async (sim) => {
            const { code, report } = await runJson(["--url", sim.url, "--only", "load", "--prompt-tokens", "1000"]);
            expect(code).toBe(1);
            expect(report.failures).toEqual([expect.stringMatching(/^load: load prompts of ~1000 words .* max_model_len 512: every request would be rejected/)]);
            expect(sim.replicaStats()[0].requests).toBe(0);
        });
    });

    it.each([
        [["--min-goodput", "0.5"], "--min-goodput needs --goodput SLOs"],
        [["--sweep-rates", "1", "--sweep-concurrency", "2"], "--sweep-rates and --sweep-concurrency cannot be combined"],
        [["--arrival", "poisson"], "--arrival needs --rate or --sweep-rates"],
        [["--goodput", "itl:3"], "expected ttft:<ms>, tpot:<ms> and/or e2el:<ms>"],
        [["--sweep-concurrency", "1,x"], "expected a comma-separated list of up to 12 integers from 1 to 1024"],
    ])("usage error %j", async (args, message) => {
        const { code, err } = await runCli(["--url", "http://127.0.0.1:9", ...args]);
        expect(code).toBe(2);
        expect(err).toContain(message);
    });
});

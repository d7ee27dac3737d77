/**
 * Golden outputs of the report writers for two frozen reports (test/verify/fixtures: a demo run's prefix and
 * round-robin reports, samples cut to 6 per phase). Every byte of the text report, CSV, HTML and comparison is
 * pinned; the HTML is kept as .html.golden because Stryker writes a @ts-nocheck into any .html under test/. After an
 * intended change, regenerate with UPDATE_GOLDEN=1 npx vitest run test/verify/golden.test.ts and review the diff.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "vitest";
import { compareReports, formatComparison } from "../../tools/verify/compare";
import { samplesCsv } from "../../tools/verify/csv";
import { renderHtml } from "../../tools/verify/html";
import { formatText } from "../../tools/verify/report";
import type { VerifyReport } from "../../tools/verify/run";
import { golden } from "./helpers";

const FIXTURES = path.join(__dirname, "fixtures");
const load = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8")) as VerifyReport;
const prefix = load("report-prefix.json");
const roundRobin = load("report-round-robin.json");


/** The same run with every phase skipped, and one whose load phase measured nothing: the "-" and skip paths. */
const skipped = { status: "skip", reason: "not selected" } as const;
const bare = { ...roundRobin, phases: { health: skipped, cache: skipped, load: skipped }, failures: ["first problem", "second <problem>"], warnings: ["w1"] } as unknown as VerifyReport;
const emptyLoad = load("report-prefix.json");
{
    const phases = emptyLoad.phases as unknown as { load: { concurrent: Record<string, unknown> | null; serial: Record<string, unknown> | null; sweep: unknown[] } };
    for (const key of ["ttft", "latency", "tpot", "itl", "goodput", "scheduleLag"]) {
        if (phases.load.concurrent !== null) phases.load.concurrent[key] = null;
    }
    phases.load.serial = null;
    phases.load.sweep = [];
}

/**
 * A prefix run bent into the shapes the others lack: a rate sweep with a point that measured no latency, a cache
 * phase with no affinity and no cached ratio, replicas only here (one the other run lacks), failed and TTFT-less
 * samples, and headline figures of exactly 10 ms and no rps. Built inside the test so mutation coverage sees it.
 */
function mixedReport(): VerifyReport {
    const r = load("report-prefix.json");
    const phases = r.phases as unknown as {
        cache: Record<string, unknown> & { replicas: { replica: string }[] };
        load: { concurrent: Record<string, unknown> & { samples: Record<string, unknown>[]; ttft: Record<string, unknown> }; sweep: { kind: string; phase: Record<string, unknown> }[] };
    };
    phases.cache.affinity = null;
    (phases.cache.groups as { laterTtftMs: number | null }[])[0].laterTtftMs = null;
    phases.cache.cachedRatio = null;
    phases.cache.replicas = [...phases.cache.replicas, { replica: "engine=0,replica=9", queries: 10, hits: 5, requests: 1 } as never];
    for (const point of phases.load.sweep) point.kind = "rate";
    const lastPoint = phases.load.sweep.at(-1);
    if (lastPoint !== undefined) lastPoint.phase.latency = null;
    const c = phases.load.concurrent;
    c.ttft = { ...c.ttft, p50: 10 };
    c.rps = null;
    c.samples[0] = { ...c.samples[0], ok: false, error: "http_5xx", ttftMs: null };
    c.samples[1] = { ...c.samples[1], ttftMs: null };
    return r;
}

/**
 * Text-report edges the real runs do not reach: unknown model, a skipped phase with a reason, health checks without
 * a status or latency and with warn/skip results, latencies on each unit boundary, affinity exactly at its
 * threshold and not judged, a cache ratio from /metrics, groups without counts, an unlabelled replica without
 * queries, errors of two kinds, a target rate, schedule lag, thresholds met and unmeasured, warnings.
 */
function edgeReports(): [VerifyReport, VerifyReport] {
    const a = load("report-prefix.json");
    const pa = a.phases as unknown as {
        health: { checks: Record<string, unknown>[] };
        cache: Record<string, unknown> & { affinity: Record<string, unknown>; groups: Record<string, unknown>[] };
        load: { serial: Record<string, unknown> | null; concurrent: Record<string, unknown>; sweep: unknown[]; server: unknown };
    };
    (a as { model: string | null }).model = null;
    const lat = [null, 9.999, 10, 99.94, 100, 999.4, 1000, Number.NaN];
    pa.health.checks = lat.map((latencyMs, i) => ({ name: `check ${i}`, status: ["pass", "fail", "warn", "skip"][i % 4], httpStatus: i === 0 ? null : 200, latencyMs, detail: `d${i}` }));
    pa.cache.minAffinity = 0.5;
    pa.cache.affinity = { ...pa.cache.affinity, tokenRatio: 0.5 };
    pa.cache.groups = pa.cache.groups.map((g, i) => (i === 0 ? { ...g, laterCachedTokens: null, ttftSpeedup: null, firstPromptTokens: null } : g));
    pa.load.serial = null;
    pa.load.sweep = [];
    pa.load.server = null;
    pa.load.concurrent = { ...pa.load.concurrent, errors: { http_5xx: 2, timeout: 1 }, targetRate: 50, arrival: "poisson", scheduleLag: { ...(pa.load.concurrent.latency as object), p50: 1.5, p99: 20, max: 1500 }, goodput: null };
    (a as { thresholds: unknown[] }).thresholds = [
        { name: "cached-token ratio", limit: ">= 0.5", actual: 0.123456, pass: false, message: "" },
        { name: "latency p50", limit: "<= 100 ms", actual: null, pass: false, message: "" },
        { name: "throughput", limit: ">= 1 req/s", actual: 111.23456, pass: true, message: "" },
    ];
    (a as { warnings: string[] }).warnings = ["first warning", "second warning"];
    const b = load("report-round-robin.json");
    const pb = b.phases as unknown as { health: unknown; cache: Record<string, unknown> };
    pb.health = { status: "skip", reason: "the server is unreachable" };
    pb.cache.minAffinity = 0;
    pb.cache.cachedRatioSource = "metrics";
    pb.cache.groups = [];
    pb.cache.replicas = [{ replica: "", queries: 0, hits: 0, requests: 3 }];
    return [a, b];
}

describe("golden report outputs", () => {
    it("text report edges", () => {
        const [a, b] = edgeReports();
        golden("edge-a.txt", formatText(a));
        golden("edge-b.txt", formatText(b));
        golden("compare-edge.txt", formatComparison(compareReports(a, mixedReport()), "edge", "mixed"));
    });

    it("HTML of runs with rate sweeps, missing affinity and replicas on one side only", () => {
        const other = load("report-round-robin.json");
        (other.phases.cache as unknown as { replicas: null }).replicas = null;
        golden("mixed.html.golden", renderHtml([{ label: "mixed", report: mixedReport() }, { label: "no replicas", report: other }], "mixed"));
        // A first run without a sweep or a known model, whose replicas lack one the second run has.
        const noSweep = load("report-round-robin.json");
        (noSweep.phases.load as unknown as { sweep: unknown[] }).sweep = [];
        noSweep.server = { ...noSweep.server, model: null, maxModelLen: null };
        golden("mixed-order.html.golden", renderHtml([{ label: "no sweep", report: noSweep }, { label: "mixed", report: mixedReport() }]));
        golden("mixed.txt", formatText(mixedReport()));
    });

    it("reports with skipped phases or nothing measured", () => {
        golden("bare.txt", formatText(bare));
        golden("bare.html.golden", renderHtml([{ label: "bare", report: bare }], "bare"));
        golden("empty-load.html.golden", renderHtml([{ label: "empty", report: emptyLoad }, { label: "bare", report: bare }], "empty"));
        golden("empty-load.txt", formatText(emptyLoad));
        golden("compare-bare.txt", formatComparison(compareReports(bare, emptyLoad), "bare", "empty"));
        golden("bare.csv", samplesCsv(bare));
    });

    it("text report of a passing and a failing run", () => {
        golden("prefix.txt", formatText(prefix));
        golden("round-robin.txt", formatText(roundRobin));
        golden("round-robin-quiet.txt", formatText(roundRobin, true));
    });

    it("samples CSV", () => {
        golden("prefix.csv", samplesCsv(prefix));
    });

    it("HTML of one run and of two side by side", () => {
        golden("prefix.html.golden", renderHtml([{ label: "prefix", report: prefix }], "verify prefix"));
        golden("compare.html.golden", renderHtml([{ label: "round-robin", report: roundRobin }, { label: "prefix", report: prefix }], "round-robin vs prefix"));
    });

    it("comparison table", () => {
        golden("compare.txt", formatComparison(compareReports(roundRobin, prefix), "round-robin", "prefix"));
    });
});

/**
 * Golden outputs of the report writers for two frozen reports (test/verify/fixtures: a demo run's prefix and
 * round-robin reports, samples cut to 6 per phase). Every byte of the text report, CSV, HTML and comparison is
 * pinned; the HTML is kept as .html.golden because Stryker writes a @ts-nocheck into any .html under test/. After an
 * intended change, regenerate with UPDATE_GOLDEN=1 npx vitest run test/verify/golden.test.ts and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compareReports, formatComparison } from "../../tools/verify/compare";
import { samplesCsv } from "../../tools/verify/csv";
import { renderHtml } from "../../tools/verify/html";
import { formatText } from "../../tools/verify/report";
import type { VerifyReport } from "../../tools/verify/run";

const FIXTURES = path.join(__dirname, "fixtures");
const load = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8")) as VerifyReport;
const prefix = load("report-prefix.json");
const roundRobin = load("report-round-robin.json");

function golden(name: string, actual: string): void {
    const file = path.join(FIXTURES, name);
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, actual);
    expect(actual).toBe(readFileSync(file, "utf8"));
}

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

describe("golden report outputs", () => {
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

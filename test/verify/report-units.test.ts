import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compareReports, formatComparison } from "../../tools/verify/compare";
import { csvCell, CSV_COLUMNS, samplesCsv } from "../../tools/verify/csv";
import { cacheOf, loadOf, mainPhase } from "../../tools/verify/html";
import type { VerifyReport } from "../../tools/verify/run";
import { barChart, escapeXml, formatTick, lineChart, niceTicks } from "../../tools/verify/svg";

const fixture = () => JSON.parse(readFileSync(path.join(__dirname, "fixtures", "report-prefix.json"), "utf8")) as VerifyReport;

describe("comparison arithmetic", () => {
    it("gives B/A, null when either side is missing or A is 0", () => {
        const a = fixture();
        const b = fixture();
        const rows = compareReports(a, b);
        expect(rows).toHaveLength(15);
        const byName = Object.fromEntries(rows.map((r) => [r.metric, r]));
        expect(byName["requests/s"].ratio).toBe(1);
        expect(byName["error rate"]).toEqual({ metric: "error rate", better: "lower", a: 0, b: 0, ratio: null });
        // Later TTFT over the groups: the median (lower middle of 4) of the per-group medians.
        const later = (cacheOf(a)?.groups ?? []).map((g) => g.laterTtftMs ?? 0).sort((x, y) => x - y);
        expect(byName["later TTFT p50 (cache), ms"].a).toBe(later[1]);
        const skipped = { ...b, phases: { ...b.phases, cache: { status: "skip", reason: "not selected" } } } as VerifyReport;
        const vsSkipped = Object.fromEntries(compareReports(a, skipped).map((r) => [r.metric, r]));
        expect(vsSkipped["routing affinity"]).toMatchObject({ b: null, ratio: null });
        expect(vsSkipped["later TTFT p50 (cache), ms"]).toMatchObject({ b: null, ratio: null });
        expect(formatComparison([{ metric: "gone", better: "higher", a: null, b: null, ratio: null }], "A", "B")).not.toContain("gone");
        expect(formatComparison([{ metric: "half", better: "lower", a: 2, b: 1, ratio: 0.5 }], "A", "B")).toMatch(/half +│ 2 +│ 1 +│ 0\.50x +│ lower/);
        expect(formatComparison([{ metric: "big", better: "higher", a: 1234.5, b: null, ratio: null }], "A", "B")).toMatch(/big +│ 1235 +│ - +│ - +│ higher/);
    });

    it("takes the headline load figures from the concurrent phase, else the serial one", () => {
        const r = fixture();
        const load = loadOf(r);
        expect(mainPhase(r)).toBe(load?.concurrent);
        if (load !== null) load.concurrent = null;
        expect(mainPhase(r)).toBe(load?.serial);
        const none = { ...r, phases: { ...r.phases, load: { status: "skip", reason: "x" } } } as VerifyReport;
        expect(mainPhase(none)).toBeNull();
        expect(loadOf(none)).toBeNull();
    });
});

describe("CSV of a run without samples", () => {
    it("is the header alone", () => {
        const r = fixture();
        const empty = { ...r, phases: { health: r.phases.health, cache: { status: "skip", reason: "x" }, load: { status: "skip", reason: "x" } } } as VerifyReport;
        expect(samplesCsv(empty)).toBe(`${CSV_COLUMNS.join(",")}\n`);
    });
});

describe("escaping", () => {
    it("escapes the five XML specials it must, and quotes CR in CSV", () => {
        expect(escapeXml(`a&b<c>d"e'f`)).toBe("a&amp;b&lt;c&gt;d&quot;e'f");
        expect(csvCell("a\rb")).toBe('"a\rb"');
        expect(csvCell(-1.5)).toBe("-1.500");
        expect(csvCell(false)).toBe("false");
    });
});

describe("chart edge cases", () => {
    it("formats ticks", () => {
        // Three significant digits: 9999 shows as 10000.
        expect([-5, 9999, 10_000, 0.000123, 2.5].map(formatTick)).toEqual(["-5", "10000", "10k", "0.000123", "2.5"]);
        expect(niceTicks(0, 10, 2)).toEqual([0, 5, 10]);
        expect(niceTicks(1, 3)).toEqual([1, 1.5, 2, 2.5, 3]);
        expect(niceTicks(0, 7)).toEqual([0, 2, 4, 6]);
    });

    it("centres a single x and scales an all-zero series to 1", () => {
        const svg = lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [{ name: "s", points: [[5, 0]] }] });
        // x in the middle of the plot (64 + (624 - 64) / 2), y on the axis.
        expect(svg).toContain('d="M344.0,252.0"');
        expect(svg).toContain('<circle cx="344.0" cy="252.0" r="3"');
        const many = lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [{ name: "s", points: Array.from({ length: 25 }, (_, i): [number, number] => [i, i]) }] });
        expect(many).not.toContain("<circle");
    });

    it("caps bars at a given maximum and labels each category", () => {
        const svg = barChart({ title: "b", yLabel: "y", categories: ["one", "two"], series: [{ name: "s", points: [1, 0.5] }], max: 1 });
        expect(svg.match(/<rect class="mark"[^>]*height="([\d.]+)"/g)?.map((m) => /height="([\d.]+)"/.exec(m)?.[1])).toEqual(["204.0", "102.0"]);
        expect(svg).toContain(">one</text>");
        expect(svg).toContain("<title>s two: 0.5</title>");
    });
});

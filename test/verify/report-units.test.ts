import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compareReports, formatComparison, parseReport } from "../../tools/verify/compare";
import { csvCell, CSV_COLUMNS, samplesCsv } from "../../tools/verify/csv";
import { cacheOf, loadOf, mainPhase } from "../../tools/verify/html";
import type { VerifyReport } from "../../tools/verify/run";
import { barChart, cdfPoints, escapeXml, formatTick, lineChart, niceTicks } from "../../tools/verify/svg";

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

describe("reading a report for compare", () => {
    it("names the file and the schema it found", () => {
        expect(() => parseReport("null", "a.json")).toThrow("a.json is not a tpu-inference-stack/verify@2 report (schema null)");
        expect(() => parseReport("5", "a.json")).toThrow("a.json is not a tpu-inference-stack/verify@2 report (schema null)");
        expect(() => parseReport('{"schema":"other"}', "b.json")).toThrow('b.json is not a tpu-inference-stack/verify@2 report (schema "other")');
        expect(() => parseReport("{", "c.json")).toThrow("c.json is not JSON");
        expect(parseReport(JSON.stringify(fixture()), "d.json").schema).toBe(fixture().schema);
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
        expect(csvCell('say "hi", then')).toBe('"say ""hi"", then"');
        expect(csvCell(null)).toBe("");
        expect(csvCell(3)).toBe("3");
    });

    it("writes serial and concurrent rows only for phases that ran", () => {
        const r = fixture();
        const l = r.phases.load as unknown as { serial: unknown; concurrent: unknown; sweep: unknown[] };
        const noCache = { ...r, phases: { ...r.phases, cache: { status: "skip", reason: "x" } } } as VerifyReport;
        const phasesOf = (rep: VerifyReport) => samplesCsv(rep).trim().split("\n").slice(1).map((row) => row.split(",")[0]);
        const both = phasesOf(noCache);
        expect(both).toContain("serial");
        expect(both).toContain("concurrent");
        const onlyConcurrent = { ...noCache, phases: { ...noCache.phases, load: { ...l, serial: null, sweep: [] } } } as unknown as VerifyReport;
        expect([...new Set(phasesOf(onlyConcurrent))]).toEqual(["concurrent"]);
        const onlySerial = { ...noCache, phases: { ...noCache.phases, load: { ...l, concurrent: null, sweep: [] } } } as unknown as VerifyReport;
        expect([...new Set(phasesOf(onlySerial))]).toEqual(["serial"]);
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

    it("gives no ticks without a finite range and one tick for an empty or inverted one", () => {
        expect(niceTicks(Number.NaN, 1)).toEqual([]);
        expect(niceTicks(3, 3)).toEqual([3]);
        expect(niceTicks(5, 2)).toEqual([5]);
    });

    it("scales lines to the largest y, dots up to 24 points, one colour per series in order", () => {
        const two = lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [{ name: "s", points: [[0, 0], [1, 5]] }] });
        // y1 = 5 * 1.05: the top point sits at plotBottom - 5 / 5.25 * 204.
        expect(two).toContain('d="M64.0,252.0L624.0,57.7"');
        expect(two).toContain('r="3" fill="#1f77b4"/><circle cx="624.0"');
        const at24 = lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [{ name: "s", points: Array.from({ length: 24 }, (_, i): [number, number] => [i, i]) }] });
        expect(at24.match(/<circle/g)).toHaveLength(24);
        const colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#1f77b4"];
        const nine = lineChart({ title: "t", xLabel: "x", yLabel: "y", series: colours.map((_, i) => ({ name: `s${i}`, points: [[i, 1]] as [number, number][] })) });
        expect([...nine.matchAll(/<path class="mark"[^>]*stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1])).toEqual(colours);
        expect([...nine.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="10" height="10" fill="(#[0-9a-f]{6})"/g)].map((m) => m[1])).toEqual(colours);
    });

    it("draws no bar for a missing value, scales bars to the largest, and says no data without categories or values", () => {
        const heights = (svg: string) => [...svg.matchAll(/<rect class="mark"[^>]*height="([\d.]+)"/g)].map((m) => m[1]);
        // top = 2 * 1.1: a bar of 2 is 204 / 1.1 high.
        expect(heights(barChart({ title: "b", yLabel: "y", categories: ["a", "b", "c"], series: [{ name: "s", points: [0, 2, null] }] }))).toEqual(["0.0", "185.5"]);
        expect(heights(barChart({ title: "b", yLabel: "y", categories: ["a"], series: [{ name: "s", points: [0] }] }))).toEqual(["0.0"]);
        expect(barChart({ title: "b", yLabel: "y", categories: [], series: [{ name: "s", points: [1] }] })).toContain(">no data</text>");
        expect(barChart({ title: "b", yLabel: "y", categories: ["a"], series: [{ name: "s", points: [null] }] })).toContain(">no data</text>");
    });

    it("thins a CDF to at most maxPoints and always ends at share 1", () => {
        const values = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
        expect(cdfPoints(values, 5)).toEqual([[1, 0.2], [3, 0.4], [5, 0.6], [7, 0.8], [9, 1]]);
        expect(cdfPoints(values, 3)).toEqual([[3, 0.4], [7, 0.8], [9, 1]]);
        expect(cdfPoints([], 3)).toEqual([]);
        expect(cdfPoints([2, 1])).toEqual([[1, 0.5], [2, 1]]);
    });

    it("caps bars at a given maximum and labels each category", () => {
        const svg = barChart({ title: "b", yLabel: "y", categories: ["one", "two"], series: [{ name: "s", points: [1, 0.5] }], max: 1 });
        expect(svg.match(/<rect class="mark"[^>]*height="([\d.]+)"/g)?.map((m) => /height="([\d.]+)"/.exec(m)?.[1])).toEqual(["204.0", "102.0"]);
        expect(svg).toContain(">one</text>");
        expect(svg).toContain("<title>s two: 0.5</title>");
    });
});

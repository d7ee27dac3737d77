import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo } from "../../tools/demo/demo";
import { compareReports, formatComparison, parseReport } from "../../tools/verify/compare";
import { csvCell, samplesCsv, CSV_COLUMNS } from "../../tools/verify/csv";
import { renderHtml } from "../../tools/verify/html";
import { REPORT_SCHEMA, TOOL_VERSION, type VerifyReport } from "../../tools/verify/run";
import { barChart, cdfPoints, formatTick, lineChart, niceTicks } from "../../tools/verify/svg";
import { runCli, runJson, SMALL, withSim } from "./helpers";

const CHROMIUM = "/usr/bin/chromium";

describe("SVG charts", () => {
    it("picks round ticks", () => {
        expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
        expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80]);
        expect(niceTicks(3, 3)).toEqual([3]);
        expect(niceTicks(0, Infinity)).toEqual([]);
        expect([0, 0.5, 12.345, 12345, 1500].map(formatTick)).toEqual(["0", "0.5", "12.3", "12.3k", "1500"]);
    });

    it("turns a sample into CDF points ending at 1", () => {
        expect(cdfPoints([3, 1, 2])).toEqual([[1, 1 / 3], [2, 2 / 3], [3, 1]]);
        expect(cdfPoints([])).toEqual([]);
        const many = cdfPoints(Array.from({ length: 1000 }, (_, i) => i), 100);
        expect(many).toHaveLength(100);
        expect(many[99]).toEqual([999, 1]);
        expect(cdfPoints([1, 2, 3, 4, 5], 2)).toEqual([[3, 0.6], [5, 1]]);
    });

    it("draws one path per line series and one rect per bar, escaping names", () => {
        const line = lineChart({ title: "t <1>", xLabel: "x", yLabel: "y", series: [{ name: "a&b", points: [[0, 1], [1, 2]] }, { name: "c", points: [[0, 2]] }] });
        expect(line.match(/class="mark"/g)).toHaveLength(2);
        expect(line).toContain("t &lt;1&gt;");
        expect(line).toContain("a&amp;b");
        const bars = barChart({ title: "b", yLabel: "y", categories: ["p", "q"], series: [{ name: "s", points: [1, null] }, { name: "u", points: [2, 3] }] });
        expect(bars.match(/<rect class="mark"/g)).toHaveLength(3);
        expect(lineChart({ title: "e", xLabel: "", yLabel: "", series: [] })).toContain('class="empty"');
        expect(barChart({ title: "e", yLabel: "", categories: [], series: [] })).toContain('class="empty"');
    });
});

describe("CSV", () => {
    it("quotes what RFC 4180 asks to", () => {
        expect([null, 3, 1.23456, true, "a,b", 'say "x"', "line\nbreak", "plain"].map(csvCell)).toEqual(["", "3", "1.235", "true", '"a,b"', '"say ""x"""', '"line\nbreak"', "plain"]);
    });
});

describe("reports of real runs", () => {
    let prefix: VerifyReport;
    let roundRobin: VerifyReport;
    const dir = mkdtempSync(path.join(os.tmpdir(), "verify-report-"));
    beforeAll(async () => {
        const args = [...SMALL, "--shared-prefix-groups", "2", "--shared-prefix-tokens", "300", "--prompt-tokens", "16", "--sweep-concurrency", "1,2"];
        prefix = await withSim({ replicas: 3, routing: "prefix" }, async (sim) => (await runJson(["--url", sim.url, ...args, "--report-dir", path.join(dir, "prefix")])).report);
        roundRobin = await withSim({ replicas: 3, routing: "round-robin" }, async (sim) => (await runJson(["--url", sim.url, ...args, "--report-dir", path.join(dir, "rr")])).report);
    });

    it("carries the tool version, seed, effective options and server identity", () => {
        expect(prefix.schema).toBe(REPORT_SCHEMA);
        expect(prefix.tool).toEqual({ name: "verify", version: TOOL_VERSION });
        expect(TOOL_VERSION).toBe((JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version);
        expect(prefix.seed).toBe(7);
        expect(prefix.options.phases).toEqual(["health", "cache", "load"]);
        expect(prefix.options.load).toMatchObject({ concurrency: 4, requests: 8, maxTokens: 8, sharedPrefix: { groups: 2, prefixTokens: 300 }, sweep: { kind: "concurrency", levels: [1, 2] } });
        expect(prefix.options.cache).toMatchObject({ groups: 2, requestsPerGroup: 3, minAffinity: 0.8 });
        expect(prefix.server).toEqual({ model: "/mnt/models", servedModels: ["/mnt/models"], maxModelLen: 2048, blockSize: 128, blockSizeSource: "server" });
    });

    it("writes the JSON document, every sample as CSV, and the HTML into --report-dir", () => {
        const json = JSON.parse(readFileSync(path.join(dir, "prefix", "report.json"), "utf8")) as VerifyReport;
        expect(json.runId).toBe(prefix.runId);
        const csv = readFileSync(path.join(dir, "prefix", "samples.csv"), "utf8").trim().split("\n");
        expect(csv[0]).toBe(CSV_COLUMNS.join(","));
        // 6 cache + 2 serial + 8 concurrent + 2 sweeps of 8.
        expect(csv).toHaveLength(1 + 6 + 2 + 8 + 16);
        expect(csv.filter((l) => l.startsWith("sweep-concurrency,2,"))).toHaveLength(8);
        expect(samplesCsv(prefix)).toBe(`${csv.join("\n")}\n`);
        expect(existsSync(path.join(dir, "prefix", "report.html"))).toBe(true);
    });

    it("renders a self-contained page: no external script, style, font or image", () => {
        const html = renderHtml([{ label: "prefix", report: prefix }]);
        expect(html).not.toMatch(/<script[^>]+src=|<link|@import|url\(|<img/);
        expect(html.match(/<svg class="chart"/g)).toHaveLength(8);
        expect(html).toContain("default-src 'none'");
    });

    it("compares two runs with B/A ratios", () => {
        const rows = compareReports(roundRobin, prefix);
        const affinity = rows.find((r) => r.metric === "routing affinity");
        expect(affinity?.a).toBeCloseTo(0.5, 10);
        expect(affinity?.b).toBe(1);
        expect(affinity?.ratio).toBeCloseTo(2, 10);
        expect(rows.map((r) => r.metric)).toContain("TPOT p50, ms");
        const text = formatComparison(rows, "round-robin", "prefix");
        expect(text).toMatch(/routing affinity +│ 0\.5 +│ 1 +│ 2\.00x +│ higher/);
    });

    it("verify compare: prints the table, writes one HTML with both runs, refuses what is no report", async () => {
        const html = path.join(dir, "cmp", "report.html");
        const ok = await runCli(["compare", path.join(dir, "rr", "report.json"), path.join(dir, "prefix", "report.json"), "--label-a", "rr", "--label-b", "prefix", "--html", html]);
        expect(ok.code).toBe(0);
        expect(ok.out).toContain("prefix / rr");
        expect(ok.out).toContain(`report: ${html}`);
        expect(readFileSync(html, "utf8")).toContain("verify: rr vs prefix");
        const json = await runCli(["compare", path.join(dir, "rr", "report.json"), path.join(dir, "prefix", "report.json"), "--json"]);
        expect((JSON.parse(json.out) as { rows: unknown[] }).rows).toHaveLength(15);
        const bogus = path.join(dir, "bogus.json");
        writeFileSync(bogus, '{"schema":"other"}');
        const refused = await runCli(["compare", bogus, bogus]);
        expect(refused.code).toBe(2);
        expect(refused.err).toBe(`error: ${bogus} is not a ${REPORT_SCHEMA} report (schema "other")\n`);
        const missing = await runCli(["compare", path.join(dir, "nope.json"), bogus]);
        expect(missing.code).toBe(2);
        expect(missing.err).toMatch(/^error: cannot read .*nope\.json: ENOENT/);
        expect(() => parseReport("{", "x")).toThrow("x is not JSON");
    });
});

/** Opens a page in headless Chromium with the network resolver off; resolves to the DOM after load. */
async function dumpDom(file: string): Promise<string> {
    const { stdout } = await promisify(execFile)(
        CHROMIUM,
        [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--dump-dom",
            `file://${file}`,
        ],
        { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
}

describe("npm run demo and the report in a browser", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "verify-demo-"));
    let demo: Awaited<ReturnType<typeof runDemo>>;
    let log = "";
    beforeAll(async () => {
        // The demo's own workload, cut down so the suite stays quick (later options win in commander).
        demo = await runDemo(out, (t) => { log += t; }, ["--requests", "12", "--serial-requests", "2", "--sweep-concurrency", "1,4"]);
    }, 60_000);
    afterAll(() => undefined);

    it("passes prefix routing, fails round-robin as cache-blind, and writes the comparison", () => {
        expect(demo.runs.map((r) => [r.routing, r.exitCode])).toEqual([["prefix", 0], ["round-robin", 1]]);
        expect(demo.ok).toBe(true);
        expect(log).toContain("routing looks cache-blind");
        expect(log).toContain("prefix / round-robin");
        expect(demo.html).toBe(path.join(out, "report.html"));
        expect(existsSync(demo.html)).toBe(true);
    });

    it.skipIf(!existsSync(CHROMIUM))("renders every plot in headless Chromium", async () => {
        const dom = await dumpDom(demo.html);
        const charts = (readFileSync(demo.html, "utf8").match(/<svg class="chart"/g) ?? []).length;
        expect(charts).toBe(8);
        expect(dom).toContain(`data-charts-rendered="${charts}/${charts}"`);
        expect(dom).toContain("routing looks cache-blind");
    }, 90_000);

    if (!existsSync(CHROMIUM)) {
        it("skips the browser check: chromium is not installed here (apt-get install -y chromium; .ci/run installs it)", () => undefined);
    }
});

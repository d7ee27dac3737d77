/**
 * One self-contained HTML page for one or more verify reports (a run, or runs side by side): summary, latency
 * distributions, TTFT of first vs later requests per prefix group, throughput and latency against load for a
 * sweep, routing affinity and per-replica hits. Everything is inline: no script source, stylesheet or font is
 * fetched, so the file opens offline and as an attachment.
 */
import type { CacheResult } from "./cache";
import type { LoadPhaseResult, LoadResult } from "./load";
import { isSkipped, type VerifyReport } from "./run";
import { barChart, cdfPoints, escapeXml, lineChart } from "./svg";

export interface LabelledReport {
    label: string;
    report: VerifyReport;
}

export function cacheOf(r: VerifyReport): CacheResult | null {
    return isSkipped(r.phases.cache) ? null : r.phases.cache;
}

export function loadOf(r: VerifyReport): LoadResult | null {
    return isSkipped(r.phases.load) ? null : r.phases.load;
}

/** The phase the headline load figures come from: the concurrent one, else the serial one. */
export function mainPhase(r: VerifyReport): LoadPhaseResult | null {
    const l = loadOf(r);
    return l === null ? null : (l.concurrent ?? l.serial);
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "-" : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null | undefined) => (v === null || v === undefined ? "-" : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`);
const num = (v: number | null | undefined, d = 1) => (v === null || v === undefined ? "-" : v.toFixed(d));

function summaryTable(runs: readonly LabelledReport[]): string {
    const head = ["Run", "Verdict", "Cached ratio", "Routing affinity", "Full-prefix hits", "req/s", "out tok/s", "TTFT p50", "e2e p50", "e2e p99", "TPOT p50", "Goodput"];
    const rows = runs.map(({ label, report }) => {
        const c = cacheOf(report);
        const p = mainPhase(report);
        return [
            label,
            report.ok ? "PASS" : "FAIL",
            pct(c?.cachedRatio),
            pct(c?.affinity?.tokenRatio),
            pct(c?.affinity?.fullHitShare),
            num(p?.rps),
            num(p?.outputTokensPerSec, 0),
            ms(p?.ttft?.p50),
            ms(p?.latency?.p50),
            ms(p?.latency?.p99),
            ms(p?.tpot?.p50),
            pct(p?.goodput?.share),
        ];
    });
    const cell = (tag: string, v: string) => `<${tag}${v === "FAIL" ? ' class="fail"' : v === "PASS" ? ' class="pass"' : ""}>${escapeXml(v)}</${tag}>`;
    return `<table><tr>${head.map((h) => cell("th", h)).join("")}</tr>${rows.map((r) => `<tr>${r.map((v) => cell("td", v)).join("")}</tr>`).join("")}</table>`;
}

function failureList(runs: readonly LabelledReport[]): string {
    const items = runs.flatMap(({ label, report }) => report.failures.map((f) => `<li><b>${escapeXml(label)}</b>: ${escapeXml(f)}</li>`));
    return items.length === 0 ? "" : `<h2>Failures</h2><ul>${items.join("")}</ul>`;
}

function latencyCharts(runs: readonly LabelledReport[]): string {
    const series = (pick: (s: LoadPhaseResult["samples"][number]) => number | null) =>
        runs.map(({ label, report }) => ({
            name: label,
            points: cdfPoints((mainPhase(report)?.samples ?? []).flatMap((s) => (s.ok && pick(s) !== null ? [pick(s) as number] : []))),
        }));
    return (
        lineChart({ title: "End-to-end latency distribution (load)", xLabel: "latency, ms", yLabel: "share of requests", series: series((s) => s.e2eMs) }) +
        lineChart({ title: "Time to first token distribution (load)", xLabel: "TTFT, ms", yLabel: "share of requests", series: series((s) => s.ttftMs) })
    );
}

function groupCharts(runs: readonly LabelledReport[]): string {
    const groups = Math.max(0, ...runs.map(({ report }) => cacheOf(report)?.groups.length ?? 0));
    const categories = Array.from({ length: groups }, (_, g) => `group ${g}`);
    const series = runs.flatMap(({ label, report }) => {
        const gs = cacheOf(report)?.groups ?? [];
        return [
            { name: `${label}: first`, points: categories.map((_, g) => gs[g]?.firstTtftMs ?? null) },
            { name: `${label}: later p50`, points: categories.map((_, g) => gs[g]?.laterTtftMs ?? null) },
        ];
    });
    return barChart({ title: "TTFT of the first vs later requests per prefix group", yLabel: "TTFT, ms", categories, series });
}

function sweepCharts(runs: readonly LabelledReport[]): string {
    const sweeps = runs.map(({ label, report }) => ({ label, points: loadOf(report)?.sweep ?? [] }));
    if (sweeps.every((s) => s.points.length === 0)) return "";
    const kind = sweeps.find((s) => s.points.length > 0)?.points[0].kind ?? "rate";
    const xLabel = kind === "rate" ? "offered rate, req/s" : "concurrency";
    const line = (pick: (p: LoadPhaseResult) => number | null | undefined, suffix = "") =>
        sweeps.map((s) => ({ name: `${s.label}${suffix}`, points: s.points.flatMap((p): [number, number][] => (pick(p.phase) == null ? [] : [[p.level, pick(p.phase) as number]])) }));
    return (
        lineChart({ title: "Throughput against load", xLabel, yLabel: "requests/s", series: line((p) => p.rps) }) +
        lineChart({ title: "Latency against load", xLabel, yLabel: "e2e latency, ms", series: [...line((p) => p.latency?.p50, " p50"), ...line((p) => p.latency?.p99, " p99")] })
    );
}

function affinityCharts(runs: readonly LabelledReport[]): string {
    const metrics = ["routing affinity", "full-prefix hits", "cached-token ratio"];
    const series = runs.map(({ label, report }) => {
        const c = cacheOf(report);
        return { name: label, points: [c?.affinity?.tokenRatio ?? null, c?.affinity?.fullHitShare ?? null, c?.cachedRatio ?? null] };
    });
    let html = barChart({ title: "Routing affinity (ideal = 1)", yLabel: "share", categories: metrics, series, max: 1.05 });
    const withReplicas = runs.filter(({ report }) => (cacheOf(report)?.replicas ?? null) !== null);
    if (withReplicas.length > 0) {
        const names = [...new Set(withReplicas.flatMap(({ report }) => (cacheOf(report)?.replicas ?? []).map((r) => r.replica)))];
        const per = (pick: (r: NonNullable<CacheResult["replicas"]>[number]) => number) =>
            withReplicas.map(({ label, report }) => ({ name: label, points: names.map((n) => {
                const r = (cacheOf(report)?.replicas ?? []).find((x) => x.replica === n);
                return r === undefined ? null : pick(r);
            }) }));
        html += barChart({ title: "Prefix-cache hits per replica (cache phase)", yLabel: "cached tokens", categories: names, series: per((r) => r.hits) });
        html += barChart({ title: "Requests per replica (cache phase)", yLabel: "requests", categories: names, series: per((r) => r.requests) });
    }
    return html;
}

function identity(runs: readonly LabelledReport[]): string {
    const rows = runs.map(({ label, report }) => {
        const s = report.server;
        return `<tr><td>${escapeXml(label)}</td><td>${escapeXml(report.baseUrl)}</td><td>${escapeXml(s.model ?? "-")}</td><td>${s.maxModelLen ?? "-"}</td><td>${s.blockSize} (${escapeXml(s.blockSizeSource)})</td><td>${report.seed}</td><td>${escapeXml(report.startedAt)}</td><td>verify ${escapeXml(report.tool.version)}</td></tr>`;
    });
    return `<table><tr><th>Run</th><th>URL</th><th>Model</th><th>max_model_len</th><th>Block size</th><th>Seed</th><th>Started</th><th>Tool</th></tr>${rows.join("")}</table>`;
}

/** Counts the charts once the page has laid out, for a headless browser to read: data-charts-rendered="n/m". */
const SELF_CHECK =
    "addEventListener('load',function(){var c=document.querySelectorAll('svg.chart'),ok=0;" +
    "c.forEach(function(s){var b=s.getBoundingClientRect();if(b.width>0&&b.height>0&&(s.querySelector('.mark')||s.querySelector('.empty')))ok++;});" +
    "document.documentElement.setAttribute('data-charts-rendered',ok+'/'+c.length);});";

export function renderHtml(runs: readonly LabelledReport[], title = "verify report"): string {
    const body = [
        `<h1>${escapeXml(title)}</h1>`,
        summaryTable(runs),
        failureList(runs),
        "<h2>Routing and prefix cache</h2>",
        affinityCharts(runs),
        groupCharts(runs),
        "<h2>Latency under load</h2>",
        latencyCharts(runs),
        sweepCharts(runs),
        "<h2>Runs</h2>",
        identity(runs),
    ].join("\n");
    const style =
        "body{font-family:system-ui,sans-serif;margin:24px;max-width:1340px}table{border-collapse:collapse;margin:8px 0 16px}" +
        "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}.pass{color:#186a1c;font-weight:bold}.fail{color:#b00020;font-weight:bold}" +
        "svg.chart{margin:8px 12px 8px 0;border:1px solid #eee}";
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"><title>${escapeXml(title)}</title><style>${style}</style></head><body>${body}<script>${SELF_CHECK}</script></body></html>\n`;
}

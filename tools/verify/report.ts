import Table from "cli-table3";
import type { CacheResult } from "./cache";
import type { HealthResult } from "./health";
import type { LoadPhaseResult, LoadResult } from "./load";
import { isSkipped, type VerifyReport } from "./run";
import type { LatencySummary } from "./stats";
import type { CheckStatus, Skipped } from "./types";

export function formatMs(ms: number | null | undefined): string {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
    if (ms < 10) return `${ms.toFixed(2)} ms`;
    if (ms < 1000) return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
    return `${(ms / 1000).toFixed(2)} s`;
}

export function formatPercent(r: number | null | undefined): string {
    if (r === null || r === undefined || !Number.isFinite(r)) return "-";
    return `${(r * 100).toFixed(1)}%`;
}

function formatNumber(n: number | null | undefined, digits = 1): string {
    if (n === null || n === undefined || !Number.isFinite(n)) return "-";
    return n.toFixed(digits);
}

function statusLabel(status: CheckStatus): string {
    return { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "SKIP" }[status];
}

/** Plain tables: no ANSI colours, so the output reads the same in a terminal, a CI log or a file. */
function table(head: string[]): Table.Table {
    return new Table({ head, style: { head: [], border: [], compact: true } });
}

function percentiles(s: LatencySummary | null): string {
    return s === null ? "-" : `${formatMs(s.p50)} / ${formatMs(s.p90)} / ${formatMs(s.p99)}`;
}

function healthSection(h: HealthResult): string {
    const t = table(["Check", "Result", "HTTP", "Latency", "Detail"]);
    for (const c of h.checks) t.push([c.name, statusLabel(c.status), c.httpStatus ?? "-", formatMs(c.latencyMs), c.detail]);
    return `Health\n${t.toString()}`;
}

const BLOCK_SOURCE: Record<CacheResult["blockSizeSource"], string> = {
    option: "--block-size",
    server: "vllm:cache_config_info",
    max_model_len: "vLLM's TPU rule on max_model_len",
    default: "default",
};

function affinityLines(c: CacheResult): string[] {
    const lines: string[] = [];
    if (c.affinity !== null && c.affinity.tokenRatio !== null) {
        const verdict = c.minAffinity > 0 ? (c.affinity.tokenRatio >= c.minAffinity ? "PASS" : "FAIL") : "not judged";
        lines.push(
            `Routing affinity: ${formatPercent(c.affinity.tokenRatio)} of the cacheable prefix tokens (${c.affinity.cachedTokens}/${c.affinity.idealTokens}), ` +
                `full-prefix hits on ${formatPercent(c.affinity.fullHitShare)} of ${c.affinity.laterRequests} later requests ` +
                `(ideal 100%; threshold ${formatPercent(c.minAffinity)}) ${verdict}`,
        );
    }
    if (c.replicas !== null) {
        const t = table(["Replica (labels)", "Requests", "Prefix hits (tokens)", "Queried tokens", "Hit ratio"]);
        for (const r of c.replicas) t.push([r.replica === "" ? "-" : r.replica, r.requests, r.hits, r.queries, formatPercent(r.queries > 0 ? r.hits / r.queries : null)]);
        lines.push(`Per replica over the phase (/metrics)\n${t.toString()}`);
    }
    return lines;
}

function cacheSection(c: CacheResult): string {
    const lines = [
        `Prefix cache: ${c.groups.length} groups x ${c.groups[0]?.requests ?? 0} requests, shared prefix ~${c.prefixTokens} tokens, ` +
            `cache block ${c.blockSize} tokens (${BLOCK_SOURCE[c.blockSizeSource]})`,
    ];
    const t = table(["Group", "Prompt tok", "First TTFT", "Later TTFT (p50)", "TTFT ratio", "First latency", "Later latency (p50)", "Cached (later)"]);
    for (const g of c.groups) {
        const cached = g.laterCachedTokens === null ? "not reported" : `${g.laterCachedTokens}/${g.laterPromptTokens} (${formatPercent(g.cachedRatio)})`;
        t.push([
            g.group,
            g.firstPromptTokens ?? "-",
            formatMs(g.firstTtftMs),
            formatMs(g.laterTtftMs),
            g.ttftSpeedup === null ? "-" : `${g.ttftSpeedup.toFixed(1)}x`,
            formatMs(g.firstLatencyMs),
            formatMs(g.laterLatencyMs),
            cached,
        ]);
    }
    lines.push(t.toString());
    const source =
        c.cachedRatioSource === "usage"
            ? "usage.prompt_tokens_details.cached_tokens, non-first requests"
            : c.cachedRatioSource === "metrics"
              ? "/metrics vllm:prefix_cache_hits / queries over the non-first requests"
              : "not reported by server";
    lines.push(`Cached-token ratio: ${formatPercent(c.cachedRatio)} (${source})  ${statusLabel(c.status)}: ${c.message}`);
    if (c.metrics !== null && c.cachedRatioSource === "usage") {
        lines.push(`/metrics prefix cache over the non-first requests: ${c.metrics.hits} hits / ${c.metrics.queries} queried tokens (${formatPercent(c.metrics.ratio)})`);
    }
    lines.push(...affinityLines(c));
    return lines.join("\n");
}

function loadRow(p: LoadPhaseResult): Table.HorizontalTableRow {
    const errors = Object.entries(p.errors).map(([k, n]) => `${k} ${n}`).join(", ");
    return [
        p.name,
        p.concurrency,
        p.targetRate === null ? "-" : `${p.targetRate}/s`,
        `${p.succeeded}/${p.requests}`,
        errors === "" ? "0" : errors,
        formatNumber(p.rps),
        formatNumber(p.outputTokensPerSec, 0),
        percentiles(p.ttft),
        percentiles(p.latency),
    ];
}

/** The anchors' per-token view and the open-loop/SLO/shared-prefix figures, one line per phase that has any. */
function loadDetail(label: string, p: LoadPhaseResult): string {
    const parts = [`TPOT ${percentiles(p.tpot)}`, `ITL ${percentiles(p.itl)}`];
    if (p.scheduleLag !== null) parts.push(`${p.arrival} arrivals, schedule lag p50 / p99 / max ${formatMs(p.scheduleLag.p50)} / ${formatMs(p.scheduleLag.p99)} / ${formatMs(p.scheduleLag.max)}`);
    if (p.goodput !== null) parts.push(`goodput ${formatPercent(p.goodput.share)} within SLOs (${formatNumber(p.goodput.rps)} req/s)`);
    if (p.cachedRatio !== null) parts.push(`shared-prefix cached ${formatPercent(p.cachedRatio)}`);
    return `  ${label}: ${parts.join("; ")}`;
}

function loadSection(l: LoadResult): string {
    const t = table(["Phase", "Conc", "Rate", "OK/sent", "Errors", "req/s", "out tok/s", "TTFT p50 / p90 / p99", "Latency p50 / p90 / p99"]);
    for (const p of [l.serial, l.concurrent]) if (p !== null) t.push(loadRow(p));
    for (const s of l.sweep) t.push(loadRow({ ...s.phase, name: `sweep ${s.kind} ${s.level}` as LoadPhaseResult["name"] }));
    const lines = [`Load\n${t.toString()}`];
    for (const p of [l.serial, l.concurrent]) if (p !== null) lines.push(loadDetail(p.name, p));
    if (l.server !== null) {
        lines.push(
            `Server-side means from /metrics over ${l.server.requests} requests: e2e ${formatMs(l.server.meanE2eMs)}, TTFT ${formatMs(l.server.meanTtftMs)} ` +
                "(client minus server = network, gateway, client and server queueing)",
        );
    }
    return lines.join("\n");
}

function skippedLine(name: string, s: Skipped): string | null {
    return s.reason === "not selected" ? null : `${name}: skipped (${s.reason})`;
}

/** Human-readable report; `quiet` keeps only the verdict and the reasons for it. */
export function formatText(report: VerifyReport, quiet = false): string {
    const sections: string[] = [];
    if (!quiet) {
        sections.push(`Verify ${report.baseUrl}  model ${report.model ?? "(unknown)"}`);
        const { health, cache, load } = report.phases;
        const phases = [
            isSkipped(health) ? skippedLine("Health", health) : healthSection(health),
            isSkipped(cache) ? skippedLine("Prefix cache", cache) : cacheSection(cache),
            isSkipped(load) ? skippedLine("Load", load) : loadSection(load),
        ];
        for (const text of phases) if (text !== null) sections.push(text);
        if (report.thresholds.length > 0) {
            const t = table(["Threshold", "Limit", "Actual", "Result"]);
            for (const r of report.thresholds) t.push([r.name, r.limit, r.actual === null ? "not measured" : Number(r.actual.toPrecision(4)), r.pass ? "PASS" : "FAIL"]);
            sections.push(`Thresholds\n${t.toString()}`);
        }
        if (report.warnings.length > 0) sections.push(report.warnings.map((w) => `warning: ${w}`).join("\n"));
    }
    const verdict = report.ok
        ? `PASS: all checks passed (${formatMs(report.durationMs)})`
        : `FAIL: ${report.failures.length} problem(s)\n${report.failures.map((f) => `  - ${f}`).join("\n")}`;
    sections.push(verdict);
    return `${sections.join("\n\n")}\n`;
}

export function formatJson(report: VerifyReport): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}

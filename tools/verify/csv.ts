import type { CacheResult } from "./cache";
import type { LoadPhaseResult, LoadResult } from "./load";
import { isSkipped, type VerifyReport } from "./run";

export const CSV_COLUMNS = [
    "phase",
    "level",
    "index",
    "group",
    "scheduled_ms",
    "sent_ms",
    "ok",
    "error",
    "ttft_ms",
    "e2e_ms",
    "tpot_ms",
    "prompt_tokens",
    "output_tokens",
    "cached_tokens",
] as const;

type Cell = string | number | boolean | null;

/** RFC 4180: quote a cell holding a comma, quote or line break, doubling its quotes; null is an empty cell. */
export function csvCell(value: Cell): string {
    if (value === null) return "";
    const text = typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(3)) : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function loadRows(phase: string, level: number | null, p: LoadPhaseResult): Cell[][] {
    return p.samples.map((s) => [phase, level, s.index, s.group, s.scheduledMs, s.sentMs, s.ok, s.error, s.ttftMs, s.e2eMs, s.tpotMs, s.promptTokens, s.outputTokens, s.cachedTokens]);
}

function cacheRows(c: CacheResult): Cell[][] {
    return c.samples.map((s) => ["cache", null, s.index, s.group, null, null, s.ok, s.error, s.ttftMs, s.latencyMs, null, s.promptTokens, null, s.cachedTokens]);
}

/** Every per-request sample of a report, one row each: cache phase, then serial, concurrent and sweep phases. */
export function samplesCsv(report: VerifyReport): string {
    const rows: Cell[][] = [];
    const { cache, load } = report.phases;
    if (!isSkipped(cache)) rows.push(...cacheRows(cache));
    if (!isSkipped(load)) {
        const l: LoadResult = load;
        if (l.serial !== null) rows.push(...loadRows("serial", null, l.serial));
        if (l.concurrent !== null) rows.push(...loadRows("concurrent", null, l.concurrent));
        for (const s of l.sweep) rows.push(...loadRows(`sweep-${s.kind}`, s.level, s.phase));
    }
    return [CSV_COLUMNS.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\n") + "\n";
}

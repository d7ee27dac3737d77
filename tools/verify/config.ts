export type PhaseName = "health" | "cache" | "load";
export const PHASES: readonly PhaseName[] = ["health", "cache", "load"];

export type Api = "completions" | "chat";

export interface CacheConfig {
    groups: number;
    requestsPerGroup: number;
    prefixTokens: number;
    suffixTokens: number;
    maxTokens: number;
    /** Routing affinity below this fails the cache check (0 disables). */
    minAffinity: number;
}

export interface LoadConfig {
    serialRequests: number;
    concurrency: number;
    /** Concurrent-phase request count; with durationMs too, whichever ends first. */
    requests: number | null;
    durationMs: number | null;
    /** Fixed request rate (req/s) for the concurrent phase; null = as fast as concurrency allows. */
    rate: number | null;
    promptTokens: number;
    maxTokens: number;
    api: Api;
    /** With a rate: open-loop constant or Poisson arrivals, or the closed-loop pacing ("closed"). */
    arrival: "closed" | "constant" | "poisson";
    /** --goodput SLOs in ms; null = goodput not measured. */
    slo: { ttftMs?: number; tpotMs?: number; e2eMs?: number } | null;
    /** --sweep-rates / --sweep-concurrency: the concurrent phase again at each level. */
    sweep: { kind: "rate" | "concurrency"; levels: number[] } | null;
    /** --shared-prefix-groups/--shared-prefix-tokens: load prompts share G prefixes; null = unique prompts. */
    sharedPrefix: { groups: number; prefixTokens: number } | null;
}

export interface Thresholds {
    minCachedRatio?: number;
    maxP50Ms?: number;
    maxP99Ms?: number;
    maxTtftP50Ms?: number;
    maxErrorRate?: number;
    minRps?: number;
    /** Share of concurrent-phase requests within the --goodput SLOs. */
    minGoodput?: number;
}

export interface VerifyConfig {
    baseUrl: string;
    /** --model: skips detection. */
    model: string | null;
    expectModel: string | null;
    timeoutMs: number;
    phases: ReadonlySet<PhaseName>;
    /** --block-size; otherwise derived from max_model_len when the server reports it. */
    blockSize: number | null;
    cache: CacheConfig;
    load: LoadConfig;
    thresholds: Thresholds;
    seed: number | null;
}

/** Upper bounds that keep a typo (--requests 1e9) from turning a check into a denial of service. */
export const LIMITS = {
    requests: 100_000,
    durationMs: 3_600_000,
    concurrency: 1_024,
    groups: 64,
    requestsPerGroup: 64,
    tokens: 1_000_000,
    timeoutMs: 600_000,
};

/** Accepts "500ms", "2s", "1.5m", or a bare number of seconds. */
export function parseDuration(text: string): number | null {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
    if (match === null) return null;
    const value = Number(match[1]);
    const unit = match[2] ?? "s";
    const ms = unit === "ms" ? value : unit === "s" ? value * 1000 : value * 60_000;
    return ms > 0 ? ms : null;
}

/** "1,2,4": positive numbers (integers when `integers`), at most 12 levels; null if malformed. */
export function parseLevels(text: string, integers: boolean, max: number): number[] | null {
    const parts = text.split(",").map((p) => p.trim());
    if (parts.length === 0 || parts.length > 12) return null;
    const pattern = integers ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
    const levels = parts.map((p) => (pattern.test(p) ? Number(p) : NaN));
    return levels.every((n) => n > 0 && n <= max) ? levels : null;
}

export function parsePhaseList(text: string): PhaseName[] | null {
    const names = text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    if (names.length === 0) return null;
    for (const n of names) if (!(PHASES as readonly string[]).includes(n)) return null;
    return names as PhaseName[];
}

/** The base URL must be plain http(s) without query or fragment; the trailing slash is dropped for joining. */
export function normalizeBaseUrl(text: string): string | null {
    let url: URL;
    try {
        url = new URL(text.trim());
    } catch {
        return null;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") return null;
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The TPU prefix-cache block rule lives in one module shared with the simulator and config validation. */
export { tpuBlockSize } from "../../config/tpuBlockSize";

export const DEFAULT_BLOCK_SIZE = 128;

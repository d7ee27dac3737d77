import { PINNED_TPU_BACKEND, tpuBlockSize, type TpuBackend } from "../../config/tpuBlockSize";

export type RoutingPolicy = "prefix" | "round-robin" | "epp";
export const ROUTING_POLICIES: readonly RoutingPolicy[] = ["prefix", "round-robin", "epp"];

export interface SimulatorOptions {
    /** 127.0.0.1 unless told otherwise: tests and demos never need to be reachable from elsewhere. */
    host: string;
    /** 0 picks a free ephemeral port. */
    port: number;
    /** Path the service lives under, like the gateway's /<namespace>/<service>; "" serves at the root. */
    basePath: string;
    /** Served model id returned by /v1/models and required in request bodies. */
    model: string;
    maxModelLen: number;
    /** Defaults to the block size vLLM's TPU backend uses for maxModelLen and maxNumSeqs (config/tpuBlockSize.ts). */
    blockSize: number;
    /** Cache capacity per replica in blocks; 0 disables prefix caching. */
    capacityBlocks: number;
    replicas: number;
    routing: RoutingPolicy;
    /** "epp" routing: weights of the prefix-match and load scores (the stack's prefixCacheWeight/loadWeight). */
    prefixWeight: number;
    loadWeight: number;
    /** Running sequences per replica (vLLM --max-num-seqs); the rest wait. Also enters the block-size rule. */
    maxNumSeqs: number;
    /** Which TPU platform's block-size rule the default block size follows. */
    tpuBackend: TpuBackend;
    /** Each decode step takes this much longer per other sequence in the running batch. */
    batchMsPerSeq: number;
    /** Fixed cost per request before the first token. */
    baseLatencyMs: number;
    /** Prefill cost per prompt token that missed the cache. */
    prefillMsPerToken: number;
    /** Decode cost per generated token. */
    decodeMsPerToken: number;
    /** Length of the simulated model's answer: it ends (end-of-sequence) after this many tokens unless ignore_eos. */
    answerTokens: number;
    /** Failure injection: fraction of inference requests answered with errorStatus (seeded, reproducible). */
    errorRate: number;
    errorStatus: number;
    /** Failure injection: inference responses are cut-off JSON / broken SSE data. */
    malformed: boolean;
    /** Failure injection: extra delay before any inference response byte. */
    slowMs: number;
    /**
     * true: usage.prompt_tokens_details.cached_tokens as vLLM with --enable-prompt-tokens-details sends it, only when
     * something was cached (null, or absent in a stream, otherwise); false: never, as vLLM without the flag.
     */
    reportCachedTokens: boolean;
    /** false makes /metrics a 404, as behind a gateway that does not route it. */
    metrics: boolean;
    /** Status /health answers with. */
    healthStatus: number;
    seed: number;
    /** Serve HTTPS with this certificate and key (PEM), like the stack's gateway; null serves plain HTTP. */
    tls: { cert: string; key: string } | null;
    /** Require `Authorization: Bearer <token>` on every path, answering as the gateway does; null requires none. */
    token: string | null;
}

export { tpuBlockSize };

export function resolveOptions(partial: Partial<SimulatorOptions> = {}): SimulatorOptions {
    const maxModelLen = partial.maxModelLen ?? 2048;
    const maxNumSeqs = partial.maxNumSeqs ?? 128;
    const tpuBackend = partial.tpuBackend ?? PINNED_TPU_BACKEND;
    const options: SimulatorOptions = {
        host: "127.0.0.1",
        port: 0,
        basePath: "",
        model: "/mnt/models",
        maxModelLen,
        blockSize: Number.isInteger(maxModelLen) && maxModelLen > 0 && Number.isInteger(maxNumSeqs) && maxNumSeqs > 0 ? tpuBlockSize(maxModelLen, maxNumSeqs, tpuBackend) : 16,
        capacityBlocks: 4096,
        replicas: 1,
        routing: "prefix",
        prefixWeight: 2,
        loadWeight: 1,
        maxNumSeqs,
        tpuBackend,
        batchMsPerSeq: 0,
        baseLatencyMs: 0,
        prefillMsPerToken: 0,
        decodeMsPerToken: 0,
        answerTokens: 256,
        errorRate: 0,
        errorStatus: 500,
        malformed: false,
        slowMs: 0,
        reportCachedTokens: true,
        metrics: true,
        healthStatus: 200,
        seed: 1,
        tls: null,
        token: null,
        ...stripUndefined(partial),
    };
    options.basePath = normalizeBasePath(options.basePath);
    validate(options);
    return options;
}

function stripUndefined(partial: Partial<SimulatorOptions>): Partial<SimulatorOptions> {
    return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<SimulatorOptions>;
}

export function normalizeBasePath(path: string): string {
    const trimmed = path.trim().replace(/\/+$/, "");
    if (trimmed === "") return "";
    return trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

function validate(o: SimulatorOptions): void {
    const problems: string[] = [];
    const int = (name: string, v: number, min: number) => {
        if (!Number.isInteger(v) || v < min) problems.push(`${name} must be an integer >= ${min} (got ${v})`);
    };
    const nonNegative = (name: string, v: number) => {
        if (!Number.isFinite(v) || v < 0) problems.push(`${name} must be a number >= 0 (got ${v})`);
    };
    int("port", o.port, 0);
    int("maxModelLen", o.maxModelLen, 1);
    int("blockSize", o.blockSize, 1);
    int("capacityBlocks", o.capacityBlocks, 0);
    int("replicas", o.replicas, 1);
    int("maxNumSeqs", o.maxNumSeqs, 1);
    int("answerTokens", o.answerTokens, 1);
    nonNegative("batchMsPerSeq", o.batchMsPerSeq);
    nonNegative("prefixWeight", o.prefixWeight);
    nonNegative("loadWeight", o.loadWeight);
    int("errorStatus", o.errorStatus, 100);
    int("healthStatus", o.healthStatus, 100);
    nonNegative("baseLatencyMs", o.baseLatencyMs);
    nonNegative("prefillMsPerToken", o.prefillMsPerToken);
    nonNegative("decodeMsPerToken", o.decodeMsPerToken);
    nonNegative("slowMs", o.slowMs);
    if (!(o.errorRate >= 0 && o.errorRate <= 1)) problems.push(`errorRate must be within [0, 1] (got ${o.errorRate})`);
    if (o.tpuBackend !== "vllm" && o.tpuBackend !== "tpu-inference") problems.push(`tpuBackend must be vllm or tpu-inference (got ${String(o.tpuBackend)})`);
    if (!ROUTING_POLICIES.includes(o.routing)) problems.push(`routing must be one of ${ROUTING_POLICIES.join(", ")} (got ${String(o.routing)})`);
    if (o.model.trim() === "") problems.push("model must not be empty");
    if (problems.length > 0) throw new Error(`invalid simulator options: ${problems.join("; ")}`);
}

/**
 * `vllmExtraArgs` read the way vLLM v0.11.2 (RHAIIS 3.2.5, the pinned vllmImage) reads its command line, so no
 * spelling can set a flag the stack owns. vLLM's FlexibleArgumentParser turns `_` into `-` in a flag's name
 * (up to the first `.`, its JSON sub-key syntax), then Python's argparse takes `--flag=value`, an exact flag, or
 * any unique prefix of one (allow_abbrev), and reads an entry holding a space as a positional: the model to serve.
 * Upstream rows "vLLM arg parser" and "vLLM flags" in docs/UPSTREAM.md.
 */

/** The vLLM release the flag list below is read from (red-hat-data-services/vllm-cpu@275de3417065). */
export const VLLM_VERSION = "v0.11.2";

/**
 * Long options of `vllm serve` at v0.11.2: engine arguments (vllm/engine/arg_utils.py), the OpenAI frontend's
 * (FrontendArgs and make_arg_parser in vllm/entrypoints/openai/cli_args.py), and argparse's own --help. Boolean
 * options also take a `--no-` form (argparse.BooleanOptionalAction); the stack accepts `--no-` before any of them.
 */
const FLAG_NAMES = [
    "additional-config", "aggregate-engine-logging", "all2all-backend", "allow-credentials", "allowed-headers",
    "allowed-local-media-path", "allowed-media-domains", "allowed-methods", "allowed-origins", "api-key",
    "api-server-count", "async-scheduling", "block-size", "calculate-kv-scales", "chat-template",
    "chat-template-content-format", "code-revision", "collect-detailed-traces", "compilation-config", "config",
    "config-format", "convert", "cpu-offload-gb", "cuda-graph-sizes", "cudagraph-capture-sizes",
    "data-parallel-address", "data-parallel-backend", "data-parallel-external-lb", "data-parallel-hybrid-lb",
    "data-parallel-rank", "data-parallel-rpc-port", "data-parallel-size", "data-parallel-size-local",
    "data-parallel-start-rank", "dbo-decode-token-threshold", "dbo-prefill-token-threshold",
    "dcp-kv-cache-interleave-size", "decode-context-parallel-size", "default-mm-loras", "disable-cascade-attn",
    "disable-chunked-mm-input", "disable-custom-all-reduce", "disable-fastapi-docs",
    "disable-frontend-multiprocessing", "disable-hybrid-kv-cache-manager", "disable-log-requests",
    "disable-log-stats", "disable-mm-preprocessor-cache", "disable-nccl-for-dp-synchronization",
    "disable-sliding-window", "disable-uvicorn-access-log", "distributed-executor-backend", "download-dir", "dtype",
    "ec-transfer-config", "enable-auto-tool-choice", "enable-chunked-prefill", "enable-dbo", "enable-eplb",
    "enable-expert-parallel", "enable-force-include-usage", "enable-log-outputs", "enable-log-requests",
    "enable-lora", "enable-mm-embeds", "enable-multimodal-encoder-data-parallel", "enable-prefix-caching",
    "enable-prompt-embeds", "enable-prompt-tokens-details", "enable-request-id-headers",
    "enable-server-load-tracking", "enable-sleep-mode", "enable-ssl-refresh", "enable-tokenizer-info-endpoint",
    "enforce-eager", "eplb-config", "eplb-log-balancedness", "eplb-step-interval", "eplb-window-size",
    "exclude-tools-when-tool-choice-none", "expert-placement-strategy", "fully-sharded-loras", "generation-config",
    "gpu-memory-utilization", "guided-decoding-backend", "guided-decoding-disable-additional-properties",
    "guided-decoding-disable-any-whitespace", "guided-decoding-disable-fallback", "h11-max-header-count",
    "h11-max-incomplete-event-size", "headless", "help", "hf-config-path", "hf-overrides", "hf-token", "host",
    "ignore-patterns", "interleave-mm-strings", "io-processor-plugin", "kv-cache-dtype", "kv-cache-memory-bytes",
    "kv-events-config", "kv-offloading-backend", "kv-offloading-size", "kv-sharing-fast-prefill",
    "kv-transfer-config", "limit-mm-per-prompt", "load-format", "log-config-file", "log-error-stack",
    "logits-processor-pattern", "logits-processors", "logprobs-mode", "long-prefill-token-threshold", "lora-dtype",
    "lora-extra-vocab-size", "lora-modules", "mamba-block-size", "mamba-cache-dtype", "mamba-ssm-cache-dtype",
    "master-addr", "master-port", "max-cpu-loras", "max-cudagraph-capture-size", "max-log-len", "max-logprobs",
    "max-long-partial-prefills", "max-lora-rank", "max-loras", "max-model-len", "max-num-batched-tokens",
    "max-num-partial-prefills", "max-num-seqs", "max-parallel-loading-workers", "media-io-kwargs", "middleware",
    "mm-encoder-attn-backend", "mm-encoder-tp-mode", "mm-processor-cache-gb", "mm-processor-cache-type",
    "mm-processor-kwargs", "mm-shm-cache-max-object-size-mb", "model", "model-impl", "model-loader-extra-config",
    "nnodes", "node-rank", "num-gpu-blocks-override", "num-lookahead-slots", "num-redundant-experts",
    "otlp-traces-endpoint", "override-attention-dtype", "override-generation-config", "override-pooler-config",
    "pipeline-parallel-size", "pooler-config", "port", "prefix-caching-hash-algo", "pt-load-map-location",
    "quantization", "ray-workers-use-nsight", "reasoning-parser", "reasoning-parser-plugin", "response-role",
    "return-tokens-as-token-ids", "revision", "root-path", "runner", "safetensors-load-strategy", "scheduler-cls",
    "scheduling-policy", "seed", "served-model-name", "show-hidden-metrics-for-version", "skip-mm-profiling",
    "skip-tokenizer-init", "speculative-config", "ssl-ca-certs", "ssl-cert-reqs", "ssl-certfile", "ssl-keyfile",
    "stream-interval", "structured-outputs-config", "swap-space", "task", "tensor-parallel-size", "tokenizer",
    "tokenizer-mode", "tokenizer-revision", "tokens-only", "tool-call-parser", "tool-parser-plugin", "tool-server",
    "trust-remote-code", "trust-request-chat-template", "uds", "use-tqdm-on-load", "uvicorn-log-level",
    "video-pruning-rate", "worker-cls", "worker-extension-cls",
];

const FLAGS: readonly string[] = FLAG_NAMES.flatMap((f) => [`--${f}`, `--no-${f}`]);

/**
 * Flags the stack sets itself or that break serving or the stack's guarantees, with the reason `vllmExtraArgs` may
 * not set them. `--block-size` is absent: its reason depends on maxModelLen (config/checks.ts).
 */
export const STACK_VLLM_FLAGS: Readonly<Record<string, string>> = {
    "--model": "is set by the stack to the model KServe's storage initializer downloads: change modelUri",
    "--served-model-name": "is set by the stack: use config key modelName",
    "--tensor-parallel-size": "is set by the stack: use config key tensorParallelSize",
    "--max-model-len": "is set by the stack: use config key maxModelLen",
    "--max-num-seqs": "is set by the stack: use config key maxNumSeqs",
    "--dtype": "is set by the stack: use config key dtype",
    "--port": "is fixed at 8000: KServe's Service, the probes and the gateway reach vLLM there",
    "--host": "would bind vLLM to one address, while KServe's Service, the probes and the gateway reach it on the pod IP",
    "--uds": "would move vLLM to a Unix socket (vLLM then ignores host and port): nothing could reach it",
    "--headless": "runs vLLM without its API server: nothing would serve requests",
    "--api-key": "makes vLLM demand a key that the gateway, the EPP and clients do not send: every request would get 401",
    "--ssl-certfile": "is set by the stack to KServe's certificate, which the gateway verifies",
    "--ssl-keyfile": "is set by the stack to KServe's certificate, which the gateway verifies",
    "--ssl-ca-certs": "belongs to vLLM's TLS, which the stack sets up with KServe's certificate (the gateway presents no client certificate)",
    "--ssl-cert-reqs": "belongs to vLLM's TLS, which the stack sets up with KServe's certificate (the gateway presents no client certificate)",
    "--enable-ssl-refresh": "is set by the stack: vLLM reloads the certificate KServe rotates",
    "--no-enable-ssl-refresh": "turns off reloading the certificate KServe rotates: vLLM would serve an expired one",
    "--enable-prefix-caching": "is set by the stack: prefix caching is what the routing is for",
    "--no-enable-prefix-caching": "turns prefix caching off, which the prefix-cache-aware routing exists for",
    "--enable-prompt-tokens-details": "is set by the stack: responses carry cached_tokens, which verify measures",
    "--no-enable-prompt-tokens-details": "removes cached_tokens from responses, which verify measures cache hits by",
    "--disable-log-stats": "turns off vLLM's Prometheus metrics, which the EPP's load-aware scorer and autoTune read",
    "--disable-log-requests": `is a deprecated no-op in vLLM ${VLLM_VERSION} (request logging is off by default; --enable-log-requests turns it on): remove it`,
    "--config": "reads flags from a YAML file in the pod, which could set any flag the stack owns unseen: put the flags in vllmExtraArgs",
    "--help": "prints vLLM's help and exits: the pod would restart forever",
};

/** One `vllmExtraArgs` entry as vLLM's parser sees it. */
export interface VllmArg {
    /** The flag as written, before `=` (or before the space of a `--flag value` entry). */
    spelled: string;
    /** vLLM flags the entry can mean: one for an exact flag or unique prefix, several for an ambiguous prefix. */
    matches: string[];
    /** `--flag value` in one entry: argparse takes it as a positional, i.e. the model to serve. */
    spaced: boolean;
}

/** Reads one entry; undefined when it is not a long option at all. */
export function readVllmArg(entry: string): VllmArg | undefined {
    if (!entry.startsWith("--") || entry.length === 2) return undefined;
    const name = entry.split("=", 1)[0];
    const spelled = name.split(/\s/, 1)[0];
    // FlexibleArgumentParser: `_` -> `-` in the part before the first `.` (dotted entries set JSON sub-keys).
    const flag = `--${spelled.slice(2).split(".", 1)[0].replace(/_/g, "-")}`;
    return { spelled, matches: matchFlag(flag), spaced: spelled !== name };
}

/** argparse: an exact option wins; otherwise every option the string is a prefix of. */
function matchFlag(flag: string): string[] {
    return FLAGS.includes(flag) ? [flag] : FLAGS.filter((f) => f.startsWith(flag));
}

import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { startSimulator } from "./server";
import { ROUTING_POLICIES, type RoutingPolicy, type SimulatorOptions } from "./options";

function number(value: string): number {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`not a number: ${value}`);
    return n;
}

function integer(value: string): number {
    const n = number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`not an integer: ${value}`);
    return n;
}

interface CliOptions {
    tlsCert?: string;
    tlsKey?: string;
    token?: string;
    host: string;
    port: number;
    basePath: string;
    model: string;
    maxModelLen: number;
    blockSize?: number;
    capacityBlocks: number;
    replicas: number;
    routing: RoutingPolicy;
    prefixWeight: number;
    loadWeight: number;
    maxNumSeqs: number;
    tpuBackend: "vllm" | "tpu-inference";
    batchMsPerSeq: number;
    baseLatencyMs: number;
    prefillMsPerToken: number;
    decodeMsPerToken: number;
    answerTokens: number;
    errorRate: number;
    errorStatus: number;
    malformed: boolean;
    slowMs: number;
    cacheReporting: boolean;
    metrics: boolean;
    seed: number;
}

export function buildProgram(): Command {
    return new Command("simulate")
        .description("OpenAI-compatible vLLM simulator with a block-level prefix cache, for verify tests and demos")
        .option("--host <host>", "address to listen on", "127.0.0.1")
        .option("--port <port>", "port (0 = ephemeral)", integer, 8000)
        .option("--base-path <path>", "serve below this path, like the gateway's /<namespace>/<service>", "")
        .option("--model <id>", "served model id", "/mnt/models")
        .option("--max-model-len <n>", "context length reported by /v1/models", integer, 2048)
        .option("--block-size <n>", "prefix-cache block size in tokens (default: vLLM's TPU rule on --max-model-len, see --tpu-backend)", integer)
        .option("--capacity-blocks <n>", "prefix-cache capacity per replica in blocks (0 disables caching)", integer, 4096)
        .option("--replicas <n>", "replicas behind the one port", integer, 1)
        .addOption(
            new Option("--routing <policy>", "how requests are spread over replicas: longest cached prefix, round-robin, or an EPP-like weighted prefix + load score")
                .choices([...ROUTING_POLICIES])
                .default("prefix"),
        )
        .option("--prefix-weight <w>", "epp routing: weight of the prefix-match score", number, 2)
        .option("--load-weight <w>", "epp routing: weight of the load score", number, 1)
        .option("--max-num-seqs <n>", "running sequences per replica (vLLM --max-num-seqs); the rest wait in a queue", integer, 128)
        .addOption(
            new Option("--tpu-backend <platform>", "block-size rule of vLLM's own TPU platform, or of tpu-inference (adds the SMEM floor)")
                .choices(["vllm", "tpu-inference"])
                .default("tpu-inference"),
        )
        .option("--batch-ms-per-seq <ms>", "extra decode-step time per other sequence in the running batch", number, 0)
        .option("--base-latency-ms <ms>", "fixed cost per request", number, 0)
        .option("--prefill-ms-per-token <ms>", "cost per uncached prompt token", number, 0)
        .option("--decode-ms-per-token <ms>", "cost per generated token", number, 0)
        .option("--answer-tokens <n>", "tokens of the simulated answer before its end-of-sequence (requests with ignore_eos run to max_tokens)", integer, 256)
        .option("--error-rate <fraction>", "fraction of inference requests failing with --error-status", number, 0)
        .option("--error-status <code>", "HTTP status of injected failures", integer, 500)
        .option("--malformed", "answer inference requests with broken JSON", false)
        .option("--slow-ms <ms>", "extra delay before every inference response", number, 0)
        .option("--no-cache-reporting", "omit usage.prompt_tokens_details (vLLM without --enable-prompt-tokens-details)")
        .option("--no-metrics", "do not serve /metrics")
        .option("--seed <n>", "seed for injected failures", integer, 1)
        .option("--tls-cert <file>", "serve HTTPS with this PEM certificate (with --tls-key), like the stack's gateway")
        .option("--tls-key <file>", "PEM private key of --tls-cert")
        .option("--token <token>", "require Authorization: Bearer <token>, refusing as the gateway does (403 without, 401 with another)");
}

export async function main(argv: string[]): Promise<number> {
    const program = buildProgram().exitOverride();
    try {
        program.parse(argv, { from: "user" });
    } catch (err) {
        const code = (err as { exitCode?: number }).exitCode;
        return code === 0 ? 0 : 2;
    }
    const o = program.opts<CliOptions>();
    const options: Partial<SimulatorOptions> = {
        host: o.host,
        port: o.port,
        basePath: o.basePath,
        model: o.model,
        maxModelLen: o.maxModelLen,
        blockSize: o.blockSize,
        capacityBlocks: o.capacityBlocks,
        replicas: o.replicas,
        routing: o.routing,
        prefixWeight: o.prefixWeight,
        loadWeight: o.loadWeight,
        maxNumSeqs: o.maxNumSeqs,
        tpuBackend: o.tpuBackend,
        batchMsPerSeq: o.batchMsPerSeq,
        baseLatencyMs: o.baseLatencyMs,
        prefillMsPerToken: o.prefillMsPerToken,
        decodeMsPerToken: o.decodeMsPerToken,
        answerTokens: o.answerTokens,
        errorRate: o.errorRate,
        errorStatus: o.errorStatus,
        malformed: o.malformed,
        slowMs: o.slowMs,
        reportCachedTokens: o.cacheReporting,
        metrics: o.metrics,
        seed: o.seed,
        token: o.token ?? null,
    };
    let sim;
    try {
        if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new Error("--tls-cert and --tls-key go together");
        if (o.tlsCert !== undefined && o.tlsKey !== undefined) options.tls = { cert: readFileSync(o.tlsCert, "utf8"), key: readFileSync(o.tlsKey, "utf8") };
        sim = await startSimulator(options);
    } catch (err) {
        process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        return 2;
    }
    const o2 = sim.options;
    // The first stdout line is the URL alone so scripts (and the bench) can read it.
    process.stdout.write(`${sim.url}\n`);
    process.stderr.write(
        `vLLM simulator: model ${o2.model}, ${o2.replicas} replica(s), ${o2.routing} routing, block ${o2.blockSize} tokens, ` +
            `${o2.capacityBlocks} blocks/replica. Try: npm run verify -- --url ${sim.url}\n`,
    );
    await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
    });
    await sim.close();
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}

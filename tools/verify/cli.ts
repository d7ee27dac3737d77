import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { compareReports, formatComparison, parseReport } from "./compare";
import { samplesCsv } from "./csv";
import { renderHtml } from "./html";
import { parseSlo, type Slo } from "./load";
import { LIMITS, normalizeBaseUrl, parseLevels, parseDuration, parsePhaseList, PHASES, type Api, type PhaseName, type Thresholds, type VerifyConfig } from "./config";
import { DEFAULT_MIN_AFFINITY } from "./affinity";
import { createProgress } from "./progress";
import { formatJson, formatText } from "./report";
import { runVerify, type VerifyReport } from "./run";
import { pulumiStackOutput, pulumiStackUrl } from "./stack";
import { AccessError, TOKEN_ENV, resolveAccess, type ClientAccess } from "./access";

/** Where output goes and how the stack URL is found; tests replace these to run main() in-process. */
export interface CliIO {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    /** Progress bars only make sense on an interactive stderr. */
    stderrIsTTY: boolean;
    resolveStackUrl: (stack: string) => Promise<string>;
    /** Another output of the stack (the CA, the tokens), read only when --url is absent. */
    readStackOutput?: (stack: string, output: string, showSecrets: boolean) => Promise<string>;
    env?: Record<string, string | undefined>;
}

const defaultIO = (): CliIO => ({
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stderrIsTTY: process.stderr.isTTY === true,
    resolveStackUrl: (stack) => pulumiStackUrl(stack),
    readStackOutput: (stack, output, showSecrets) => pulumiStackOutput(stack, output, showSecrets),
    env: process.env,
});

class UsageError extends Error {}

/** Exit code of a failed parse: 0 for --help/--version, 2 for a usage error (printed); anything else is a bug. */
function usageExit(err: unknown, io: CliIO): number {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
        io.stderr(`error: ${err.message}\n`);
        return 2;
    }
    throw err;
}

/** Plain decimal digits only: Number() would also take "0x10", "1e3" or " 8 ", which a typo should not become. */
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export function intIn(min: number, max: number) {
    return (value: string): number => {
        const n = Number(value);
        if (!INTEGER.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
        return n;
    };
}

export function numberIn(min: number, max: number) {
    return (value: string): number => {
        const n = Number(value);
        if (!DECIMAL.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
        return n;
    };
}

function duration(max: number) {
    return (value: string): number => {
        const ms = parseDuration(value);
        if (ms === null || ms > max) throw new InvalidArgumentError(`expected a duration such as 500ms, 30s or 2m (at most ${max / 1000}s)`);
        return ms;
    };
}

function slos(value: string): Slo {
    const slo = parseSlo(value);
    if (slo === null) throw new InvalidArgumentError("expected ttft:<ms>, tpot:<ms> and/or e2el:<ms>, comma-separated");
    return slo;
}

function levels(integers: boolean, max: number) {
    return (value: string): number[] => {
        const list = parseLevels(value, integers, max);
        if (list === null) throw new InvalidArgumentError(`expected a comma-separated list of up to 12 ${integers ? "integers" : "numbers"} from 1 to ${max}`);
        return list;
    };
}

function phases(value: string): PhaseName[] {
    const list = parsePhaseList(value);
    if (list === null) throw new InvalidArgumentError(`expected a comma-separated list of ${PHASES.join(", ")}`);
    return list;
}

interface CliOptions extends Thresholds {
    url?: string;
    token?: string;
    cacert?: string;
    client?: string;
    stack: string;
    model?: string;
    expectModel?: string;
    timeout: number;
    skip?: PhaseName[];
    only?: PhaseName[];
    blockSize?: number;
    cacheGroups: number;
    cacheRequests: number;
    prefixTokens: number;
    suffixTokens: number;
    minAffinity: number;
    serialRequests: number;
    concurrency: number;
    requests?: number;
    duration?: number;
    rate?: number;
    promptTokens: number;
    maxTokens: number;
    api: Api;
    arrival?: "closed" | "constant" | "poisson";
    goodput?: Slo;
    sweepRates?: number[];
    sweepConcurrency?: number[];
    sharedPrefixGroups: number;
    sharedPrefixTokens: number;
    seed?: number;
    json: boolean;
    quiet: boolean;
    reportDir?: string;
}

export function buildProgram(): Command {
    const tokens = intIn(1, LIMITS.tokens);
    return new Command("verify")
        .description(
            "Verify a deployed OpenAI-compatible vLLM service: health, server-proven prefix-cache hits, latency and throughput.\n" +
                "Exit code 0 = all good, 1 = a check or threshold failed, 2 = usage error.",
        )
        .option("--url <baseUrl>", "service base URL, https://<gatewayIp>/<namespace>/<service> (default: the stack's baseUrl output)")
        .option("--token <jwt>", `bearer token for the gateway (default: $${TOKEN_ENV}, else without --url the stack's clientTokens output)`)
        .option("--cacert <file>", "PEM file of the CA the server's certificate chains to (default: without --url the stack's caCertificate output)")
        .option("--client <name>", "which client's token to take from the stack's clientTokens (default: the first)")
        .option("--stack <name>", "Pulumi stack to read baseUrl from when --url is absent", "dev")
        .option("--model <id>", "model id to send (default: detected from /v1/models)")
        .option("--expect-model <id>", "fail unless /v1/models serves this id")
        .addOption(new Option("--timeout <duration>", "per-request timeout, e.g. 30s or 500ms").argParser(duration(LIMITS.timeoutMs)).default(60_000, "60s"))
        .option("--skip <phases>", `phases to skip (${PHASES.join(",")})`, phases)
        .option("--only <phases>", `phases to run (${PHASES.join(",")})`, phases)
        .option("--block-size <tokens>", "prefix-cache block size (default: vllm:cache_config_info from /metrics, else the TPU rule on max_model_len, else 128)", intIn(1, 65_536))
        .option("--cache-groups <n>", "prefix groups in the cache phase", intIn(1, LIMITS.groups), 4)
        .option("--cache-requests <n>", "requests per prefix group (first one is cold)", intIn(2, LIMITS.requestsPerGroup), 4)
        .option("--prefix-tokens <n>", "shared prefix length in words (~tokens); must exceed the block size to be cacheable", tokens, 1024)
        .option("--suffix-tokens <n>", "distinct suffix length per request in words (~tokens)", tokens, 32)
        .option("--min-affinity <ratio>", "fail the cache check below this routing affinity, cached / cacheable prefix tokens of later requests (0 disables)", numberIn(0, 1), DEFAULT_MIN_AFFINITY)
        .option("--serial-requests <n>", "requests in the serial load phase (0 skips it)", intIn(0, LIMITS.requests), 8)
        .option("--concurrency <n>", "parallel requests in the concurrent load phase", intIn(1, LIMITS.concurrency), 8)
        .option("--requests <n>", "requests in the concurrent load phase (default 64 unless --duration)", intIn(1, LIMITS.requests))
        .option("--duration <duration>", "length of the concurrent load phase, e.g. 30s", duration(LIMITS.durationMs))
        .option("--rate <rps>", "fixed request rate for the concurrent phase", numberIn(0.01, 100_000))
        .option("--prompt-tokens <n>", "prompt length of load requests in words (~tokens)", tokens, 256)
        .option("--max-tokens <n>", "output tokens per load request", tokens, 64)
        .addOption(new Option("--api <api>", "endpoint the load phase uses").choices(["completions", "chat"]).default("completions"))
        .addOption(
            new Option("--arrival <kind>", "with --rate: open-loop constant or Poisson arrivals, latency from the scheduled time; closed = paced workers")
                .choices(["constant", "poisson", "closed"]),
        )
        .option("--goodput <slos>", "SLOs in ms, e.g. ttft:500,tpot:50,e2el:2000: report the share of requests meeting all", slos)
        .option("--min-goodput <ratio>", "fail below this share of concurrent-phase requests within the --goodput SLOs", numberIn(0, 1))
        .option("--sweep-rates <list>", "run the concurrent phase again at each rate, e.g. 1,2,4,8 (req/s)", levels(false, 100_000))
        .option("--sweep-concurrency <list>", "run the concurrent phase again at each concurrency, e.g. 1,4,16", levels(true, LIMITS.concurrency))
        .option("--shared-prefix-groups <n>", "load prompts share this many prefixes, interleaved (0 = unique prompts)", intIn(0, LIMITS.groups), 0)
        .option("--shared-prefix-tokens <n>", "length of each shared load prefix in words (~tokens)", tokens, 1024)
        .option("--min-cached-ratio <ratio>", "fail below this cached-token ratio (0..1)", numberIn(0, 1))
        .option("--max-p50-ms <ms>", "fail above this p50 end-to-end latency", numberIn(0, 3_600_000))
        .option("--max-p99-ms <ms>", "fail above this p99 end-to-end latency", numberIn(0, 3_600_000))
        .option("--max-ttft-p50-ms <ms>", "fail above this p50 time to first token", numberIn(0, 3_600_000))
        .option("--max-error-rate <ratio>", "tolerated failed fraction of load requests (default 0)", numberIn(0, 1))
        .option("--min-rps <n>", "fail below this concurrent-phase throughput", numberIn(0, 1_000_000))
        .option("--seed <n>", "seed for generated prompts (default: random per run)", intIn(0, 2 ** 31 - 1))
        .option("--report-dir <dir>", "also write report.json, samples.csv and a self-contained report.html into this directory")
        .option("--json", "print one JSON document on stdout, nothing else", false)
        .option("--quiet", "print only the verdict; no progress bars", false);
}

function toConfig(o: CliOptions, baseUrl: string): VerifyConfig {
    if (o.skip !== undefined && o.only !== undefined) throw new UsageError("--skip and --only cannot be combined");
    const selected = new Set<PhaseName>(o.only ?? PHASES);
    for (const p of o.skip ?? []) selected.delete(p);
    if (selected.size === 0) throw new UsageError("no phase left to run");
    const thresholds: Thresholds = {
        minCachedRatio: o.minCachedRatio,
        maxP50Ms: o.maxP50Ms,
        maxP99Ms: o.maxP99Ms,
        maxTtftP50Ms: o.maxTtftP50Ms,
        maxErrorRate: o.maxErrorRate,
        minRps: o.minRps,
        minGoodput: o.minGoodput,
    };
    if (o.minGoodput !== undefined && o.goodput === undefined) throw new UsageError("--min-goodput needs --goodput SLOs");
    if (o.sweepRates !== undefined && o.sweepConcurrency !== undefined) throw new UsageError("--sweep-rates and --sweep-concurrency cannot be combined");
    if (o.arrival !== undefined && o.rate === undefined && o.sweepRates === undefined) throw new UsageError("--arrival needs --rate or --sweep-rates");
    return {
        baseUrl,
        model: o.model ?? null,
        expectModel: o.expectModel ?? null,
        timeoutMs: o.timeout,
        phases: selected,
        blockSize: o.blockSize ?? null,
        cache: { groups: o.cacheGroups, requestsPerGroup: o.cacheRequests, prefixTokens: o.prefixTokens, suffixTokens: o.suffixTokens, maxTokens: 8, minAffinity: o.minAffinity },
        load: {
            serialRequests: o.serialRequests,
            concurrency: o.concurrency,
            requests: o.requests ?? null,
            durationMs: o.duration ?? null,
            rate: o.rate ?? null,
            promptTokens: o.promptTokens,
            maxTokens: o.maxTokens,
            api: o.api,
            arrival: o.arrival ?? "constant",
            slo: o.goodput ?? null,
            sweep: o.sweepRates !== undefined ? { kind: "rate", levels: o.sweepRates } : o.sweepConcurrency !== undefined ? { kind: "concurrency", levels: o.sweepConcurrency } : null,
            sharedPrefix: o.sharedPrefixGroups > 0 ? { groups: o.sharedPrefixGroups, prefixTokens: o.sharedPrefixTokens } : null,
        },
        thresholds: Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined)) as Thresholds,
        seed: o.seed ?? null,
    };
}

async function resolveBaseUrl(o: CliOptions, io: CliIO): Promise<string> {
    let raw = o.url;
    if (raw === undefined) {
        try {
            raw = await io.resolveStackUrl(o.stack);
        } catch (err) {
            const reason = err instanceof Error ? err.message : String(err);
            throw new UsageError(
                `no --url given and the Pulumi stack output baseUrl of stack "${o.stack}" could not be read (${reason}); ` +
                    "pass --url http://<gatewayIp>/<namespace>/<service>",
            );
        }
    }
    const url = normalizeBaseUrl(raw);
    if (url === null) throw new UsageError(`invalid --url ${JSON.stringify(raw)}: expected http(s)://host[:port]/path without query`);
    return url;
}

/** Runs the command; resolves to the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: readonly string[], ioOverrides: Partial<CliIO> = {}): Promise<number> {
    const io: CliIO = { ...defaultIO(), ...ioOverrides };
    if (argv[0] === "compare") return compareMain(argv.slice(1), io);
    const program = buildProgram()
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    let config: VerifyConfig;
    let options: CliOptions;
    let access: ClientAccess;
    try {
        program.parse([...argv], { from: "user" });
        options = program.opts<CliOptions>();
        config = toConfig(options, await resolveBaseUrl(options, io));
        const read = io.readStackOutput ?? pulumiStackOutput;
        // Only the stack's own gateway (an https baseUrl) has a CA and tokens to read; a platform team's has none.
        const fromStack = options.url === undefined && config.baseUrl.startsWith("https:") ? (output: string, secret: boolean) => read(options.stack, output, secret) : undefined;
        access = await resolveAccess(options, io.env ?? process.env, fromStack).catch((err: unknown) => {
            throw err instanceof AccessError ? new UsageError(err.message) : err;
        });
    } catch (err) {
        return usageExit(err, io);
    }
    const progress = createProgress(io.stderrIsTTY && !options.json && !options.quiet);
    const report = await runVerify(config, progress, access);
    io.stdout(options.json ? formatJson(report) : formatText(report, options.quiet));
    if (options.reportDir !== undefined) {
        const html = writeReportDir(options.reportDir, report);
        if (!options.json) io.stdout(`report: ${html}\n`);
    }
    return report.exitCode;
}

/** report.json (the --json document), samples.csv and report.html; returns the HTML's path. */
export function writeReportDir(dir: string, report: VerifyReport, label = "run"): string {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "report.json"), formatJson(report));
    writeFileSync(path.join(dir, "samples.csv"), samplesCsv(report));
    const html = path.join(dir, "report.html");
    writeFileSync(html, renderHtml([{ label, report }], `verify ${report.baseUrl}`));
    return html;
}

interface CompareOptions {
    labelA: string;
    labelB: string;
    html?: string;
    json: boolean;
}

/** `verify compare A.json B.json`: exit 0 after printing, 2 on a usage error or a file that is no report. */
export async function compareMain(argv: readonly string[], io: CliIO): Promise<number> {
    const program = new Command("verify compare")
        .description("Two verify JSON reports side by side, with B/A ratios")
        .argument("<a>", "first report (e.g. round-robin, or before an upgrade)")
        .argument("<b>", "second report")
        .option("--label-a <name>", "name of the first run", "A")
        .option("--label-b <name>", "name of the second run", "B")
        .option("--html <file>", "also write both runs into one self-contained HTML report")
        .option("--json", "print the comparison as JSON", false)
        .exitOverride()
        .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) });
    let reports: [VerifyReport, VerifyReport];
    let o: CompareOptions;
    try {
        program.parse([...argv], { from: "user" });
        o = program.opts<CompareOptions>();
        const [a, b] = program.args;
        reports = [a, b].map((file) => {
            let text: string;
            try {
                text = readFileSync(file, "utf8");
            } catch (err) {
                throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
            }
            try {
                return parseReport(text, file);
            } catch (err) {
                throw new UsageError(err instanceof Error ? err.message : String(err));
            }
        }) as [VerifyReport, VerifyReport];
    } catch (err) {
        return usageExit(err, io);
    }
    const rows = compareReports(reports[0], reports[1]);
    io.stdout(o.json ? `${JSON.stringify({ a: o.labelA, b: o.labelB, rows }, null, 2)}\n` : formatComparison(rows, o.labelA, o.labelB));
    if (o.html !== undefined) {
        mkdirSync(path.dirname(path.resolve(o.html)), { recursive: true });
        writeFileSync(o.html, renderHtml([{ label: o.labelA, report: reports[0] }, { label: o.labelB, report: reports[1] }], `verify: ${o.labelA} vs ${o.labelB}`));
        if (!o.json) io.stdout(`report: ${o.html}\n`);
    }
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exit(1);
        },
    );
}

/**
 * How fast can `verify`'s load phase drive a server, and how much latency does the tool itself add?
 * The simulator runs at zero latency in a child process (its own event loop, as a real server would have), so
 * every millisecond measured is HTTP, kernel, simulator bookkeeping and the client. Server-side time comes from
 * the simulator's vLLM-style /metrics (vllm:e2e_request_latency_seconds sum/count), so
 * overhead = client-measured mean latency - server-side mean latency.
 *
 * Usage: npm run bench:verify [-- --seconds 8 --levels 1,4,16,64]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import Table from "cli-table3";
import { VerifyClient } from "../tools/verify/http";
import { runLoadPhase, type LoadPhaseResult } from "../tools/verify/load";
import { parsePrometheus, serverLatencyTotals, type ServerLatencyTotals } from "../tools/verify/prom";
import { createProgress } from "../tools/verify/progress";

interface Args {
    seconds: number;
    levels: number[];
    promptTokens: number;
    maxTokens: number;
}

function parseArgs(argv: string[]): Args {
    const args: Args = { seconds: 8, levels: [1, 4, 16, 64], promptTokens: 256, maxTokens: 16 };
    for (let i = 0; i < argv.length; i += 2) {
        const value = argv[i + 1] ?? "";
        switch (argv[i]) {
            case "--seconds":
                args.seconds = Math.min(12, Math.max(1, Number(value)));
                break;
            case "--levels":
                args.levels = value.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0 && n <= 256).slice(0, 5);
                break;
            case "--prompt-tokens":
                args.promptTokens = Math.max(1, Math.min(1500, Number(value)));
                break;
            case "--max-tokens":
                args.maxTokens = Math.max(1, Math.min(256, Number(value)));
                break;
            default:
                throw new Error(`unknown argument ${argv[i]}`);
        }
    }
    return args;
}

async function startSimulatorProcess(): Promise<{ url: string; child: ChildProcess }> {
    const root = path.resolve(__dirname, "..");
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "tools/simulator/cli.ts"), "--port", "0"], {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timeout = setTimeout(() => child.kill(), 20_000);
    const [first] = (await once(lines, "line")) as [string];
    clearTimeout(timeout);
    lines.close();
    return { url: first.trim(), child };
}

async function scrape(client: VerifyClient): Promise<ServerLatencyTotals> {
    const res = await client.getText("/metrics");
    const totals = res.ok ? serverLatencyTotals(parsePrometheus(res.value)) : null;
    if (totals === null) throw new Error("simulator /metrics has no e2e latency histogram");
    return totals;
}

interface Row {
    concurrency: number;
    phase: LoadPhaseResult;
    serverMeanMs: number;
    cpuMicrosPerRequest: number;
}

async function measure(client: VerifyClient, concurrency: number, seconds: number, a: Args, offset: number): Promise<Row> {
    const before = await scrape(client);
    const cpuBefore = process.cpuUsage();
    const phase = await runLoadPhase(client, {
        name: "concurrent",
        model: "/mnt/models",
        api: "completions",
        concurrency,
        requests: null,
        durationMs: seconds * 1000,
        rate: null,
        promptTokens: a.promptTokens,
        maxTokens: a.maxTokens,
        seed: 1,
        runId: `bench${concurrency}`,
        indexOffset: offset,
        progress: createProgress(process.stderr.isTTY === true),
    });
    const cpu = process.cpuUsage(cpuBefore);
    const after = await scrape(client);
    const n = after.e2eCount - before.e2eCount;
    return {
        concurrency,
        phase,
        serverMeanMs: n > 0 ? ((after.e2eSum - before.e2eSum) / n) * 1000 : Number.NaN,
        cpuMicrosPerRequest: phase.requests > 0 ? (cpu.user + cpu.system) / phase.requests : Number.NaN,
    };
}

const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "-" : v < 10 ? v.toFixed(2) : v.toFixed(1));

async function benchMain(): Promise<void> {
    const a = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const { url, child } = await startSimulatorProcess();
    const client = new VerifyClient({ baseUrl: url, timeoutMs: 10_000, connections: Math.max(...a.levels) + 2 });
    try {
        // Warm-up: JIT, connection pool and simulator caches, not reported.
        await measure(client, Math.max(...a.levels), 1, a, 0);
        const rows: Row[] = [];
        let offset = 1_000_000;
        for (const c of a.levels) {
            rows.push(await measure(client, c, a.seconds, a, offset));
            offset += 1_000_000;
        }
        const table = new Table({
            head: ["Concurrency", "Requests", "Errors", "req/s", "out tok/s", "Latency p50 ms", "p99 ms", "TTFT p50 ms", "Server mean ms", "Overhead mean ms", "Client CPU/req"],
            style: { head: [], border: [], compact: true },
        });
        for (const r of rows) {
            const p = r.phase;
            table.push([
                r.concurrency,
                p.requests,
                p.failed,
                p.rps.toFixed(0),
                p.outputTokensPerSec.toFixed(0),
                ms(p.latency?.p50),
                ms(p.latency?.p99),
                ms(p.ttft?.p50),
                ms(r.serverMeanMs),
                ms((p.latency?.mean ?? Number.NaN) - r.serverMeanMs),
                `${Math.round(r.cpuMicrosPerRequest)} µs`,
            ]);
        }
        process.stdout.write(
            `verify load phase vs zero-latency simulator (separate process), ${a.promptTokens}-token prompts, ${a.maxTokens} streamed tokens/request, ` +
                `${a.seconds}s per level\nnode ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown cpu"})\n${table.toString()}\n` +
                `total ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
    } finally {
        await client.close();
        child.kill("SIGTERM");
        await once(child, "exit");
    }
}

benchMain().then(
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
    },
);

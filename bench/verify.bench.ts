/**
 * How fast can `verify`'s load phase drive a server, and how much latency does the tool itself add?
 * The simulator runs at zero latency in a child process (its own event loop, as a real server would have), so
 * every millisecond measured is HTTP, kernel, simulator bookkeeping and the client. Server-side time comes from
 * the simulator's vLLM-style /metrics (vllm:e2e_request_latency_seconds sum/count), so
 * overhead = client-measured mean latency - server-side mean latency.
 *
 * With `wrk` installed (Debian package `wrk`), every level also runs wrk on the same endpoint with the same request
 * body, right after the tool, and the table shows the tool's throughput and added p50 latency as ratios/differences
 * to wrk's. wrk parses no SSE and no JSON, so it is the floor any client can reach on this machine; absolute figures
 * on a shared 2-core box are noise, the ratios are the result. Target: at concurrency 16, >= 0.8 of wrk's req/s and
 * < 1 ms added at p50.
 *
 * Usage: npm run bench:verify [-- --url http://127.0.0.1:8000 --seconds 8 --levels 1,4,16,64 --no-wrk]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import Table from "cli-table3";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { normalizeBaseUrl } from "../tools/verify/config";
import { VerifyClient } from "../tools/verify/http";
import { loadPrompt } from "../tools/verify/workload";
import { runLoadPhase, type LoadPhaseResult } from "../tools/verify/load";
import { parsePrometheus, serverLatencyTotals, type ServerLatencyTotals } from "../tools/verify/prom";
import { createProgress } from "../tools/verify/progress";

interface Args {
    seconds: number;
    levels: number[];
    promptTokens: number;
    maxTokens: number;
    url: string | null;
    wrk: boolean;
    model: string;
}

function parseArgs(argv: string[]): Args {
    const args: Args = { seconds: 8, levels: [1, 4, 16, 64], promptTokens: 256, maxTokens: 16, url: null, wrk: true, model: "/mnt/models" };
    for (let i = 0; i < argv.length; i += 2) {
        const value = argv[i + 1] ?? "";
        switch (argv[i]) {
            case "--url": {
                const url = normalizeBaseUrl(value);
                if (url === null) throw new Error(`invalid --url ${JSON.stringify(value)}`);
                args.url = url;
                break;
            }
            case "--model":
                args.model = value;
                break;
            case "--no-wrk":
                args.wrk = false;
                i -= 1;
                break;
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

/** Server-side e2e totals; a --url without /metrics gives NaN server means instead of stopping the bench. */
async function scrape(client: VerifyClient): Promise<ServerLatencyTotals> {
    const res = await client.getText("/metrics");
    return (res.ok ? serverLatencyTotals(parsePrometheus(res.value)) : null) ?? { e2eSum: Number.NaN, e2eCount: 0, ttftSum: 0, ttftCount: 0 };
}

interface Row {
    concurrency: number;
    phase: LoadPhaseResult;
    serverMeanMs: number;
    cpuMicrosPerRequest: number;
    wrk: WrkResult | null;
}

export interface WrkResult {
    rps: number;
    p50Ms: number;
    p99Ms: number;
    /** Responses that were not 2xx/3xx: any makes the reference meaningless, and the table says so. */
    non2xx: number;
}

/** wrk prints latencies as 251.00us, 1.23ms or 1.01s. */
export function wrkMs(text: string): number {
    const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
    if (m === null) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === "us" ? v / 1000 : m[2] === "ms" ? v : m[2] === "s" ? v * 1000 : v * 60_000;
}

export function parseWrk(out: string): WrkResult | null {
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
    const p50 = /^\s+50%\s+(\S+)/m.exec(out);
    const p99 = /^\s+99%\s+(\S+)/m.exec(out);
    const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
    if (rps === null || p50 === null || p99 === null) return null;
    return { rps: Number(rps[1]), p50Ms: wrkMs(p50[1]), p99Ms: wrkMs(p99[1]), non2xx: non2xx === null ? 0 : Number(non2xx[1]) };
}

async function hasWrk(): Promise<boolean> {
    try {
        await promisify(execFile)("wrk", ["--version"]);
        return true;
    } catch (err) {
        // wrk --version exits 1 after printing its version.
        return (err as { stdout?: string }).stdout?.includes("wrk") === true;
    }
}

/** The same request the tool sends, as a wrk Lua script: one fixed body (wrk cannot vary it cheaply). */
function wrkScript(a: Args): string {
    const body = JSON.stringify({
        model: a.model,
        prompt: loadPrompt(0, a.promptTokens, 1, "wrkbench"),
        max_tokens: a.maxTokens,
        temperature: 0,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-wrk-"));
    const file = path.join(dir, "post.lua");
    writeFileSync(file, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`);
    return file;
}

async function runWrk(url: string, concurrency: number, seconds: number, script: string): Promise<WrkResult | null> {
    const { stdout } = await promisify(execFile)("wrk", ["-t1", `-c${concurrency}`, `-d${seconds}s`, "--latency", "-s", script, `${url}/v1/completions`], { timeout: (seconds + 30) * 1000 });
    return parseWrk(stdout);
}

async function measure(client: VerifyClient, concurrency: number, seconds: number, a: Args, offset: number): Promise<Row> {
    const before = await scrape(client);
    const cpuBefore = process.cpuUsage();
    const phase = await runLoadPhase(client, {
        name: "concurrent",
        model: a.model,
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
        wrk: null,
    };
}

const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "-" : v < 10 ? v.toFixed(2) : v.toFixed(1));

async function benchMain(): Promise<void> {
    const a = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const sim = a.url === null ? await startSimulatorProcess() : null;
    const url = a.url ?? sim?.url ?? "";
    const wrk = a.wrk && (await hasWrk()) ? wrkScript(a) : null;
    const client = new VerifyClient({ baseUrl: url, timeoutMs: 10_000, connections: Math.max(...a.levels) + 2 });
    try {
        // Warm-up: JIT, connection pool and simulator caches, not reported.
        await measure(client, Math.max(...a.levels), 1, a, 0);
        const rows: Row[] = [];
        let offset = 1_000_000;
        for (const c of a.levels) {
            const row = await measure(client, c, a.seconds, a, offset);
            // Right after the tool, same endpoint, same concurrency and length: the reference for this level.
            if (wrk !== null) row.wrk = await runWrk(url, c, a.seconds, wrk);
            rows.push(row);
            offset += 1_000_000;
        }
        const table = new Table({
            head: ["Concurrency", "Requests", "Errors", "req/s", "out tok/s", "Latency p50 ms", "p99 ms", "TTFT p50 ms", "Server mean ms", "Client - server mean ms", "Client CPU/req", "wrk req/s", "req/s / wrk", "p50 - wrk p50 ms"],
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
                r.wrk === null ? "-" : `${r.wrk.rps.toFixed(0)}${r.wrk.non2xx > 0 ? ` (${r.wrk.non2xx} non-2xx!)` : ""}`,
                r.wrk === null ? "-" : (p.rps / r.wrk.rps).toFixed(2),
                r.wrk === null ? "-" : ms((p.latency?.p50 ?? Number.NaN) - r.wrk.p50Ms),
            ]);
        }
        const at16 = rows.find((r) => r.concurrency === 16 && r.wrk !== null);
        const verdict =
            at16?.wrk == null
                ? wrk === null
                    ? "wrk not installed (apt-get install wrk): no reference run\n"
                    : ""
                : `target at concurrency 16: req/s ratio ${(at16.phase.rps / at16.wrk.rps).toFixed(2)} (>= 0.80: ${at16.phase.rps / at16.wrk.rps >= 0.8 ? "met" : "MISSED"}), ` +
                  `added p50 ${ms((at16.phase.latency?.p50 ?? Number.NaN) - at16.wrk.p50Ms)} ms (< 1 ms: ${(at16.phase.latency?.p50 ?? Infinity) - at16.wrk.p50Ms < 1 ? "met" : "MISSED"})\n`;
        process.stdout.write(
            `verify load phase vs ${a.url === null ? "zero-latency simulator (separate process)" : a.url}, ${a.promptTokens}-token prompts, ${a.maxTokens} streamed tokens/request, ` +
                `${a.seconds}s per level\nnode ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown cpu"})\n${table.toString()}\n` +
                verdict +
                `total ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
    } finally {
        await client.close();
        if (sim !== null) {
            sim.child.kill("SIGTERM");
            await once(sim.child, "exit");
        }
    }
}

if (require.main === module) {
    benchMain().then(
        () => process.exit(0),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exit(1);
        },
    );
}

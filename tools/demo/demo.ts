/**
 * `npm run demo`: for someone without a cloud project. Starts the vLLM simulator twice on 127.0.0.1, three replicas
 * each, once behind prefix-aware routing and once behind round-robin, runs verify against both, compares them and
 * writes one HTML report. Expected outcome: prefix routing passes, round-robin fails as cache-blind.
 *
 * Usage: npm run demo [-- --out reports/demo]
 */
import path from "node:path";
import { compareMain, main as verifyMain, type CliIO } from "../verify/cli";
import type { RoutingPolicy } from "../simulator/options";
import { startSimulator } from "../simulator/server";

/** A TPU-like shape at toy scale: prefill costs per uncached token, decode per token, a batch that slows with load. */
export const DEMO_SIMULATOR = { replicas: 3, prefillMsPerToken: 0.05, decodeMsPerToken: 2, batchMsPerSeq: 0.2, maxNumSeqs: 16, seed: 1 };

/** Cache phase as default, then a short shared-prefix load and a concurrency sweep: about 20 s per run. */
export const DEMO_VERIFY_ARGS = [
    "--seed", "42",
    "--serial-requests", "4",
    "--requests", "48",
    "--concurrency", "8",
    "--max-tokens", "16",
    "--prompt-tokens", "64",
    "--shared-prefix-groups", "4",
    "--shared-prefix-tokens", "768",
    "--sweep-concurrency", "1,4,8,16",
    "--goodput", "ttft:200,e2el:1000",
];

export interface DemoRun {
    routing: RoutingPolicy;
    exitCode: number;
    reportDir: string;
}

/** Everything verify prints goes to `log`; no stack lookup (every run has --url). */
const quietIO = (log: (text: string) => void): CliIO => ({
    stdout: log,
    stderr: log,
    stderrIsTTY: false,
    resolveStackUrl: () => Promise.reject(new Error("the demo always passes --url")),
});

export async function runDemo(outDir: string, log: (text: string) => void, extraArgs: readonly string[] = []): Promise<{ runs: DemoRun[]; html: string; ok: boolean }> {
    const runs: DemoRun[] = [];
    for (const routing of ["prefix", "round-robin"] as const) {
        const sim = await startSimulator({ ...DEMO_SIMULATOR, routing });
        const reportDir = path.join(outDir, routing);
        log(`\n=== ${routing} routing: simulator ${sim.url} (3 replicas) ===\n`);
        try {
            const exitCode = await verifyMain(["--url", sim.url, ...DEMO_VERIFY_ARGS, ...extraArgs, "--report-dir", reportDir, "--quiet"], quietIO(log));
            runs.push({ routing, exitCode, reportDir });
        } finally {
            await sim.close();
        }
    }
    const html = path.join(outDir, "report.html");
    log("\n=== round-robin vs prefix ===\n");
    await compareMain(
        [path.join(outDir, "round-robin", "report.json"), path.join(outDir, "prefix", "report.json"), "--label-a", "round-robin", "--label-b", "prefix", "--html", html],
        quietIO(log),
    );
    // The demo shows the point of the tool: cache-aware routing passes, cache-blind routing is caught.
    const ok = runs.find((r) => r.routing === "prefix")?.exitCode === 0 && runs.find((r) => r.routing === "round-robin")?.exitCode === 1;
    return { runs, html, ok };
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const at = args.indexOf("--out");
    const outDir = path.resolve(at !== -1 && args[at + 1] !== undefined ? args[at + 1] : "reports/demo");
    runDemo(outDir, (t) => process.stdout.write(t)).then(
        ({ html, ok }) => {
            process.stdout.write(
                ok
                    ? `\nDemo done: prefix routing PASSES, round-robin FAILS as cache-blind.\nOpen the report: ${html}\n`
                    : `\nDemo finished with an unexpected verdict (see above). Report: ${html}\n`,
            );
            process.exit(ok ? 0 : 1);
        },
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exit(1);
        },
    );
}

import { startSimulator, type SimulatorHandle } from "../../tools/simulator/server";
import type { SimulatorOptions } from "../../tools/simulator/options";
import { main } from "../../tools/verify/cli";
import type { VerifyReport } from "../../tools/verify/run";

export interface CliRun {
    code: number;
    out: string;
    err: string;
}

/** Runs `verify` in-process with captured output; the Pulumi stack lookup fails unless a URL is supplied. */
export async function runCli(args: string[], stackUrl?: (stack: string) => Promise<string>): Promise<CliRun> {
    let out = "";
    let err = "";
    const code = await main(args, {
        stdout: (s) => {
            out += s;
        },
        stderr: (s) => {
            err += s;
        },
        stderrIsTTY: false,
        resolveStackUrl: stackUrl ?? (() => Promise.reject(new Error("no Pulumi stack in tests"))),
    });
    return { code, out, err };
}

export async function runJson(args: string[]): Promise<{ code: number; report: VerifyReport; err: string }> {
    const { code, out, err } = await runCli([...args, "--json"]);
    return { code, report: JSON.parse(out) as VerifyReport, err };
}

/** Small workloads: enough requests to exercise every code path, few enough to keep the suite fast. */
export const SMALL = ["--cache-groups", "2", "--cache-requests", "3", "--serial-requests", "2", "--requests", "8", "--concurrency", "4", "--max-tokens", "8", "--seed", "7"];

/** Runs `fn` against a fresh simulator on loopback, closing it whatever happens. */
export async function withSim<T>(options: Partial<SimulatorOptions>, fn: (sim: SimulatorHandle) => Promise<T>): Promise<T> {
    const sim = await startSimulator(options);
    try {
        return await fn(sim);
    } finally {
        await sim.close();
    }
}

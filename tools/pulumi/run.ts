import { spawnSync } from "node:child_process";
import { PROJECT_ROOT, pulumiEnv } from "./backend";

/**
 * `npm run preview|up|destroy [-- --stack NAME ...]` and `npm run pulumi -- <any pulumi command>`: the Pulumi CLI
 * (the `pulumi` npm launcher) on a stack, created on first use, with the project's backend (see backend.ts).
 */

/** The Pulumi CLI calls for one invocation: select (or create) the stack, then the command on it. */
export function pulumiCalls(argv: string[]): string[][] {
    const [command, ...rest] = argv;
    if (!command) throw new Error("usage: run.ts <pulumi command> [args] [--stack NAME]");
    const flag = rest.findIndex((a) => a === "--stack" || a === "-s");
    const stack = flag >= 0 && rest[flag + 1] ? rest[flag + 1] : "dev";
    const passThrough = flag >= 0 ? rest.filter((_, i) => i !== flag && i !== flag + 1) : rest;
    // --stack goes last so it reaches subcommands (`config set`, `stack output`).
    return [
        ["stack", "select", "--create", stack],
        [command, ...passThrough, "--stack", stack],
    ];
}

if (require.main === module) {
    const env = pulumiEnv();
    for (const args of pulumiCalls(process.argv.slice(2))) {
        const status = spawnSync("pulumi", args, { stdio: "inherit", env, cwd: PROJECT_ROOT }).status ?? 1;
        if (status !== 0) process.exit(status);
    }
}

import { spawnSync } from "node:child_process";
import { PROJECT_ROOT, pulumiEnv } from "./backend";

/**
 * `npm run preview|up|destroy [-- --stack NAME ...]` and `npm run pulumi -- <any pulumi command>`: the Pulumi CLI
 * (the `pulumi` npm launcher) on a stack, created on first use, with the project's backend (see backend.ts).
 * Other arguments pass through; `--stack` goes last so it reaches subcommands (`config set`, `stack output`).
 */
const [command, ...rest] = process.argv.slice(2);
const stackFlag = rest.findIndex((a) => a === "--stack" || a === "-s");
const stack = stackFlag >= 0 ? rest[stackFlag + 1] : "dev";
const passThrough = stackFlag >= 0 ? rest.filter((_, i) => i !== stackFlag && i !== stackFlag + 1) : rest;

const env = pulumiEnv();
const pulumi = (args: string[]) => spawnSync("pulumi", args, { stdio: "inherit", env, cwd: PROJECT_ROOT }).status ?? 1;

if (pulumi(["stack", "select", "--create", stack]) !== 0) process.exit(1);
process.exit(pulumi([command, ...passThrough, "--stack", stack]));

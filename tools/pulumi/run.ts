import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * `npm run preview|up|destroy [-- --stack NAME ...]`: the Pulumi CLI (the `pulumi` npm launcher) on a stack,
 * creating the stack on first use. Without a configured backend the state goes to a local folder in the
 * project (`.pulumi-state/`, git-ignored), so no Pulumi Cloud account is needed.
 */
const [command, ...rest] = process.argv.slice(2);
const stackFlag = rest.findIndex((a) => a === "--stack" || a === "-s");
const stack = stackFlag >= 0 ? rest[stackFlag + 1] : "dev";
const passThrough = stackFlag >= 0 ? rest.filter((_, i) => i !== stackFlag && i !== stackFlag + 1) : rest;

const root = join(__dirname, "..", "..");
const env = { ...process.env };
if (!env.PULUMI_BACKEND_URL && !process.argv.includes("--cloud")) {
    const dir = join(root, ".pulumi-state");
    mkdirSync(dir, { recursive: true });
    env.PULUMI_BACKEND_URL = `file://${dir}`;
}

const pulumi = (args: string[]) => spawnSync("pulumi", args, { stdio: "inherit", env, cwd: root }).status ?? 1;

if (pulumi(["stack", "select", "--create", stack]) !== 0) process.exit(1);
process.exit(pulumi([command, "--stack", stack, ...passThrough.filter((a) => a !== "--cloud")]));

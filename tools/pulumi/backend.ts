import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** The project root (where Pulumi.yaml is). */
export const PROJECT_ROOT = join(__dirname, "..", "..");

/**
 * The environment every Pulumi CLI call of the project runs with. Without a configured backend
 * (`PULUMI_BACKEND_URL` unset) state lives in `.pulumi-state/` in the project, so `npm run up` needs no Pulumi Cloud
 * account and `npm run verify` finds the stack `npm run up` created.
 */
export function pulumiEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    if (env.PULUMI_BACKEND_URL) return { ...env };
    const dir = join(PROJECT_ROOT, ".pulumi-state");
    mkdirSync(dir, { recursive: true });
    return { ...env, PULUMI_BACKEND_URL: `file://${dir}` };
}

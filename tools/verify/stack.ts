import { execFile } from "node:child_process";
import { PROJECT_ROOT, pulumiEnv } from "../pulumi/backend";

/**
 * Reads the deployed service URL from the Pulumi stack's `baseUrl` output through the project's own Pulumi
 * launcher (--no-install: never fetch anything just to find a URL), on the backend `npm run up` used.
 */
export function pulumiStackUrl(stack: string, timeoutMs = 60_000): Promise<string> {
    return pulumiStackOutput(stack, "baseUrl", false, timeoutMs);
}

/**
 * One output of the stack, the same way; `showSecrets` reveals a secret output (a token) to this process only, as
 * JSON (`--json`), never echoed.
 */
export function pulumiStackOutput(stack: string, output: string, showSecrets: boolean, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            "npx",
            ["--no-install", "pulumi", "stack", "output", output, ...(showSecrets ? ["--show-secrets", "--json"] : []), "--stack", stack],
            { timeout: timeoutMs, maxBuffer: 1024 * 1024, cwd: PROJECT_ROOT, env: { ...pulumiEnv(), PULUMI_SKIP_UPDATE_CHECK: "true" } },
            (err, stdout, stderr) => {
                if (err !== null) {
                    const detail = String(stderr).trim().split("\n").filter((l) => l.trim() !== "").pop() ?? err.message;
                    reject(new Error(detail));
                    return;
                }
                const url = String(stdout).trim();
                if (url === "") reject(new Error("the output is empty"));
                else resolve(url);
            },
        );
    });
}

import { execFile } from "node:child_process";

/**
 * Reads the deployed service URL from the Pulumi stack's `baseUrl` output through the project's own Pulumi
 * launcher (--no-install: never fetch anything just to find a URL).
 */
export function pulumiStackUrl(stack: string, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            "npx",
            ["--no-install", "pulumi", "stack", "output", "baseUrl", "--stack", stack],
            { timeout: timeoutMs, maxBuffer: 1024 * 1024, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } },
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

/**
 * The curl commands the stack prints after `pulumi up`: health, model list and one completion through the
 * gateway, ready to paste into a POSIX shell.
 */

export interface ClientCommands {
    health: string;
    models: string;
    completions: string;
}

export const SAMPLE_PROMPT = "Explain in one sentence what a prefix cache does:";
export const SAMPLE_MAX_TOKENS = 50;

/** Single-quotes a word for a POSIX shell (a quote inside becomes '\''). */
export function shellQuote(word: string): string {
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `baseUrl` is `http://<gateway>/<namespace>/<service>`. The completion names the served model (what
 * `--served-model-name` registers), so it is the request a client makes, and its `usage` shows cached tokens.
 */
export function clientCommands(baseUrl: string, servedModelName: string): ClientCommands {
    const body = JSON.stringify({ model: servedModelName, prompt: SAMPLE_PROMPT, max_tokens: SAMPLE_MAX_TOKENS });
    return {
        health: `curl -sS -w '%{http_code}\\n' ${shellQuote(`${baseUrl}/health`)}`,
        models: `curl -sS ${shellQuote(`${baseUrl}/v1/models`)}`,
        completions: `curl -sS ${shellQuote(`${baseUrl}/v1/completions`)} -H 'Content-Type: application/json' -d ${shellQuote(body)}`,
    };
}

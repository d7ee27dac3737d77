import { STACK_OUTPUTS } from "../../config/names";

/**
 * The curl commands the stack prints after `pulumi up`: a setup line, then health, model list and one completion
 * through the gateway over HTTPS with a bearer token, ready to paste into a POSIX shell.
 */

export interface ClientCommands {
    /** Run first: saves the CA and exports `$TOKEN` from the stack's outputs. */
    setup?: string;
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

/** How a client reaches the gateway: the CA to verify it with and, when the stack issues tokens, which one to send. */
export interface ClientAccess {
    /** HTTPS with the stack's CA (stack output caCertificate). */
    tls: boolean;
    /** The client whose token (stack output clientTokens) the commands use; absent: `$TOKEN` is the user's. */
    tokenClient?: string;
    /** Every request needs a token (false only for a platform team's Gateway). */
    authenticated: boolean;
}

/** Where the commands keep the CA certificate they verify the gateway with. */
export const CA_FILE = "gateway-ca.pem";

/** Shell lines that fetch the CA and the token from the stack into `gateway-ca.pem` and `$TOKEN`. */
function setupCommand(access: ClientAccess): string | undefined {
    const steps: string[] = [];
    if (access.tls) steps.push(`npm run -s pulumi -- stack output ${STACK_OUTPUTS.caCertificate} > ${CA_FILE}`);
    if (access.tokenClient !== undefined) {
        const pick = `node -pe ${shellQuote(`JSON.parse(require("fs").readFileSync(0, "utf8"))[${JSON.stringify(access.tokenClient)}]`)}`;
        steps.push(`export TOKEN="$(npm run -s pulumi -- stack output ${STACK_OUTPUTS.clientTokens} --show-secrets --json | ${pick})"`);
    }
    return steps.length > 0 ? steps.join(" && ") : undefined;
}

/**
 * `baseUrl` is `https://<gateway>/<namespace>/<service>`. The completion names the served model (what
 * `--served-model-name` registers), so it is the request a client makes, and its `usage` shows cached tokens. The
 * token is never in the commands (they are a plain output): they read `$TOKEN`, which `setup` fills from the stack.
 */
export function clientCommands(baseUrl: string, servedModelName: string, access: ClientAccess = { tls: false, authenticated: false }): ClientCommands {
    const body = JSON.stringify({ model: servedModelName, prompt: SAMPLE_PROMPT, max_tokens: SAMPLE_MAX_TOKENS });
    const curl = ["curl -sS", ...(access.tls ? [`--cacert ${CA_FILE}`] : []), ...(access.authenticated ? ['-H "Authorization: Bearer $TOKEN"'] : [])].join(" ");
    const setup = setupCommand(access);
    return {
        ...(setup ? { setup } : {}),
        health: `${curl} -w '%{http_code}\\n' ${shellQuote(`${baseUrl}/health`)}`,
        models: `${curl} ${shellQuote(`${baseUrl}/v1/models`)}`,
        completions: `${curl} ${shellQuote(`${baseUrl}/v1/completions`)} -H 'Content-Type: application/json' -d ${shellQuote(body)}`,
    };
}

import { readFileSync } from "node:fs";

/**
 * How verify gets through the stack's gateway: the CA its HTTPS certificate chains to, and the bearer token its
 * AuthorizationPolicy requires. Both come from flags, the environment, or (without --url) the stack's outputs
 * `caCertificate` and `clientTokens`, like the URL. The token is a credential: it is sent only as the
 * `Authorization` header to the one base URL, and never appears in a report, a message or the effective options.
 */

export interface ClientAccess {
    /** Bearer token sent with every request. */
    token?: string;
    /** PEM of the CA(s) to verify the server with, instead of the system's roots. */
    ca?: string;
}

/** Where the token may come from when --token is not given (a shell's history is no place for it). */
export const TOKEN_ENV = "VERIFY_TOKEN";

export interface AccessOptions {
    token?: string;
    cacert?: string;
    /** Which client's token to take from the stack's clientTokens (default: the first). */
    client?: string;
}

/** Reads the stack outputs the gateway's clients need; `outputs` fetches one output (secret ones shown). */
export type StackOutputReader = (output: string, showSecrets: boolean) => Promise<string>;

export class AccessError extends Error {}

/** The token of `client` (or the first) from the JSON of the clientTokens output. */
export function pickToken(json: string, client: string | undefined): string {
    let tokens: unknown;
    try {
        tokens = JSON.parse(json);
    } catch {
        throw new AccessError("the stack output clientTokens is not a JSON object of client -> token");
    }
    if (typeof tokens !== "object" || tokens === null || Array.isArray(tokens)) throw new AccessError("the stack output clientTokens is not a JSON object of client -> token");
    const entries = Object.entries(tokens as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string");
    if (entries.length === 0) throw new AccessError("the stack output clientTokens holds no token (is authIssuer set? then pass --token)");
    if (client === undefined) return entries[0][1];
    const found = entries.find(([name]) => name === client);
    if (!found) throw new AccessError(`--client ${client} has no token in the stack output clientTokens (clients: ${entries.map(([n]) => n).join(", ")})`);
    return found[1];
}

/**
 * The access verify uses. Flags win, then $VERIFY_TOKEN; with the URL read from the stack (`stack` given), the CA and
 * token are read from it too. Against a plain-HTTP URL no CA is needed.
 */
export async function resolveAccess(o: AccessOptions, env: Record<string, string | undefined>, stack?: StackOutputReader): Promise<ClientAccess> {
    const access: ClientAccess = {};
    if (o.cacert !== undefined) {
        try {
            access.ca = readFileSync(o.cacert, "utf8");
        } catch (err) {
            throw new AccessError(`--cacert ${o.cacert} could not be read (${err instanceof Error ? err.message : String(err)})`);
        }
    } else if (stack) {
        access.ca = await stack("caCertificate", false).catch((err: unknown) => {
            throw new AccessError(`the stack output caCertificate could not be read (${err instanceof Error ? err.message : String(err)}); pass --cacert`);
        });
    }
    const token = o.token ?? env[TOKEN_ENV];
    if (token !== undefined && token !== "") access.token = token;
    else if (stack) {
        const json = await stack("clientTokens", true).catch((err: unknown) => {
            throw new AccessError(`the stack output clientTokens could not be read (${err instanceof Error ? err.message : String(err)}); pass --token`);
        });
        access.token = pickToken(json, o.client);
    }
    return access;
}

/** What a 401/403 from the gateway means for the caller, appended to the HTTP error. */
export function authHint(status: number, access: ClientAccess): string {
    if (status !== 401 && status !== 403) return "";
    if (access.token === undefined) return `; the gateway requires a bearer token: pass --token (or $${TOKEN_ENV}), or leave out --url to read it from the stack`;
    return "; the gateway refused the token (another issuer or audience, or its client was removed from authClients), or this path is not one the gateway admits";
}

/** The request headers that carry the token. */
export function authHeaders(access: ClientAccess): Record<string, string> {
    return access.token === undefined ? {} : { authorization: `Bearer ${access.token}` };
}

/** What a certificate the client cannot verify means here, appended to the connection error. */
export function tlsHint(message: string): string {
    if (!/CERT|certificate/.test(message)) return "";
    return "; the server's certificate is not trusted: pass --cacert with the CA it chains to (the stack's: npm run -s pulumi -- stack output caCertificate > gateway-ca.pem)";
}

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gatewayRefusal } from "../../tools/simulator/gatewayAuth";
import { AccessError, authHeaders, authHint, pickToken, resolveAccess, tlsHint } from "../../tools/verify/access";
import { main, type CliIO } from "../../tools/verify/cli";
import { withSim } from "./helpers";

/**
 * verify against the stack's gateway edge, played by the simulator: HTTPS with a certificate from a test CA
 * (test/fixtures/tls) and a bearer token it requires on every path.
 */
const TLS_DIR = path.join(__dirname, "..", "fixtures", "tls");
const CA_FILE = path.join(TLS_DIR, "ca.pem");
const TLS = { cert: readFileSync(path.join(TLS_DIR, "server.pem"), "utf8"), key: readFileSync(path.join(TLS_DIR, "server.key"), "utf8") };
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.test-token.signature";
const BASE = "/rhaii-inference/qwen-3b-tpu-svc";
const HEALTH_ONLY = ["--only", "health", "--json", "--timeout", "5s"];

async function verify(args: string[], io: Partial<CliIO> = {}) {
    let out = "";
    let err = "";
    const code = await main(args, {
        stdout: (s) => void (out += s),
        stderr: (s) => void (err += s),
        stderrIsTTY: false,
        resolveStackUrl: () => Promise.reject(new Error("no Pulumi stack in tests")),
        readStackOutput: () => Promise.reject(new Error("no Pulumi stack in tests")),
        env: {},
        ...io,
    });
    return { code, out, err };
}

const gateway = { tls: TLS, token: TOKEN, basePath: BASE };

describe("verify through an HTTPS gateway that requires a token", () => {
    it("passes with --token and --cacert, and never prints the token", async () => {
        const run = await withSim(gateway, (sim) => verify(["--url", sim.url, "--token", TOKEN, "--cacert", CA_FILE, ...HEALTH_ONLY]));
        expect(run.code, run.err).toBe(0);
        expect(JSON.parse(run.out).baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/rhaii-inference\/qwen-3b-tpu-svc$/);
        expect(run.out + run.err).not.toContain(TOKEN);
    });

    it("fails clearly without a token: 403 and how to pass one", async () => {
        const run = await withSim(gateway, (sim) => verify(["--url", sim.url, "--cacert", CA_FILE, ...HEALTH_ONLY]));
        expect(run.code).toBe(1);
        const health = JSON.parse(run.out).phases.health;
        expect(health.checks[0]).toMatchObject({ name: "GET /health", status: "fail", httpStatus: 403 });
        expect(health.checks[0].detail).toContain("HTTP 403: RBAC: access denied; the gateway requires a bearer token: pass --token (or $VERIFY_TOKEN), or leave out --url to read it from the stack");
    });

    it("fails clearly with a token the gateway refuses: 401", async () => {
        const run = await withSim(gateway, (sim) => verify(["--url", sim.url, "--token", "other", "--cacert", CA_FILE, ...HEALTH_ONLY]));
        expect(run.code).toBe(1);
        const check = JSON.parse(run.out).phases.health.checks[0];
        expect(check.httpStatus).toBe(401);
        expect(check.detail).toContain("HTTP 401: Jwt verification fails; the gateway refused the token");
        expect(run.out).not.toContain('"other"');
    });

    it("refuses a server whose certificate does not chain to a trusted CA when --cacert is missing", async () => {
        const run = await withSim(gateway, (sim) => verify(["--url", sim.url, "--token", TOKEN, ...HEALTH_ONLY]));
        expect(run.code).toBe(1);
        const detail = JSON.parse(run.out).phases.health.checks[0].detail as string;
        expect(detail).toMatch(/^connection error \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY): /);
        expect(detail).toContain("; the server's certificate is not trusted: pass --cacert with the CA it chains to");
    });

    it("takes the token from $VERIFY_TOKEN", async () => {
        const run = await withSim(gateway, (sim) => verify(["--url", sim.url, "--cacert", CA_FILE, ...HEALTH_ONLY], { env: { VERIFY_TOKEN: TOKEN } }));
        expect(run.code, run.out).toBe(0);
    });

    it("reads URL, CA and token from the stack's outputs when --url is absent (npm run up, then npm run verify)", async () => {
        const reads: string[] = [];
        const run = await withSim(gateway, (sim) =>
            verify([...HEALTH_ONLY, "--stack", "dev"], {
                resolveStackUrl: async (stack) => (stack === "dev" ? sim.url : ""),
                readStackOutput: async (stack, output, secret) => {
                    reads.push(`${stack} ${output} ${secret}`);
                    if (output === "caCertificate") return readFileSync(CA_FILE, "utf8");
                    return JSON.stringify({ ci: "ci-token", default: TOKEN }).replace('"ci"', '"a-ci"');
                },
            }),
        );
        expect(run.code, run.out).toBe(1);
        // The first client's token ("a-ci") is not the one the gateway accepts; --client picks another.
        const picked = await withSim(gateway, (sim) =>
            verify([...HEALTH_ONLY, "--client", "default"], {
                resolveStackUrl: async () => sim.url,
                readStackOutput: async (_s, output) => (output === "caCertificate" ? readFileSync(CA_FILE, "utf8") : JSON.stringify({ "a-ci": "ci-token", default: TOKEN })),
            }),
        );
        expect(picked.code, picked.out).toBe(0);
        expect(reads).toEqual(["dev caCertificate false", "dev clientTokens true"]);
        expect(picked.out).not.toContain(TOKEN);
    });

    it("is a usage error (exit 2) when the stack has no tokens to read", async () => {
        const run = await withSim(gateway, (sim) =>
            verify(HEALTH_ONLY, {
                resolveStackUrl: async () => sim.url,
                readStackOutput: async (_s, output) => {
                    if (output === "caCertificate") return readFileSync(CA_FILE, "utf8");
                    throw new Error("current stack does not have output property 'clientTokens'");
                },
            }),
        );
        expect(run.code).toBe(2);
        expect(run.err).toContain("the stack output clientTokens could not be read (current stack does not have output property 'clientTokens'); pass --token");
    });

    it("reads nothing more from a stack whose URL is plain HTTP (a platform team's gateway)", async () => {
        const run = await withSim({ basePath: BASE }, (sim) =>
            verify(HEALTH_ONLY, { resolveStackUrl: async () => sim.url, readStackOutput: () => Promise.reject(new Error("must not be read")) }),
        );
        expect(run.code, run.err).toBe(0);
    });
});

describe("access pieces", () => {
    it("picks the named client's token, or the first", () => {
        const json = JSON.stringify({ ci: "t-ci", default: "t-default" });
        expect(pickToken(json, undefined)).toBe("t-ci");
        expect(pickToken(json, "default")).toBe("t-default");
        expect(() => pickToken(json, "nobody")).toThrow("--client nobody has no token in the stack output clientTokens (clients: ci, default)");
        expect(() => pickToken("[]", undefined)).toThrow(AccessError);
        expect(() => pickToken("not json", undefined)).toThrow("the stack output clientTokens is not a JSON object of client -> token");
        expect(() => pickToken("{}", undefined)).toThrow("the stack output clientTokens holds no token (is authIssuer set? then pass --token)");
        for (const notAMap of ["[]", '["t"]', "null", "42", '"t"']) expect(() => pickToken(notAMap, undefined), notAMap).toThrow("the stack output clientTokens is not a JSON object of client -> token");
        expect(pickToken(JSON.stringify({ a: 1, b: "t-b" }), undefined)).toBe("t-b");
    });

    it("prefers --token over $VERIFY_TOKEN over the stack, and --cacert over the stack's CA", async () => {
        const stack = async (output: string) => (output === "caCertificate" ? "STACK-CA" : JSON.stringify({ default: "stack-token" }));
        expect(await resolveAccess({}, {}, stack)).toEqual({ ca: "STACK-CA", token: "stack-token" });
        expect(await resolveAccess({}, { VERIFY_TOKEN: "env-token" }, stack)).toEqual({ ca: "STACK-CA", token: "env-token" });
        expect(await resolveAccess({ token: "flag-token" }, { VERIFY_TOKEN: "env-token" }, stack)).toEqual({ ca: "STACK-CA", token: "flag-token" });
        expect((await resolveAccess({ cacert: CA_FILE }, {}, stack)).ca).toBe(readFileSync(CA_FILE, "utf8"));
        expect(await resolveAccess({}, {})).toEqual({});
        await expect(resolveAccess({ cacert: "/nonexistent/ca.pem" }, {})).rejects.toThrow("--cacert /nonexistent/ca.pem could not be read");
        // An empty $VERIFY_TOKEN is no token.
        expect(await resolveAccess({}, { VERIFY_TOKEN: "" }, stack)).toEqual({ ca: "STACK-CA", token: "stack-token" });
        expect(await resolveAccess({}, { VERIFY_TOKEN: "" })).toEqual({});
        const broken = async () => {
            throw new Error("no such output");
        };
        await expect(resolveAccess({}, {}, broken)).rejects.toThrow("the stack output caCertificate could not be read (no such output); pass --cacert");
        await expect(resolveAccess({ cacert: CA_FILE }, {}, broken)).rejects.toThrow("the stack output clientTokens could not be read (no such output); pass --token");
    });

    it("sends the token only as a bearer Authorization header, and hints only on 401/403", () => {
        expect(authHeaders({})).toEqual({});
        expect(authHeaders({ token: "t" })).toEqual({ authorization: "Bearer t" });
        expect(authHint(404, {})).toBe("");
        expect(authHint(500, { token: "t" })).toBe("");
        expect(authHint(401, {})).toContain("requires a bearer token");
        expect(authHint(403, { token: "t" })).toContain("refused the token");
        expect(tlsHint("connection error (ECONNRESET: socket hang up)")).toBe("");
        expect(tlsHint("connection error (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain)")).toContain("pass --cacert");
    });

    it("the simulator refuses as the gateway does: 403 without a token, 401 with another, nothing without one configured", () => {
        expect(gatewayRefusal(null, undefined)).toBeUndefined();
        expect(gatewayRefusal("t", undefined)).toEqual({ status: 403, message: "RBAC: access denied" });
        expect(gatewayRefusal("t", "Basic dDp0")).toEqual({ status: 403, message: "RBAC: access denied" });
        expect(gatewayRefusal("t", "Bearer u")).toEqual({ status: 401, message: "Jwt verification fails" });
        expect(gatewayRefusal("t", "Bearer t")).toBeUndefined();
        expect(gatewayRefusal("t", "bearer t")).toBeUndefined();
        expect(gatewayRefusal("t", "xBearer t")).toEqual({ status: 403, message: "RBAC: access denied" });
    });
});

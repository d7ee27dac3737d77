import { describe, expect, it } from "vitest";
import { CA_FILE, clientCommands, shellQuote } from "../../components/workload/clientCommands";
import { baseUrl, stackIssuer } from "../../config/names";
import { runStack } from "../helpers/stack";
import { NO_SECRETS, NO_SECRETS_CONFIG } from "./fixtures";

const URL = "https://192.0.2.10/rhaii-inference/qwen-3b-tpu-svc";
const MODEL = "Qwen/Qwen2.5-3B-Instruct";

describe("client commands", () => {
    it("with the stack's gateway: set up the CA and token, then curl over HTTPS with both", () => {
        const c = clientCommands(URL, MODEL, { tls: true, authenticated: true, tokenClient: "ci" });
        expect(c.setup).toBe(
            `npm run -s pulumi -- stack output caCertificate > ${CA_FILE} && ` +
                `export TOKEN="$(npm run -s pulumi -- stack output clientTokens --show-secrets --json | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8"))["ci"]')"`,
        );
        expect(c.models).toBe(`curl -sS --cacert gateway-ca.pem -H "Authorization: Bearer $TOKEN" '${URL}/v1/models'`);
        expect(c.health).toBe(`curl -sS --cacert gateway-ca.pem -H "Authorization: Bearer $TOKEN" -w '%{http_code}\\n' '${URL}/health'`);
        expect(c.completions).toMatch(/^curl -sS --cacert gateway-ca.pem -H "Authorization: Bearer \$TOKEN" '.*\/v1\/completions' -H 'Content-Type: application\/json' -d '\{.*\}'$/);
    });

    it("with an external issuer: the CA from the stack, $TOKEN from the user's identity provider", () => {
        const c = clientCommands(URL, MODEL, { tls: true, authenticated: true });
        expect(c.setup).toBe("npm run -s pulumi -- stack output caCertificate > gateway-ca.pem");
        expect(c.models).toContain('-H "Authorization: Bearer $TOKEN"');
    });

    it("with a platform team's gateway: plain curl and no setup, as the stack knows nothing of its edge", () => {
        const c = clientCommands("http://192.0.2.10/ns/svc", MODEL);
        expect(c.setup).toBeUndefined();
        expect(c.models).toBe("curl -sS 'http://192.0.2.10/ns/svc/v1/models'");
        expect(c.health).toBe("curl -sS -w '%{http_code}\\n' 'http://192.0.2.10/ns/svc/health'");
    });

    it("quote a single quote for the shell", () => {
        expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    });
});

describe("base URL", () => {
    const ref = { namespace: "ns", serviceName: "svc" };
    it("is https on the HTTPS port, which is left out when it is 443; http for a gateway the stack does not own", () => {
        expect(baseUrl("192.0.2.10", ref, { port: 443 })).toBe("https://192.0.2.10/ns/svc");
        expect(baseUrl("192.0.2.10", ref, { port: 8443 })).toBe("https://192.0.2.10:8443/ns/svc");
        expect(baseUrl("2001:db8::10", ref, { port: 443 })).toBe("https://[2001:db8::10]/ns/svc");
        expect(baseUrl("192.0.2.10", ref)).toBe("http://192.0.2.10/ns/svc");
        expect(stackIssuer("tpu-inference", "dev")).toBe("tpu-inference/dev");
    });

    it("for a platform team's Gateway (installOperators = false) stays http, with no token or CA in the commands", async () => {
        const s = await runStack({ config: { ...NO_SECRETS_CONFIG }, secrets: NO_SECRETS });
        expect(s.outputs.baseUrl).toBe("http://192.0.2.10/rhaii-inference/qwen-3b-tpu-svc");
        expect((s.outputs.commands as Record<string, string>).setup).toBeUndefined();
        expect(s.outputs.caCertificate).toBeUndefined();
        expect(s.outputs.clientTokens).toBeUndefined();
    });
});

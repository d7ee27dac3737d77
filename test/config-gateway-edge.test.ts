import { describe, expect, it } from "vitest";
import { RawConfig, parseConfig } from "../config";

/** The gateway edge's keys (issue 10) as the parser derives them; each bad value's message is a row of config-table.test.ts. */
const SECRETS = { redhatPullSecret: JSON.stringify({ auths: { "registry.redhat.io": { auth: "eDp5" } } }), huggingfaceToken: "hf_abc" };
const raw = (values: Record<string, string>): RawConfig => ({ values: { project: "my-project", ...SECRETS, ...values }, secretKeys: new Set(Object.keys(SECRETS)), stack: "dev" });

describe("gateway edge config", () => {
    it("defaults to HTTPS on 443, no plain HTTP, an external load balancer open to any source, and the stack's own tokens", () => {
        const c = parseConfig(raw({}));
        expect(c.gateway).toMatchObject({ httpsPort: 443, plainHttp: false, exposure: "external", sourceRanges: [], hostname: undefined });
        expect(c.gateway.auth).toEqual({ mode: "stack", issuer: "tpu-inference/dev", clients: ["default"], openHealth: false });
    });

    it("takes an external issuer, internal exposure, ranges and a hostname", () => {
        const c = parseConfig(
            raw({
                authIssuer: "https://id.example.com",
                authJwksUri: "https://id.example.com/jwks.json",
                authOpenHealth: "true",
                gatewayExposure: "internal",
                gatewaySourceRanges: '["10.0.0.0/8","2001:db8::/32"]',
                gatewayHostname: "llm.example.com",
            }),
        );
        expect(c.gateway.auth).toEqual({ mode: "external", issuer: "https://id.example.com", jwksUri: "https://id.example.com/jwks.json", openHealth: true });
        expect(c.gateway).toMatchObject({ exposure: "internal", sourceRanges: ["10.0.0.0/8", "2001:db8::/32"], hostname: "llm.example.com" });
    });
});

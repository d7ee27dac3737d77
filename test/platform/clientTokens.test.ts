import * as crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { jwksOf, signToken, signingKeyFromSeed } from "../../components/platform/jwt";
import { MOCK_CA_PEM } from "../../tools/render/capture";
import { CapturedStack, runStack } from "../helpers/stack";
import { AUTHORIZATION_POLICY, RANDOM_BYTES, REQUEST_AUTHENTICATION } from "../helpers/types";

/** docs/UPSTREAM.md row "@pulumi/random RandomBytes": the seed in state, whose derivation gives the key. */

/** What the fake cloud's RandomBytes holds for the seed (tools/render/capture.ts): the value state would keep. */
const mockSeed = (name: string) => crypto.createHash("sha256").update(`mock-random:${name}`).digest().subarray(0, 32).toString("base64");
const digest = (value: unknown) => crypto.createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);

describe("client tokens in the whole stack", () => {
    let s: CapturedStack;
    beforeAll(async () => {
        s = await runStack({ config: { authClients: ["default", "ci"] } });
    });

    it("keeps the signing key's seed in state as a 32-byte RandomBytes", () => {
        const seed = s.one(RANDOM_BYTES);
        expect(seed.name).toBe("platform-gateway-jwt-seed");
        expect(seed.inputs).toEqual({ length: 32 });
        expect(seed.parent).toBe("platform-gateway");
    });

    it("exports one token per client as a secret output, signed by the key the gateway verifies with", () => {
        expect(s.outputs.clientTokens).toEqual({ default: "[secret]", ci: "[secret]" });
        expect(s.secretOutputs).toContain("clientTokens");
        const key = signingKeyFromSeed(mockSeed("platform-gateway-jwt-seed"));
        const claims = (sub: string) => ({ iss: "tpu-inference/test", sub, aud: "rhaii-inference/qwen-3b-tpu-svc" });
        // The engine hands outputs back as a protobuf Struct: keys in sorted order.
        const expected = { ci: signToken(key, claims("ci")), default: signToken(key, claims("default")) };
        expect(s.secretOutputDigests.clientTokens).toBe(digest(expected));
        const authn = s.one(REQUEST_AUTHENTICATION).inputs as { spec: { jwtRules: { jwks: string }[] } };
        expect(authn.spec.jwtRules[0].jwks).toBe(jwksOf(key));
        // The key set is public data: in plain text, not a secret input.
        expect(s.one(REQUEST_AUTHENTICATION).secretPaths).toEqual([]);
        const principals = (s.one(AUTHORIZATION_POLICY).inputs as { spec: { rules: { from: { source: { requestPrincipals: string[] } }[] }[] } }).spec.rules[0].from[0].source
            .requestPrincipals;
        expect(principals).toEqual(["tpu-inference/test/default", "tpu-inference/test/ci"]);
    });

    it("never puts a token or the seed in plain text into any resource or output", () => {
        const key = signingKeyFromSeed(mockSeed("platform-gateway-jwt-seed"));
        const token = signToken(key, { iss: "tpu-inference/test", sub: "default", aud: "rhaii-inference/qwen-3b-tpu-svc" });
        const everything = JSON.stringify([s.resources.map((r) => r.inputs), s.outputs]);
        expect(everything).not.toContain(token.split(".")[2]);
        expect(everything).not.toContain(mockSeed("platform-gateway-jwt-seed"));
        expect(JSON.stringify(s.outputs.commands)).not.toContain(token);
    });

    it("is stable: a second run with the same config and state issues the same tokens and changes no input", async () => {
        const again = await runStack({ config: { authClients: ["default", "ci"] } });
        expect(again.secretOutputDigests.clientTokens).toBe(s.secretOutputDigests.clientTokens);
        expect(again.resources.map((r) => [r.name, r.inputs])).toEqual(s.resources.map((r) => [r.name, r.inputs]));
    });

    it("exports the CA certificate clients trust, in plain text (public)", () => {
        expect(s.outputs.caCertificate).toBe(MOCK_CA_PEM);
        expect(s.secretOutputs).not.toContain("caCertificate");
    });

    it("revokes a client by removing it: its principal leaves the policy, the others' tokens stay", async () => {
        const fewer = await runStack({ config: { authClients: ["ci"] } });
        expect(fewer.outputs.clientTokens).toEqual({ ci: "[secret]" });
        const policy = JSON.stringify(fewer.one(AUTHORIZATION_POLICY).inputs);
        expect(policy).not.toContain("tpu-inference/test/default");
        expect(policy).toContain("tpu-inference/test/ci");
    });

    it("issues none with an external issuer: no seed, and the gateway fetches that issuer's keys", async () => {
        const external = await runStack({ config: { authIssuer: "https://id.example.com", authJwksUri: "https://id.example.com/jwks.json" } });
        expect(external.byType(RANDOM_BYTES)).toEqual([]);
        expect(external.outputs.clientTokens).toBeUndefined();
        expect(external.one(REQUEST_AUTHENTICATION).inputs).toMatchObject({ spec: { jwtRules: [{ issuer: "https://id.example.com", jwksUri: "https://id.example.com/jwks.json" }] } });
        const commands = external.outputs.commands as Record<string, string>;
        expect(commands.setup).toBe("npm run -s pulumi -- stack output caCertificate > gateway-ca.pem");
        expect(commands.models).toContain('-H "Authorization: Bearer $TOKEN"');
    });
});

import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { JWT_SEED_BYTES, deriveSigningKey, jwksOf, signToken, signingKeyFromSeed } from "../../components/platform/jwt";

/** docs/UPSTREAM.md row "RS256 deterministic; JWK thumbprint": what makes a second `pulumi up` issue the same tokens. */

const SEED = Buffer.alloc(JWT_SEED_BYTES, 7).toString("base64");
const OTHER_SEED = Buffer.alloc(JWT_SEED_BYTES, 8).toString("base64");
const CLAIMS = { iss: "tpu-inference/dev", sub: "default", aud: "rhaii-inference/qwen-3b-tpu-svc" };

const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

/** Verifies a compact RS256 JWT with the first key of a JWKS, as a relying party (Envoy's jwt_authn) would. */
function verifies(token: string, jwks: string): boolean {
    const [header, payload, signature] = token.split(".");
    const jwk = JSON.parse(jwks).keys[0];
    const key = crypto.createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: "jwk" });
    return crypto.verify("sha256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url"));
}

describe("the stack's JWT signing key", () => {
    it("is an RSA-2048 key with exponent 65537, derived from the seed alone", () => {
        const key = signingKeyFromSeed(SEED);
        expect(key.privateKey.asymmetricKeyType).toBe("rsa");
        expect(key.privateKey.asymmetricKeyDetails).toEqual({ modulusLength: 2048, publicExponent: 65537n });
        expect(Buffer.from(key.publicJwk.n, "base64url")).toHaveLength(256);
        expect(key.publicJwk.e).toBe("AQAB");
    });

    it("gives the same key set and byte-identical tokens for the same seed, and others for another seed", () => {
        const a = signingKeyFromSeed(SEED);
        // A fresh derivation (not the process cache) must agree: what a second `pulumi up` computes.
        const again = signingKeyFromSeed(Buffer.concat([Buffer.from(SEED, "base64"), Buffer.alloc(0)]).toString("base64"));
        expect(jwksOf(again)).toBe(jwksOf(a));
        expect(signToken(again, CLAIMS)).toBe(signToken(a, CLAIMS));
        const b = signingKeyFromSeed(OTHER_SEED);
        expect(jwksOf(b)).not.toBe(jwksOf(a));
        expect(verifies(signToken(b, CLAIMS), jwksOf(a))).toBe(false);
    });

    it("publishes only the public key, with its RFC 7638 thumbprint as kid", () => {
        const key = deriveSigningKey(SEED);
        const set = JSON.parse(jwksOf(key));
        expect(Object.keys(set)).toEqual(["keys"]);
        expect(set.keys).toHaveLength(1);
        expect(Object.keys(set.keys[0]).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
        expect(set.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
        const thumbprint = crypto.createHash("sha256").update(`{"e":"${set.keys[0].e}","kty":"RSA","n":"${set.keys[0].n}"}`).digest("base64url");
        expect(set.keys[0].kid).toBe(thumbprint);
        // The public JWK matches the private key's own public half.
        expect(crypto.createPublicKey(key.privateKey).export({ format: "jwk" })).toEqual({ kty: "RSA", n: set.keys[0].n, e: set.keys[0].e });
    });

    it("is this exact key for this seed (a change of the derivation would change every deployed key and token)", () => {
        const key = deriveSigningKey(SEED);
        expect(key.publicJwk.kid).toBe("BwcW-Me0jXY9ACj5h8-t0eedKFTStiBF0b5OZ5h2-cw");
        expect(key.publicJwk.n.slice(0, 24)).toBe("0MCXbba867mpzGvO_puqwPZX");
        expect(signToken(key, CLAIMS).split(".")[2].slice(0, 24)).toBe("t1YmyZZjMlffLF3A19CfKdSp");
        // The cached path returns the same key, once per seed.
        expect(signingKeyFromSeed(SEED)).toBe(signingKeyFromSeed(SEED));
        expect(jwksOf(signingKeyFromSeed(SEED))).toBe(jwksOf(key));
    });

    it("has consistent RSA parameters: two distinct 1024-bit primes with gcd(p-1, e) = 1, d the inverse of e, CRT values", () => {
        const jwk = deriveSigningKey(OTHER_SEED).privateKey.export({ format: "jwk" });
        const big = (v: string | undefined) => BigInt(`0x${Buffer.from(v ?? "", "base64url").toString("hex")}`);
        const [n, e, d, p, q, dp, dq, qi] = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(big);
        expect(p * q).toBe(n);
        expect(p).not.toBe(q);
        for (const prime of [p, q]) {
            expect(prime.toString(2)).toHaveLength(1024);
            expect(prime.toString(2).slice(0, 2)).toBe("11");
            expect(crypto.checkPrimeSync(prime)).toBe(true);
            expect((prime - 1n) % e).not.toBe(0n);
        }
        const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
        const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
        expect(d).toBeLessThan(lambda);
        expect((d * e) % lambda).toBe(1n);
        expect(dp).toBe(d % (p - 1n));
        expect(dq).toBe(d % (q - 1n));
        expect((qi * q) % p).toBe(1n);
    });

    it("refuses a seed shorter than 32 bytes", () => {
        expect(() => signingKeyFromSeed(Buffer.alloc(31, 1).toString("base64"))).toThrow("JWT key seed has 31 bytes; 32 are needed");
        expect(() => deriveSigningKey(Buffer.alloc(31, 1).toString("base64"))).toThrow("JWT key seed has 31 bytes; 32 are needed");
    });
});

describe("client tokens", () => {
    it("are RS256 JWTs with exactly iss, sub and aud, verified by the key set", () => {
        const key = deriveSigningKey(SEED);
        const token = signToken(key, CLAIMS);
        const [header, payload] = token.split(".");
        expect(decode(header)).toEqual({ alg: "RS256", typ: "JWT", kid: key.publicJwk.kid });
        expect(decode(payload)).toEqual(CLAIMS);
        expect(verifies(token, jwksOf(key))).toBe(true);
    });

    it("differ per subject, so one client's token can be revoked alone", () => {
        const key = signingKeyFromSeed(SEED);
        const ci = signToken(key, { ...CLAIMS, sub: "ci" });
        expect(ci).not.toBe(signToken(key, CLAIMS));
        expect(decode(ci.split(".")[1]).sub).toBe("ci");
        // A payload edited to another subject no longer verifies.
        const [h, , sig] = ci.split(".");
        const forged = `${h}.${Buffer.from(JSON.stringify({ ...CLAIMS, sub: "admin" })).toString("base64url")}.${sig}`;
        expect(verifies(forged, jwksOf(key))).toBe(false);
    });
});

import * as crypto from "node:crypto";

/**
 * The stack's JWT signing key and the tokens it signs, as pure functions of a seed kept in Pulumi state (a secret
 * `random.RandomBytes`). The key is derived from the seed, never stored: the same seed gives the same RSA key, the
 * same JWKS and byte-identical tokens, so a second `pulumi up` with the same config changes nothing. RS256
 * (RSASSA-PKCS1-v1_5 with SHA-256) is deterministic, which is why it is used rather than ES256, whose signatures
 * differ on every run; the primes come from an HMAC-SHA256 stream over the seed and OpenSSL's primality test.
 */

const RSA_BITS = 2048;
const PUBLIC_EXPONENT = 65537n;
/** Seed length in bytes (256 bits: the key is as hard to guess as the seed). */
export const JWT_SEED_BYTES = 32;

export interface SigningKey {
    privateKey: crypto.KeyObject;
    /** The public key as a JWK, with its RFC 7638 thumbprint as `kid`. */
    publicJwk: { kty: "RSA"; n: string; e: string; alg: "RS256"; use: "sig"; kid: string };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");
const bigToB64url = (n: bigint) => {
    const hex = n.toString(16);
    return b64url(Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex"));
};

/** Deterministic bytes from the seed: HMAC-SHA256(seed, label:counter) blocks. */
function byteStream(seed: Buffer, label: string): (n: number) => Buffer {
    let counter = 0;
    return (n) => {
        const blocks: Buffer[] = [];
        for (let have = 0; have < n; have += 32) blocks.push(crypto.createHmac("sha256", seed).update(`${label}:${counter++}`).digest());
        return Buffer.concat(blocks).subarray(0, n);
    };
}

/** A prime of `bits` bits with its top two bits set (so p*q has exactly 2*bits bits) and gcd(p-1, e) = 1. */
function primeFrom(next: (n: number) => Buffer, bits: number): bigint {
    for (;;) {
        const bytes = next(bits / 8);
        bytes[0] |= 0xc0;
        bytes[bytes.length - 1] |= 1;
        const p = BigInt(`0x${bytes.toString("hex")}`);
        if ((p - 1n) % PUBLIC_EXPONENT !== 0n && crypto.checkPrimeSync(p, { checks: 64 })) return p;
    }
}

function modInverse(a: bigint, m: bigint): bigint {
    let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
    while (r1 !== 0n) {
        const q = r0 / r1;
        [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
    }
    return ((s0 % m) + m) % m;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** Derivation takes a fraction of a second; a process derives each seed's key once (kept across module reloads). */
const cache: Map<string, SigningKey> = ((globalThis as Record<symbol, unknown>)[Symbol.for("tpu-inference.jwtKeys")] ??= new Map()) as Map<string, SigningKey>;

/** The RSA-2048 key a seed stands for, derived once per process. */
export function signingKeyFromSeed(seedBase64: string): SigningKey {
    const known = cache.get(seedBase64);
    if (known) return known;
    const key = deriveSigningKey(seedBase64);
    cache.set(seedBase64, key);
    return key;
}

/** The derivation itself, uncached (what the tests check). */
export function deriveSigningKey(seedBase64: string): SigningKey {
    const seed = Buffer.from(seedBase64, "base64");
    if (seed.length < JWT_SEED_BYTES) throw new Error(`JWT key seed has ${seed.length} bytes; ${JWT_SEED_BYTES} are needed`);
    const next = byteStream(seed, "tpu-inference/jwt/rsa");
    const p = primeFrom(next, RSA_BITS / 2);
    let q = primeFrom(next, RSA_BITS / 2);
    while (q === p) q = primeFrom(next, RSA_BITS / 2);
    const n = p * q;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = modInverse(PUBLIC_EXPONENT, lambda);
    const jwk = {
        kty: "RSA",
        n: bigToB64url(n),
        e: bigToB64url(PUBLIC_EXPONENT),
        d: bigToB64url(d),
        p: bigToB64url(p),
        q: bigToB64url(q),
        dp: bigToB64url(d % (p - 1n)),
        dq: bigToB64url(d % (q - 1n)),
        qi: bigToB64url(modInverse(q, p)),
    };
    // RFC 7638: the thumbprint hashes the required members in lexicographic order, without whitespace.
    const kid = b64url(crypto.createHash("sha256").update(JSON.stringify({ e: jwk.e, kty: "RSA", n: jwk.n })).digest());
    return {
        privateKey: crypto.createPrivateKey({ key: jwk, format: "jwk" }),
        publicJwk: { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256", use: "sig", kid },
    };
}

/** The JSON Web Key Set with the public key only: what the gateway verifies tokens with (RequestAuthentication `jwks`). */
export function jwksOf(key: SigningKey): string {
    return JSON.stringify({ keys: [key.publicJwk] });
}

export interface TokenClaims {
    iss: string;
    sub: string;
    aud: string;
}

/**
 * A compact RS256 JWT with exactly these claims. No `iat` or `exp`: a token stays valid (and byte-identical across
 * runs) until its subject is removed from the config, which is how one is revoked.
 */
export function signToken(key: SigningKey, claims: TokenClaims): string {
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: key.publicJwk.kid }));
    const payload = b64url(JSON.stringify({ iss: claims.iss, sub: claims.sub, aud: claims.aud }));
    const signature = crypto.sign("sha256", Buffer.from(`${header}.${payload}`), key.privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
}

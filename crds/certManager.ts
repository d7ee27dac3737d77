import { z } from "zod";

/**
 * cert-manager v1 (cert-manager.io/v1) `ClusterIssuer` and `Certificate`, minimal and standard: the fields this
 * stack uses for the PKI KServe expects (a self-signed bootstrap issuer, a CA certificate, a CA issuer) and the
 * few a user might reasonably add. No CRD file ships with the references; the field names follow the cert-manager
 * v1 API (ClusterIssuer/Issuer `spec.selfSigned`, `spec.ca.secretName`; Certificate `spec.secretName`,
 * `spec.issuerRef`, `spec.isCA`, `spec.privateKey`...).
 */

export const CERT_MANAGER_API_VERSION = "cert-manager.io/v1";
export const CERT_MANAGER_GROUP = "cert-manager.io";

/** Go duration as cert-manager parses it, e.g. 87600h, 2160h, 90m. */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

const metaSchema = z.strictObject({
    name: z.string().min(1).max(253),
    namespace: z.string().min(1).max(63).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
});

const issuerSpecSchema = z
    .strictObject({
        /** Signs each certificate with its own key: used only to bootstrap the CA. */
        selfSigned: z.strictObject({ crlDistributionPoints: z.array(z.string()).optional() }).optional(),
        /** Signs with the key pair in `secretName` (in the cert-manager namespace for a ClusterIssuer). */
        ca: z
            .strictObject({
                secretName: z.string().min(1),
                crlDistributionPoints: z.array(z.string()).optional(),
                ocspServers: z.array(z.string()).optional(),
            })
            .optional(),
    })
    .refine((s) => [s.selfSigned, s.ca].filter((x) => x !== undefined).length === 1, {
        message: "an issuer has exactly one type (selfSigned or ca)",
    });

export const clusterIssuerSchema = z.strictObject({
    apiVersion: z.literal(CERT_MANAGER_API_VERSION),
    kind: z.literal("ClusterIssuer"),
    metadata: metaSchema.refine((m) => m.namespace === undefined, { message: "ClusterIssuer is cluster-scoped" }),
    spec: issuerSpecSchema,
});

export const issuerRefSchema = z.strictObject({
    name: z.string().min(1),
    kind: z.enum(["Issuer", "ClusterIssuer"]).optional(),
    group: z.string().optional(),
});

export const certificateSpecSchema = z.strictObject({
    /** Secret the key pair lands in (`tls.crt`, `tls.key`, and `ca.crt` when the issuer knows its CA). */
    secretName: z.string().min(1),
    issuerRef: issuerRefSchema,
    commonName: z.string().min(1).max(64).optional(),
    dnsNames: z.array(z.string().min(1)).optional(),
    /** IP subject alternative names (cert-manager v1.15.2 CertificateSpec.IPAddresses). */
    ipAddresses: z.array(z.string().min(1)).optional(),
    isCA: z.boolean().optional(),
    duration: z.string().regex(DURATION).optional(),
    renewBefore: z.string().regex(DURATION).optional(),
    privateKey: z
        .strictObject({
            algorithm: z.enum(["RSA", "ECDSA", "Ed25519"]).optional(),
            size: z.number().int().optional(),
            encoding: z.enum(["PKCS1", "PKCS8"]).optional(),
            rotationPolicy: z.enum(["Never", "Always"]).optional(),
        })
        .optional(),
    usages: z.array(z.string()).optional(),
    secretTemplate: z
        .strictObject({
            labels: z.record(z.string(), z.string()).optional(),
            annotations: z.record(z.string(), z.string()).optional(),
        })
        .optional(),
});

export const certificateSchema = z.strictObject({
    apiVersion: z.literal(CERT_MANAGER_API_VERSION),
    kind: z.literal("Certificate"),
    metadata: metaSchema.extend({ namespace: z.string().min(1).max(63) }),
    spec: certificateSpecSchema.refine((s) => s.commonName !== undefined || (s.dnsNames?.length ?? 0) > 0 || (s.ipAddresses?.length ?? 0) > 0, {
        message: "a certificate needs a commonName, a dnsName or an ipAddress",
    }),
});

export type ClusterIssuer = z.infer<typeof clusterIssuerSchema>;
export type Certificate = z.infer<typeof certificateSchema>;

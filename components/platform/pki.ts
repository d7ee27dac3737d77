import { KSERVE_PKI, stackLabels } from "../../config/names";
import { CERT_MANAGER_API_VERSION, CERT_MANAGER_GROUP, Certificate, ClusterIssuer } from "../../crds/certManager";
import { awaitAnnotations } from "./annotations";

/**
 * The PKI chain the KServe EA1 chart documents as its prerequisite (rhaii-on-xks charts/kserve/README.md):
 * a self-signed ClusterIssuer bootstraps a CA Certificate in cert-manager's namespace, and a CA ClusterIssuer signs
 * with it. KServe's webhook certificate and the workload certificates its controller issues chain to this CA.
 * Replacing the bootstrap issuer with an external CA (Vault, a corporate PKI) keeps the names KServe looks for.
 */

/** Issuers are Ready within seconds once cert-manager's webhook serves; five minutes covers a slow CA issue. */
const PKI_TIMEOUT_SECONDS = 300;

const labels = () => stackLabels("pki");

export function selfSignedIssuer(): ClusterIssuer {
    return {
        apiVersion: CERT_MANAGER_API_VERSION,
        kind: "ClusterIssuer",
        metadata: {
            name: KSERVE_PKI.selfSignedIssuer,
            labels: labels(),
            annotations: awaitAnnotations("condition=Ready", PKI_TIMEOUT_SECONDS),
        },
        spec: { selfSigned: {} },
    };
}

/**
 * The CA key pair. A ClusterIssuer reads its CA Secret from cert-manager's own namespace, which is also where the
 * KServe controller looks for it (CA_SECRET_NAMESPACE=cert-manager): the Certificate must live there.
 */
export function caCertificate(certManagerNamespace: string): Certificate {
    return {
        apiVersion: CERT_MANAGER_API_VERSION,
        kind: "Certificate",
        metadata: {
            name: KSERVE_PKI.caCertificate,
            namespace: certManagerNamespace,
            labels: labels(),
            annotations: awaitAnnotations("condition=Ready", PKI_TIMEOUT_SECONDS),
        },
        spec: {
            secretName: KSERVE_PKI.caSecret,
            isCA: true,
            commonName: KSERVE_PKI.caCertificate,
            duration: "87600h",
            renewBefore: "2160h",
            privateKey: { algorithm: "RSA", size: 4096 },
            issuerRef: { name: KSERVE_PKI.selfSignedIssuer, kind: "ClusterIssuer", group: CERT_MANAGER_GROUP },
        },
    };
}

export function caIssuer(): ClusterIssuer {
    return {
        apiVersion: CERT_MANAGER_API_VERSION,
        kind: "ClusterIssuer",
        metadata: {
            name: KSERVE_PKI.caIssuer,
            labels: labels(),
            annotations: awaitAnnotations("condition=Ready", PKI_TIMEOUT_SECONDS),
        },
        spec: { ca: { secretName: KSERVE_PKI.caSecret } },
    };
}

/**
 * A certificate from the CA issuer whose only use is its `ca.crt`: cert-manager writes the issuing CA's certificate
 * there, which brings the CA's public certificate into `namespace` without copying Secret data through Pulumi
 * state (the gateway mounts only that key; the leaf key pair is never mounted).
 */
export function caBundleCertificate(name: string, namespace: string): Certificate {
    return {
        apiVersion: CERT_MANAGER_API_VERSION,
        kind: "Certificate",
        metadata: {
            name,
            namespace,
            labels: labels(),
            annotations: awaitAnnotations("condition=Ready", PKI_TIMEOUT_SECONDS),
        },
        spec: {
            secretName: name,
            commonName: name,
            issuerRef: { name: KSERVE_PKI.caIssuer, kind: "ClusterIssuer", group: CERT_MANAGER_GROUP },
        },
    };
}

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { KSERVE_PKI, gatewayNames } from "../../config/names";
import { GatewayConfig, StackConfig } from "../../config/types";
import { authorizationPolicy, requestAuthentication, tokenAudience } from "./gatewayAuth";
import { gatewayCertificate } from "./gatewayEdge";
import { gatewayAddressOf, gatewayObject, gatewayParameters } from "./gatewayObjects";
import { JWT_SEED_BYTES, jwksOf, signToken, signingKeyFromSeed } from "./jwt";
import { NamespaceHandle } from "./namespaces";
import { caBundleCertificate } from "./pki";

export interface InferenceGatewayArgs {
    gateway: GatewayConfig;
    /** The whole config: the client policy names the workload's paths and namespace. */
    config: StackConfig;
    namespace: NamespaceHandle;
    /** The CA ClusterIssuer, Ready (the gateway's CA bundle is issued from it). */
    caIssuer: pulumi.Resource;
    /** A Ready control plane (it creates the `istio` GatewayClass and deploys the gateway) and the Gateway CRDs. */
    prerequisites: pulumi.Resource[];
}

/**
 * The `inference-gateway` Gateway KServe routes through, with the CA bundle and parameters it expects, and its edge:
 * the HTTPS certificate, the client policy (gatewayAuth.ts) and, with the stack as issuer, the signing key's seed
 * (a secret in state) and the client tokens. The policy objects exist before the Gateway: it never serves without them.
 */
export class InferenceGateway extends pulumi.ComponentResource {
    readonly gateway: k8s.apiextensions.CustomResource;
    readonly address: pulumi.Output<string>;
    /** PEM of the CA that signs the gateway's certificate (public; clients trust it). */
    readonly caCertificate: pulumi.Output<string>;
    /** Client name -> token (secret); undefined with an external issuer. */
    readonly clientTokens?: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: InferenceGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:platform:InferenceGateway", name, {}, opts);
        const { gateway } = args;
        const ns = args.namespace;

        const caBundle = new k8s.apiextensions.CustomResource(
            `${name}-ca-bundle`,
            caBundleCertificate(gatewayNames(gateway).caBundle, gateway.namespace),
            { parent: this, dependsOn: [args.caIssuer, ...ns.resources] },
        );
        const parameters = new k8s.core.v1.ConfigMap(`${name}-parameters`, gatewayParameters(gateway, ns.pullSecretName), {
            parent: this,
            dependsOn: ns.resources,
        });

        const policies = this.clientPolicies(name, args);
        this.clientTokens = policies.clientTokens;

        // `status` is listed so the provider's read-back of the live object (addresses) becomes an output.
        this.gateway = new k8s.apiextensions.CustomResource(
            `${name}-inference-gateway`,
            { ...gatewayObject(gateway, [args.config.workload.namespace]), status: undefined },
            { parent: this, dependsOn: [parameters, caBundle, ...policies.resources, ...ns.resources, ...args.prerequisites] },
        );
        this.address = gatewayAddressOf(this.gateway, `${gateway.namespace}/${gateway.name}`);

        // The certificate names the load balancer's address, so it follows the Gateway.
        const certificate = gatewayCertificate(gateway, "");
        new k8s.apiextensions.CustomResource(
            `${name}-tls`,
            { apiVersion: certificate.apiVersion, kind: certificate.kind, metadata: certificate.metadata, spec: this.address.apply((a) => gatewayCertificate(gateway, a).spec) },
            { parent: this, dependsOn: [args.caIssuer, ...ns.resources] },
        );
        this.caCertificate = caCertificateOf(`${name}-ca-bundle-secret`, caBundle, `${gateway.namespace}/${gatewayNames(gateway).caBundle}`, this);
        this.registerOutputs({ address: this.address, caCertificate: this.caCertificate, clientTokens: this.clientTokens });
    }

    /** RequestAuthentication and AuthorizationPolicy; with the stack as issuer, also the key seed and the tokens. */
    private clientPolicies(name: string, args: InferenceGatewayArgs): { resources: pulumi.Resource[]; clientTokens?: pulumi.Output<Record<string, string>> } {
        const { config } = args;
        const auth = config.gateway.auth;
        const opts = { parent: this, dependsOn: [...args.namespace.resources, ...args.prerequisites] };
        let jwks: pulumi.Output<string> | undefined;
        let clientTokens: pulumi.Output<Record<string, string>> | undefined;
        if (auth.mode === "stack") {
            // The seed is the key: kept in state as a secret, so every run derives the same key and tokens.
            const seed = new random.RandomBytes(`${name}-jwt-seed`, { length: JWT_SEED_BYTES }, { parent: this });
            const key = pulumi.secret(seed.base64).apply(signingKeyFromSeed);
            // The key set holds the public key only: public data, so not marked secret.
            jwks = pulumi.unsecret(key.apply(jwksOf));
            const audience = tokenAudience(config);
            clientTokens = pulumi.secret(
                key.apply((k) => Object.fromEntries(auth.clients.map((sub) => [sub, signToken(k, { iss: auth.issuer, sub, aud: audience })]))),
            );
        }
        const authn = requestAuthentication(config);
        const resources = [
            new k8s.apiextensions.CustomResource(
                `${name}-jwt`,
                { ...authn, spec: jwks === undefined ? authn.spec : jwks.apply((k) => requestAuthentication(config, k).spec) },
                opts,
            ),
            new k8s.apiextensions.CustomResource(`${name}-clients`, authorizationPolicy(config), opts),
        ];
        return { resources, clientTokens };
    }
}

/**
 * The CA certificate clients trust, read from the CA bundle Secret (`ca.crt`, public). Read only once the bundle
 * Certificate exists: its id is unknown in a first preview, and a read with an unknown id waits for the update.
 */
function caCertificateOf(name: string, bundle: pulumi.CustomResource, secretId: string, parent: pulumi.Resource): pulumi.Output<string> {
    const secret = k8s.core.v1.Secret.get(name, bundle.id.apply(() => secretId), { parent });
    return pulumi.unsecret(secret.data.apply((data) => Buffer.from(data?.[KSERVE_PKI.gatewayCaFile] ?? "", "base64").toString("utf8")));
}

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { baseUrl, kserveNames } from "../../config/names";
import { StackConfig } from "../../config/types";
import { pullSecretArgs } from "../registrySecret";
import { ClientCommands, clientCommands } from "./clientCommands";
import { envoyFilters } from "./envoyFilters";
import { healthModelsRoute } from "./httpRoute";
import { SecretRefs, llmInferenceService, readyTimeoutSeconds } from "./llmInferenceService";
import { huggingfaceTokenSecretArgs, workloadNamespaceArgs, workloadServiceAccountArgs } from "./namespace";
import { networkPolicies } from "./networkPolicies";

export interface InferenceServiceArgs {
    config: StackConfig;
    provider: k8s.Provider;
    /** The inference Gateway's external address. */
    gatewayAddress: pulumi.Input<string>;
    /** What must be ready before any custom resource is applied: KServe, the mesh, the Gateway and the CRDs. */
    platformReady: pulumi.Input<pulumi.Resource>[] | pulumi.Resource[];
    /**
     * The TPU node pool. Only the LLMInferenceService waits for it: namespace, credentials and routing go in while
     * TPU nodes provision, and a change of `replicas` resizes the pool before the service in the same update.
     */
    tpuPool?: pulumi.Resource;
}

/**
 * The served model (the guide's steps 3, 5, 6 and 7): workload namespace with sidecar injection and credentials,
 * the LLMInferenceService (vLLM on TPU, KServe's router with a prefix-cache-aware EPP), the EnvoyFilters and
 * HTTPRoute that complete routing through the gateway, and optional NetworkPolicies.
 *
 * `pulumi up` returns once the service is Ready (see llmInferenceService.ts), so the outputs are usable when printed.
 * Only the service itself waits for the TPU pool (`tpuPool`), so a change of `replicas` resizes the pool first and
 * the service next, in one update, while everything else goes in as soon as the platform is ready. Changing the image or any vLLM flag updates the same object in place (names never change, so
 * nothing is replaced) and KServe rolls its Deployment; see docs/workload.md for what a rolling update needs.
 */
export class InferenceService extends pulumi.ComponentResource {
    /** `http://<gateway>/<namespace>/<service>`, known once the service is Ready. */
    readonly baseUrl: pulumi.Output<string>;
    readonly commands: pulumi.Output<ClientCommands>;
    readonly replicas: pulumi.Output<number>;
    readonly tpuChipsInUse: pulumi.Output<number>;
    readonly service: k8s.apiextensions.CustomResource;

    constructor(name: string, args: InferenceServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Every child inherits the cluster's provider through its parent.
        super("tpu-inference:workload:InferenceService", name, {}, pulumi.mergeOptions(opts, { providers: [args.provider] }));
        const { config } = args;
        const w = config.workload;
        const platformReady: pulumi.Input<pulumi.Resource>[] = [...args.platformReady];

        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, workloadNamespaceArgs(w.namespace), { parent: this });

        // Each credential exists, and is referenced by the pods, only when it is configured.
        const secrets: SecretRefs = {};
        const secretResources: pulumi.Resource[] = [];
        if (config.secrets.redhatPullSecret) {
            secrets.pullSecret = config.secretNames.pullSecret;
            secretResources.push(
                new k8s.core.v1.Secret(`${name}-pull-secret`, pullSecretArgs(secrets.pullSecret, w.namespace, config.secrets.redhatPullSecret), {
                    parent: this,
                    dependsOn: [namespace],
                }),
            );
        }
        if (config.secrets.huggingfaceToken) {
            secrets.huggingfaceToken = config.secretNames.huggingfaceToken;
            secretResources.push(
                new k8s.core.v1.Secret(
                    `${name}-hf-token`,
                    huggingfaceTokenSecretArgs(secrets.huggingfaceToken, w.namespace, config.secrets.huggingfaceToken),
                    { parent: this, dependsOn: [namespace] },
                ),
            );
            secrets.serviceAccount = kserveNames(w).workloadServiceAccount;
            secretResources.push(
                new k8s.core.v1.ServiceAccount(
                    `${name}-workload-sa`,
                    workloadServiceAccountArgs(secrets.serviceAccount, w.namespace, [secrets.huggingfaceToken]),
                    { parent: this, dependsOn: [namespace] },
                ),
            );
        }

        // Policies first, the default deny last: enabling them never leaves a window where only the deny applies.
        if (w.networkPolicies) {
            const { allow, defaultDeny } = networkPolicies(config);
            const allows = allow.map(
                (p) => new k8s.networking.v1.NetworkPolicy(`${name}-np-${p.metadata.name}`, p, { parent: this, dependsOn: [namespace] }),
            );
            new k8s.networking.v1.NetworkPolicy(`${name}-np-${defaultDeny.metadata.name}`, defaultDeny, {
                parent: this,
                dependsOn: [namespace, ...allows],
            });
        }

        // Routing objects need only the mesh and Gateway API CRDs; they go in while the TPU pods start.
        for (const [key, filter] of Object.entries(envoyFilters(config))) {
            const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
            new k8s.apiextensions.CustomResource(`${name}-envoyfilter-${kebab}`, filter, { parent: this, dependsOn: platformReady });
        }
        new k8s.apiextensions.CustomResource(`${name}-health-route`, healthModelsRoute(config), {
            parent: this,
            dependsOn: [namespace, ...platformReady],
        });

        const timeout = `${readyTimeoutSeconds(config)}s`;
        this.service = new k8s.apiextensions.CustomResource(`${name}-service`, llmInferenceService(config, secrets), {
            parent: this,
            // The pods reference the Secrets and ServiceAccount by name, which implies no dependency: declare it.
            dependsOn: [namespace, ...secretResources, ...platformReady, ...(args.tpuPool ? [args.tpuPool] : [])],
            ...(w.replicas > 0 ? { customTimeouts: { create: timeout, update: timeout } } : {}),
        });

        // Resolved only after the service is Ready: an output is never printed for a service that is not serving.
        const ready = this.service.id;
        this.baseUrl = pulumi.all([args.gatewayAddress, ready]).apply(([address]) => baseUrl(address, w));
        this.commands = this.baseUrl.apply((url) => clientCommands(url, w.model.name));
        this.replicas = ready.apply(() => w.replicas);
        this.tpuChipsInUse = ready.apply(() => w.replicas * config.cluster.tpuPool.chips);
        this.registerOutputs({
            baseUrl: this.baseUrl,
            commands: this.commands,
            replicas: this.replicas,
            tpuChipsInUse: this.tpuChipsInUse,
        });
    }
}

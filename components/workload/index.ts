import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { baseUrl, kserveNames } from "../../config/names";
import { StackConfig } from "../../config/types";
import { workloadPullsFromRedHat } from "../platform/pullSecretScope";
import { pullSecretArgs } from "../registrySecret";
import { ClientCommands, clientCommands } from "./clientCommands";
import { vllmDisruptionBudget } from "./disruption";
import { envoyFilters } from "./envoyFilters";
import { healthModelsRoute } from "./httpRoute";
import { SecretRefs, llmInferenceService, readyTimeoutSeconds } from "./llmInferenceService";
import { huggingfaceTokenSecretArgs, workloadNamespaceArgs, workloadServiceAccountArgs } from "./namespace";
import { apiServerPeers, networkPolicies } from "./networkPolicies";
import { rolloutWaitArgs } from "./rollout";

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
 * Where pods reach the API server, read from the cluster: the `default/kubernetes` Service (what the EPP dials) and
 * its EndpointSlice (what Dataplane V2 may translate that to). Read-only: the stack never manages them.
 */
function readApiServerPeers(name: string, parent: pulumi.Resource) {
    const service = k8s.core.v1.Service.get(`${name}-api-server-service`, "default/kubernetes", { parent });
    const slice = k8s.discovery.v1.EndpointSlice.get(`${name}-api-server-endpoints`, "default/kubernetes", { parent });
    return pulumi.all([service.spec, slice.endpoints, slice.ports]).apply(([spec, endpoints, ports]) =>
        apiServerPeers(
            { clusterIP: spec.clusterIP, ports: (spec.ports ?? []).map((p) => p.port) },
            {
                addresses: (endpoints ?? []).flatMap((e) => e.addresses),
                ports: (ports ?? []).flatMap((p) => (p.port === undefined ? [] : [p.port])),
            },
        ),
    );
}

/** The object placed in `namespace`, an output of the Namespace resource: it is created after it, ordered by data. */
function inNamespace<T extends { metadata: { namespace?: string } }>(obj: T, namespace: pulumi.Output<string>) {
    return { ...obj, metadata: { ...obj.metadata, namespace } };
}

/**
 * The served model (the guide's steps 3, 5, 6 and 7): workload namespace with sidecar injection and credentials,
 * the LLMInferenceService (vLLM on TPU, KServe's router with a prefix-cache-aware EPP), the EnvoyFilters and
 * HTTPRoute that complete routing through the gateway, and optional NetworkPolicies.
 *
 * `pulumi up` returns once the service is Ready (see llmInferenceService.ts), so the outputs are usable when printed.
 * Only the service itself waits for the TPU pool (`tpuPool`), so a change of `replicas` resizes the pool first and
 * the service next, in one update, while everything else goes in as soon as the platform is ready. Everything in the
 * workload namespace takes the namespace from the Namespace resource's output, so it is created after it (and
 * deleted before it) without a declared dependency. Changing the image or any vLLM flag updates the same object in
 * place (names never change, so nothing is replaced) and KServe rolls its Deployment; see the README section
 * "Workload: the served model" for what a rolling update needs.
 */
export class InferenceService extends pulumi.ComponentResource {
    /** `https://<gateway>/<namespace>/<service>`, known once the service is Ready. */
    readonly baseUrl: pulumi.Output<string>;
    readonly commands: pulumi.Output<ClientCommands>;
    readonly replicas: pulumi.Output<number>;
    readonly tpuChipsInUse: pulumi.Output<number>;
    readonly service: k8s.apiextensions.CustomResource;
    /** The workload Namespace's name as created: what else goes into it (monitoring) is ordered after it by data. */
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: InferenceServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Every child inherits the cluster's provider through its parent.
        super("tpu-inference:workload:InferenceService", name, {}, pulumi.mergeOptions(opts, { providers: [args.provider] }));
        const { config } = args;
        const w = config.workload;
        const platformReady: pulumi.Input<pulumi.Resource>[] = [...args.platformReady];

        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, workloadNamespaceArgs(w.namespace), { parent: this });
        // The name as created: every namespaced object below takes it, which orders it after the Namespace.
        const ns = namespace.metadata.name;
        this.namespace = ns;

        // Each credential exists, and is referenced by the pods, only when it is configured.
        const secrets: SecretRefs = {};
        const secretResources: pulumi.Resource[] = [];
        if (config.secrets.redhatPullSecret && workloadPullsFromRedHat(config)) {
            secrets.pullSecret = config.secretNames.pullSecret;
            // The shared builder takes the namespace as a string (the platform's namespaces are plain names): the
            // Namespace's output is put into its metadata here instead.
            const pull = pullSecretArgs(secrets.pullSecret, w.namespace, config.secrets.redhatPullSecret);
            secretResources.push(
                new k8s.core.v1.Secret(
                    `${name}-pull-secret`,
                    { ...pull, metadata: pulumi.all([pull.metadata, ns]).apply(([metadata, namespace]) => ({ ...metadata, namespace })) },
                    { parent: this },
                ),
            );
        }
        if (config.secrets.huggingfaceToken) {
            secrets.huggingfaceToken = config.secretNames.huggingfaceToken;
            secretResources.push(
                new k8s.core.v1.Secret(`${name}-hf-token`, huggingfaceTokenSecretArgs(secrets.huggingfaceToken, ns, config.secrets.huggingfaceToken), {
                    parent: this,
                }),
            );
            secrets.serviceAccount = kserveNames(w).workloadServiceAccount;
            secretResources.push(
                new k8s.core.v1.ServiceAccount(
                    `${name}-workload-sa`,
                    workloadServiceAccountArgs(secrets.serviceAccount, ns, [secrets.huggingfaceToken]),
                    { parent: this },
                ),
            );
        }

        // Policies first, the default deny last: enabling them never leaves a window where only the deny applies.
        if (w.networkPolicies) {
            // Only the EPP's API-server rule depends on what the cluster reports; the rest is config alone.
            const { allow, defaultDeny, apiServerPolicy } = networkPolicies(config);
            const resolved = readApiServerPeers(name, this).apply((apiServer) => networkPolicies(config, { apiServer }));
            const specOf = (i: number) => (allow[i].metadata.name === apiServerPolicy ? resolved.apply((r) => r.allow[i].spec) : allow[i].spec);
            const allows = allow.map(
                (p, i) => new k8s.networking.v1.NetworkPolicy(`${name}-np-${p.metadata.name}`, { ...inNamespace(p, ns), spec: specOf(i) }, { parent: this }),
            );
            // Nothing in the deny's data refers to the allows: only a declared dependency puts it last.
            new k8s.networking.v1.NetworkPolicy(`${name}-np-${defaultDeny.metadata.name}`, inNamespace(defaultDeny, ns), {
                parent: this,
                dependsOn: allows,
            });
        }

        // Routing objects need only the mesh and Gateway API CRDs; they go in while the TPU pods start.
        for (const [key, filter] of Object.entries(envoyFilters(config))) {
            const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
            new k8s.apiextensions.CustomResource(`${name}-envoyfilter-${kebab}`, filter, { parent: this, dependsOn: platformReady });
        }
        new k8s.apiextensions.CustomResource(`${name}-health-route`, inNamespace(healthModelsRoute(config), ns), {
            parent: this,
            dependsOn: platformReady,
        });

        // Before the pods exist, so no drain ever finds them unprotected (disruption.ts).
        const budget = vllmDisruptionBudget(config);
        if (budget) new k8s.policy.v1.PodDisruptionBudget(`${name}-vllm-pdb`, inNamespace(budget, ns), { parent: this });

        const timeout = `${readyTimeoutSeconds(config)}s`;
        const serviceObject = llmInferenceService(config, secrets);
        this.service = new k8s.apiextensions.CustomResource(`${name}-service`, inNamespace(serviceObject, ns), {
            parent: this,
            // The pods reference the Secrets and ServiceAccount by name, which implies no dependency: declare it.
            dependsOn: [...secretResources, ...platformReady, ...(args.tpuPool ? [args.tpuPool] : [])],
            ...(w.replicas > 0 ? { customTimeouts: { create: timeout, update: timeout } } : {}),
        });

        // Ready is not rolled out (see rollout.ts): with replicas, `pulumi up` also waits for KServe's Deployment.
        const rollout =
            w.replicas > 0
                ? new k8s.apps.v1.DeploymentPatch(`${name}-rollout`, inNamespace(rolloutWaitArgs(config, serviceObject), ns), {
                      parent: this,
                      dependsOn: [this.service],
                  })
                : undefined;

        // Resolved only after the service is Ready and rolled out: no output is printed for a service that is not serving.
        const ready = rollout ? pulumi.all([this.service.id, rollout.id]).apply(([id]) => id) : this.service.id;
        // The stack's own Gateway speaks HTTPS and requires a token; a platform team's Gateway is theirs to describe.
        const ownGateway = config.operators.install;
        const https = ownGateway ? { port: config.gateway.httpsPort } : undefined;
        this.baseUrl = pulumi.all([args.gatewayAddress, ready]).apply(([address]) => baseUrl(address, w, https));
        const access = {
            tls: ownGateway,
            authenticated: ownGateway,
            ...(ownGateway && config.gateway.auth.mode === "stack" ? { tokenClient: config.gateway.auth.clients[0] } : {}),
        };
        this.commands = this.baseUrl.apply((url) => clientCommands(url, w.model.name, access));
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

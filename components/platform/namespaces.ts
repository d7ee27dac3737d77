import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { stackLabels } from "../../config/names";
import { pullSecretArgs } from "../registrySecret";

/** A namespace the platform installs into, and what objects placed there must wait for. */
export interface NamespaceHandle {
    name: string;
    /** The Namespace (when the stack creates it) and the pull Secret in it (when one is configured). */
    resources: pulumi.Resource[];
    /** Name of the registry.redhat.io pull Secret in this namespace, when one is configured. */
    pullSecretName?: string;
}

export interface PlatformNamespacesArgs {
    /** Namespaces the stack creates, and deletes on destroy. */
    create: string[];
    /** Namespaces that exist already (kube-system; istio-system of an existing mesh): they only get the pull secret. */
    existing: string[];
    /**
     * The Red Hat registry pull secret and the namespaces above that pull from that registry (pullSecretScope.ts):
     * only those get a copy; absent when not configured.
     */
    pullSecret?: { name: string; dockerConfigJson: pulumi.Input<string>; namespaces: string[] };
}

/**
 * Deleting a namespace removes everything the operators left in it; the provider waits until the namespace is
 * gone. That wait is what keeps `pulumi destroy` from deleting the cluster while a LoadBalancer Service (the
 * inference gateway's) still holds its cloud-load-balancer finalizer.
 */
const NAMESPACE_DELETE_TIMEOUT = "20m";

/** The operator namespaces, created by the stack (never by Helm, which leaves namespaces behind on uninstall). */
export class PlatformNamespaces extends pulumi.ComponentResource {
    private readonly handles = new Map<string, NamespaceHandle>();

    constructor(name: string, args: PlatformNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:platform:PlatformNamespaces", name, {}, opts);
        const existing = new Set(args.existing);
        const created = [...new Set(args.create)].filter((ns) => !existing.has(ns));

        for (const ns of [...created, ...existing]) {
            const resources: pulumi.Resource[] = [];
            if (!existing.has(ns)) {
                resources.push(
                    new k8s.core.v1.Namespace(
                        `${name}-${ns}`,
                        { metadata: { name: ns, labels: stackLabels("platform") } },
                        { parent: this, customTimeouts: { delete: NAMESPACE_DELETE_TIMEOUT } },
                    ),
                );
            }
            const pullSecret = args.pullSecret?.namespaces.includes(ns) ? args.pullSecret : undefined;
            if (pullSecret) {
                resources.push(
                    new k8s.core.v1.Secret(
                        `${name}-${ns}-pull-secret`,
                        pullSecretArgs(pullSecret.name, ns, pullSecret.dockerConfigJson),
                        { parent: this, dependsOn: [...resources] },
                    ),
                );
            }
            this.handles.set(ns, { name: ns, resources, pullSecretName: pullSecret?.name });
        }
        this.registerOutputs({ namespaces: [...this.handles.keys()] });
    }

    /** The handle of a namespace passed in `create` or `existing`. */
    handle(namespace: string): NamespaceHandle {
        const found = this.handles.get(namespace);
        if (!found) throw new Error(`PlatformNamespaces: ${namespace} was neither created nor declared existing`);
        return found;
    }
}

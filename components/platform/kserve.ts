import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ChartSource } from "../../config/types";
import { kserveValues, releaseArgs } from "./charts";
import { kserveWebhookArgs } from "./kserveWebhooks";
import { NamespaceHandle } from "./namespaces";
import { RELEASE_NAMES } from "../../config/names";

export interface KServeArgs {
    source: ChartSource;
    namespace: NamespaceHandle;
    /**
     * What the controller needs before it can start: cert-manager with the CA issuer (its webhook certificate),
     * the Gateway API / Inference Extension CRDs, the mesh CRDs (DestinationRule) and the LeaderWorkerSet CRD.
     */
    prerequisites: pulumi.Resource[];
}

/**
 * KServe with the LLMInferenceService controller (RHOAI 3.4 EA1 chart by default). Helm installs the chart's
 * `crds/` (LLMInferenceService, LLMInferenceServiceConfig, the GIE copies) only when absent and never deletes them.
 */
export class KServe extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    /** The controller's validating webhooks, created after the release and deleted before it (see kserveWebhooks.ts). */
    readonly webhooks: k8s.admissionregistration.v1.ValidatingWebhookConfiguration[];

    constructor(name: string, args: KServeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:platform:KServe", name, {}, opts);
        const ns = args.namespace;

        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            releaseArgs({
                name: RELEASE_NAMES.kserve,
                source: args.source,
                values: kserveValues(),
                // The controller waits for its webhook certificate from cert-manager before it is Available.
                timeoutSeconds: 900,
                // Its only hooks are the webhooks, which Helm would never delete and which block its own uninstall.
                hooks: false,
            }),
            { parent: this, dependsOn: [...ns.resources, ...args.prerequisites] },
        );
        this.webhooks = Object.entries(kserveWebhookArgs(ns.name)).map(
            ([key, args]) =>
                new k8s.admissionregistration.v1.ValidatingWebhookConfiguration(`${name}-webhook-${key}`, args, {
                    parent: this,
                    dependsOn: [this.release],
                }),
        );
        this.registerOutputs({ release: this.release.status });
    }
}

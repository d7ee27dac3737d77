import * as k8s from "@pulumi/kubernetes";
import { KSERVE_CHART, stackLabels } from "../../config/names";

/**
 * KServe EA1's two validating webhooks, owned by the stack instead of by Helm.
 *
 * The chart installs them as `post-install,post-upgrade` hooks, which `helm uninstall` never deletes, and Helm's
 * uninstall deletes the webhook's Service before the chart's LLMInferenceServiceConfigs (kinds it does not know go
 * last). The config webhook covers DELETE with `failurePolicy: Fail`, so every one of those deletes is denied and the
 * release can never be removed (docs/UPSTREAM.md rows "KServe EA1 webhooks" and "Helm uninstall order"). The stack
 * therefore installs the chart without hooks (`disableWebhooks` on install, `disableCRDHooks` on upgrade: the
 * provider maps Helm's DisableHooks to those two) and creates the same webhooks itself, after the release: on
 * `pulumi destroy` they go before the release, and the uninstall meets no webhook.
 *
 * Their names differ from the chart's, so a stack installed before this change does not collide with the hook
 * objects Helm left; those are deleted once by hand (README, "What `pulumi destroy` does").
 */

/** Everything the two webhooks share with the chart's (rhaii-on-xks `charts/kserve/files/webhooks.yaml`). */
const KSERVE_WEBHOOK = {
    service: KSERVE_CHART.webhookService,
    certificate: KSERVE_CHART.webhookCertificate,
    group: "serving.kserve.io",
    version: "v1alpha1",
} as const;

interface WebhookSpec {
    /** Resource plural the webhook validates. */
    resource: string;
    operations: string[];
}

const WEBHOOKS: Record<string, WebhookSpec> = {
    llminferenceservice: { resource: "llminferenceservices", operations: ["CREATE", "UPDATE"] },
    llminferenceserviceconfig: { resource: "llminferenceserviceconfigs", operations: ["CREATE", "UPDATE", "DELETE"] },
};

/** Object names: the chart's with the stack's prefix. */
export function kserveWebhookName(key: string): string {
    return `tpu-inference-${key}.${KSERVE_WEBHOOK.group}`;
}

export function kserveWebhookArgs(kserveNamespace: string): Record<string, k8s.admissionregistration.v1.ValidatingWebhookConfigurationArgs> {
    const { group, version } = KSERVE_WEBHOOK;
    return Object.fromEntries(
        Object.entries(WEBHOOKS).map(([key, spec]) => [
            key,
            {
                metadata: {
                    name: kserveWebhookName(key),
                    labels: stackLabels("kserve"),
                    annotations: { "cert-manager.io/inject-ca-from": `${kserveNamespace}/${KSERVE_WEBHOOK.certificate}` },
                },
                webhooks: [
                    {
                        name: `${key}.kserve-webhook-server.validator`,
                        admissionReviewVersions: ["v1", "v1beta1"],
                        clientConfig: {
                            service: {
                                name: KSERVE_WEBHOOK.service,
                                namespace: kserveNamespace,
                                // controller-runtime's path for the type's validator: /validate-<group with ->-<version>-<kind>.
                                path: `/validate-${group.replace(/\./g, "-")}-${version}-${key}`,
                            },
                        },
                        failurePolicy: "Fail",
                        sideEffects: "None",
                        rules: [{ apiGroups: [group], apiVersions: [version], operations: spec.operations, resources: [spec.resource] }],
                    },
                ],
            },
        ]),
    );
}

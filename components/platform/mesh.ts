import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import { ISTIO_CONTROL_PLANE, SAIL_IGNORE_ANNOTATION, STACK_NAMES, stackLabels } from "../../config/names";
import { ISTIO_KIND, Istio, IstioPatch, IstioValues, SAIL_API_VERSION } from "../../crds/istio";
import { ISTIO_CNI_KIND, IstioCni } from "../../crds/sail";
import { awaitAnnotations, patchAnnotations } from "./annotations";

/**
 * The Sail operator's custom resources (Istio control plane and CNI node agent) and the patches applied when the
 * control plane already exists. Pure builders.
 */

/** Where GKE's node images keep CNI binaries and network configuration (not the /opt/cni/bin default). */
export const GKE_CNI_PATHS = {
    cniBinDir: "/home/kubernetes/bin",
    cniConfDir: "/etc/cni/net.d",
} as const;

/**
 * istiod feature flags: Gateway API support with the automated gateway Deployment/Service, and the Inference
 * Extension so HTTPRoutes can target InferencePools (off by default in Istio 1.27).
 */
export const ISTIOD_ENV: Readonly<Record<string, string>> = {
    PILOT_ENABLE_GATEWAY_API: "true",
    PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER: "true",
    ENABLE_GATEWAY_API_INFERENCE_EXTENSION: "true",
};

/** Istio rolls out istiod, webhooks and the CNI DaemonSet; on a fresh cluster that includes image pulls. */
const MESH_TIMEOUT_SECONDS = 900;

/**
 * Values this stack owns in the `Istio` spec. `pilot.cni.enabled` is set when the resource is created: istiod then
 * never injects the privileged istio-init container (GKE images lack the iptables it needs) and no restart is due.
 */
export function istioValues(pullSecretName?: string): IstioValues {
    return {
        ...(pullSecretName ? { global: { imagePullSecrets: [pullSecretName] } } : {}),
        pilot: {
            cni: { enabled: true },
            env: { ...ISTIOD_ENV },
        },
    };
}

export function istioObject(version: string, pullSecretName?: string): Istio {
    return {
        apiVersion: SAIL_API_VERSION,
        kind: ISTIO_KIND,
        metadata: {
            name: STACK_NAMES.istio,
            labels: stackLabels("service-mesh"),
            annotations: awaitAnnotations("condition=Ready", MESH_TIMEOUT_SECONDS),
        },
        spec: {
            namespace: STACK_NAMES.istioNamespace,
            version,
            values: istioValues(pullSecretName),
        },
    };
}

/**
 * The values patched into an existing `Istio`: CNI and the feature flags only. Its version, profile, namespace and
 * pull secrets belong to whoever created it.
 */
export function existingIstioPatchValues(): IstioValues {
    return { pilot: { cni: { enabled: true }, env: { ...ISTIOD_ENV } } };
}

export function istioPatchObject(): IstioPatch {
    return {
        apiVersion: SAIL_API_VERSION,
        kind: ISTIO_KIND,
        metadata: {
            name: STACK_NAMES.istio,
            annotations: { ...patchAnnotations(), ...awaitAnnotations("condition=Ready", MESH_TIMEOUT_SECONDS) },
        },
        spec: { values: existingIstioPatchValues() },
    };
}

/**
 * The CNI node agent in kube-system (the only namespace where GKE admits system-node-critical pods), with GKE's
 * CNI paths. No toleration is set: the CRD has no field for it and the chart's default DaemonSet tolerations
 * (`operator: Exists` for NoSchedule and NoExecute) already cover `google.com/tpu=present:NoSchedule`.
 */
export function istioCniObject(version: string, excludeNamespaces: string[], pullSecretName?: string): IstioCni {
    return {
        apiVersion: SAIL_API_VERSION,
        kind: ISTIO_CNI_KIND,
        metadata: {
            name: STACK_NAMES.istioCni,
            labels: stackLabels("service-mesh"),
            annotations: awaitAnnotations("condition=Ready", MESH_TIMEOUT_SECONDS),
        },
        spec: {
            namespace: STACK_NAMES.istioCniNamespace,
            version,
            values: {
                cni: {
                    cniBinDir: GKE_CNI_PATHS.cniBinDir,
                    cniConfDir: GKE_CNI_PATHS.cniConfDir,
                    excludeNamespaces,
                },
                ...(pullSecretName ? { global: { imagePullSecrets: [pullSecretName] } } : {}),
            },
        },
    };
}

/**
 * Namespaces the CNI plugin skips (the guide's list: the control plane, kube-system, cert-manager and KServe),
 * taken from config so a renamed namespace stays excluded. Order kept, duplicates dropped.
 */
export function cniExcludedNamespaces(namespaces: { certManager: string; kserve: string }): string[] {
    return [...new Set([STACK_NAMES.istioNamespace, STACK_NAMES.istioCniNamespace, namespaces.certManager, namespaces.kserve])];
}

/** Stable across runs and key order: changes only when a patched value changes. */
export function valuesHash(values: unknown): string {
    return createHash("sha256").update(canonicalJson(values)).digest("hex").slice(0, 16);
}

function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (value && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

/** Annotation `kubectl rollout restart` sets; changing it rolls the Deployment. */
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

/**
 * Rolls istiod once after CNI is switched on in an existing control plane (the guide's `kubectl rollout restart`).
 * The annotation holds a hash of the patched values, not a time: reruns with the same values change nothing, and
 * the provider waits for the rollout to finish.
 */
export function istiodRestartPatchArgs(patchedValues: unknown): k8s.apps.v1.DeploymentPatchArgs {
    return {
        metadata: {
            name: ISTIO_CONTROL_PLANE.istiodDeployment,
            namespace: STACK_NAMES.istioNamespace,
            annotations: patchAnnotations(),
        },
        spec: {
            template: {
                metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: valuesHash(patchedValues) } },
            },
        },
    };
}

/**
 * On vanilla Kubernetes the Sail operator reconciles the sidecar injector webhook every time istiod writes its
 * caBundle, in a loop; rhaii-on-xks marks the webhook ignored after install, and so does the stack.
 */
export function injectorWebhookIgnorePatchArgs(): k8s.admissionregistration.v1.MutatingWebhookConfigurationPatchArgs {
    return {
        metadata: {
            name: ISTIO_CONTROL_PLANE.sidecarInjectorWebhook,
            annotations: { ...patchAnnotations(), [SAIL_IGNORE_ANNOTATION]: "true" },
        },
    };
}

import { PlatformSources } from "./types";

/**
 * Every chart, manifest bundle and image the stack installs, pinned in one table.
 *
 * Defaults are the upstream builds, installable as published without entitlements. A user with Red Hat
 * entitlements points each entry at the Red Hat build through stack config (see README, "Sources"); images on
 * registry.redhat.io then use the `redhatPullSecret`.
 */
export const DEFAULT_SOURCES: PlatformSources = {
    // Upstream equivalent of the Red Hat cert-manager operator 1.15.2 build used by the guide.
    certManager: {
        repo: "https://charts.jetstack.io",
        chart: "cert-manager",
        version: "v1.15.2",
        namespace: "cert-manager",
        values: {},
    },
    // OpenShift Service Mesh 3.2.1 is Sail 1.27; upstream Sail 1.27.3 deploys the same Istio minor.
    sailOperator: {
        repo: "https://istio-ecosystem.github.io/sail-operator",
        chart: "sail-operator",
        version: "1.27.3",
        namespace: "sail-operator",
        values: {},
    },
    leaderWorkerSet: {
        repo: "",
        chart: "oci://registry.k8s.io/lws/charts/lws",
        version: "0.7.0",
        namespace: "lws-system",
        values: {},
    },
    // RHOAI 3.4 EA1: the LLMInferenceService controller this stack's custom resources are typed against.
    kserve: {
        repo: "",
        chart: "oci://ghcr.io/opendatahub-io/kserve-rhaii-xks",
        version: "3.4.0-ea.1-dev-8a30e66",
        namespace: "opendatahub",
        values: {},
    },
    gatewayApiCrds: {
        url: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.0/standard-install.yaml",
        version: "v1.4.0",
    },
    inferenceExtensionCrds: {
        url: "https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.2.0/manifests.yaml",
        version: "v1.2.0",
    },
    istioVersion: "v1.27.3",
};

/** Workload images: the guide's vLLM TPU build and the EPP build that speaks h2 over TLS. */
export const DEFAULT_IMAGES = {
    vllm: "registry.redhat.io/rhaiis/vllm-tpu-rhel9:3.2.5",
    epp: "ghcr.io/llm-d/llm-d-inference-scheduler:v0.7.0",
} as const;

/**
 * Istio versions each pinned Sail operator chart can deploy (its Istio and IstioCNI CRDs enumerate them), limited
 * to 1.27 and later: the inference gateway needs Istio's Gateway API Inference Extension support.
 */
export const SAIL_ISTIO_VERSIONS: Record<string, readonly string[]> = {
    "1.27.3": ["v1.27-latest", "v1.27.3", "v1.27.2", "v1.27.1", "v1.27.0"],
};

/** The oldest Istio minor this stack works with (Gateway API Inference Extension). */
export const MIN_ISTIO_MINOR = 27;

/** GKE's minimum version for TPU v6e node pools. */
export const MIN_GKE_VERSION_TPU_V6E = "1.31.2-gke.1115000";

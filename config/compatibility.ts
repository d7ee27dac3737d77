/**
 * Versions that must move together, in one table: the KServe chart (its controller decides the ServiceAccount, the
 * EPP's RBAC and which InferencePool it creates), the EPP image (which CRDs it watches, which config it parses), the
 * Gateway API Inference Extension CRDs and the mesh (which InferencePool API it routes to). Each fact has its row
 * in docs/UPSTREAM.md; config validation refuses any other combination unless `allowUntestedVersions` is set.
 */

/** The two InferencePool APIs: the v1alpha2 one (x-k8s.io) and the GA one (k8s.io). */
export const INFERENCE_POOL_APIS = {
    v1alpha2: { group: "inference.networking.x-k8s.io", version: "v1alpha2" },
    v1: { group: "inference.networking.k8s.io", version: "v1" },
} as const;

export type InferencePoolApi = (typeof INFERENCE_POOL_APIS)[keyof typeof INFERENCE_POOL_APIS];

export interface KserveRelease {
    /** What the release is, for messages. */
    title: string;
    chartVersion: RegExp;
    /** The ServiceAccount (and Deployment) the chart runs its LLMInferenceService controller as. */
    controllerServiceAccount: string;
    /** The controller and storage-initializer images are on registry.redhat.io (entitlement needed). */
    imagesOnRedHatRegistry: boolean;
    /** Why the stack cannot deploy this release, when it cannot. */
    unsupported?: string;
    /** Inference Extension CRD bundles the controller and the EPP work with. */
    inferenceExtensionCrds: readonly string[];
    /** llm-d-inference-scheduler tags the stack's EPP flags and scoring config are written for. */
    eppVersions: readonly string[];
}

/** The EPP builds the stack's flags and scoring config are written for (GIE v1.4.0 based). */
export const EPP_VERSIONS = ["v0.7.0", "v0.7.1"] as const;

const EA1_COMMON = {
    controllerServiceAccount: "kserve-controller-manager",
    // v1.3.0+ add InferenceModelRewrite, which the v0.7 EPP watches once the CRD exists and EA1's EPP Role cannot
    // list (the EPP then exits); v1.5.0 drops the v1alpha2 InferencePool EA1 creates and Istio 1.27 routes to.
    inferenceExtensionCrds: ["v1.2.0"],
    eppVersions: EPP_VERSIONS,
} as const;

export const KSERVE_RELEASES: readonly KserveRelease[] = [
    {
        title: "RHOAI 3.4 EA1, dev build (public quay.io/ghcr.io images)",
        chartVersion: /^3\.4\.0-ea\.1-dev-[0-9a-f]{7}$/,
        imagesOnRedHatRegistry: false,
        ...EA1_COMMON,
    },
    {
        title: "RHOAI 3.4 EA1, Red Hat build (registry.redhat.io images)",
        chartVersion: /^3\.4\.0-ea\.1[+_][0-9a-f]{7}$/,
        imagesOnRedHatRegistry: true,
        unsupported:
            "its controller image is on registry.redhat.io and the pre-rendered chart takes no values, so the pod cannot be " +
            "given a pull secret before it starts (Helm's adoption of a pre-created ServiceAccount drops its imagePullSecrets); " +
            "use the -dev- build of the same commit, or install KServe yourself and set installOperators = false",
        ...EA1_COMMON,
    },
    {
        title: "RHOAI 3.4 EA2",
        chartVersion: /^3\.4\.0-ea\.2([-+_].*)?$/,
        controllerServiceAccount: "llmisvc-controller-manager",
        imagesOnRedHatRegistry: false,
        unsupported:
            "EA2 serves LLMInferenceService v1alpha2 and appends the template's args to its own vLLM command, while this stack " +
            "is typed against and renders for the EA1 (v1alpha1) controller",
        inferenceExtensionCrds: [],
        eppVersions: [],
    },
];

export function kserveRelease(chartVersion: string): KserveRelease | undefined {
    return KSERVE_RELEASES.find((r) => r.chartVersion.test(chartVersion));
}

/** Mesh builds: which InferencePool API istiod routes to. */
export type MeshFlavor = "istio" | "ossm";

/**
 * Upstream Istio 1.27 watches only the v1alpha2 pool; Istio 1.28+ and OpenShift Service Mesh 3.2 (Istio 1.27) watch
 * only v1. KServe EA1 creates both pools and moves its own route to v1 when v1alpha2 is refused; the EPP's
 * `--pool-group` and the stack's HTTPRoute follow this answer.
 */
export function inferencePoolApi(flavor: MeshFlavor, istioMinor: number): InferencePoolApi {
    if (flavor === "ossm" || istioMinor >= 28) return INFERENCE_POOL_APIS.v1;
    return INFERENCE_POOL_APIS.v1alpha2;
}

/**
 * Chart and manifest versions the stack is built and checked against (besides KServe, above). Another version of
 * these is refused unless `allowUntestedVersions` is set: Helm never upgrades a chart's `crds/`, and some of these
 * charts change what they install between minors (see README, "Upgrades").
 */
export const TESTED_VERSIONS = {
    certManagerVersion: ["v1.15.2"],
    sailOperatorVersion: ["1.27.3"],
    leaderWorkerSetVersion: ["0.7.0"],
    gatewayApiCrdsUrl: ["v1.4.0"],
} as const;

/** The tag of an image reference, or undefined for a digest or untagged reference. */
export function imageTag(image: string): string | undefined {
    if (image.includes("@")) return undefined;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}

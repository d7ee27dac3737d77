import * as pulumi from "@pulumi/pulumi";
import { InferencePoolApi, MeshFlavor } from "./compatibility";

/** A Helm chart as the stack installs it: where from, which version, into which namespace. */
export interface ChartSource {
    /** Helm repository URL, or empty when `chart` is a full `oci://` reference. */
    repo: string;
    /** Chart name in `repo`, or an `oci://` reference. */
    chart: string;
    version: string;
    namespace: string;
    /** Helm values from stack config, deep-merged over the stack's own (e.g. image registries of a Red Hat build). */
    values: Record<string, unknown>;
}

/** A manifest bundle applied from a URL (e.g. upstream CRD release files). */
export interface ManifestSource {
    url: string;
    version: string;
}

/** Everything the stack installs from outside, pinned in one place (config/versions.ts) and overridable per key. */
export interface PlatformSources {
    certManager: ChartSource;
    sailOperator: ChartSource;
    leaderWorkerSet: ChartSource;
    kserve: ChartSource;
    gatewayApiCrds: ManifestSource;
    inferenceExtensionCrds: ManifestSource;
    /** Istio version the Sail operator deploys (`spec.version` of the Istio and IstioCNI CRs). */
    istioVersion: string;
}

/** Who installs the Gateway API and Inference Extension CRDs: this stack, or GKE (its managed Gateway API channel). */
export type CrdOwner = "stack" | "gke";

/** A single-host TPU v6e machine type and what GKE derives from it. */
export interface TpuMachine {
    machineType: string;
    chips: number;
    /** GKE's `cloud.google.com/gke-tpu-topology` node label value. */
    topology: string;
    /** GKE's `cloud.google.com/gke-tpu-accelerator` node label value. */
    accelerator: string;
}

/** Where GKE may take TPU nodes from, in the order a ComputeClass tries them. */
export type CapacitySource = "reservation" | "onDemand" | "flexStart" | "spot";

/** nodePool: one node pool of one kind; computeClass: a GKE ComputeClass that falls back through its sources. */
export type CapacityMode = "nodePool" | "computeClass";

/** A one-off window in which GKE does not upgrade automatically (TF `maintenance_exclusion`). */
export interface MaintenanceExclusion {
    name: string;
    /** RFC 3339 UTC, e.g. 2026-12-20T00:00:00Z. */
    start: string;
    end: string;
    scope: "NO_UPGRADES" | "NO_MINOR_UPGRADES" | "NO_MINOR_OR_NODE_UPGRADES";
}

/** When GKE may upgrade the cluster and its nodes: a weekly window (UTC) and exclusions. */
export interface MaintenanceConfig {
    /** Undefined: no window, GKE upgrades at any time. */
    window?: { days: string[]; start: string; hours: number };
    exclusions: MaintenanceExclusion[];
}

export interface ClusterConfig {
    project: string;
    zone: string;
    /** Derived from the zone. */
    region: string;
    name: string;
    releaseChannel: "RAPID" | "REGULAR" | "STABLE" | "EXTENDED" | "UNSPECIFIED";
    /** Optional minimum control-plane version; validated against the TPU v6e minimum. */
    minMasterVersion?: string;
    deletionProtection: boolean;
    /** Opt-in: drop in-cluster objects from state when the cluster is unreachable (see README, "Destroy"). */
    deleteUnreachable: boolean;
    maintenance: MaintenanceConfig;
    cpuPool: {
        machineType: string;
        initialNodeCount: number;
        minNodes: number;
        maxNodes: number;
        diskSizeGb: number;
    };
    tpuPool: TpuMachine & {
        /** = replicas: one single-host TPU node per vLLM replica; 0 keeps the pool with no nodes. */
        nodeCount: number;
        /** Extra nodes the pool may add while KServe rolls a surge pod (autoscaling max = nodeCount + surge). */
        surgeNodes: number;
        spot: boolean;
        /** Name of a specific reservation to consume, when set. */
        reservation?: string;
        diskSizeGb: number;
        /** How the nodes are obtained, and from which sources in which order (nodePool: exactly one source). */
        capacity: { mode: CapacityMode; sources: CapacitySource[] };
        /** computeClass mode: lifetime of a flex-start node (GKE's maxRunDurationSeconds). */
        flexStartMaxRunDurationSeconds: number;
        autoUpgrade: boolean;
        /** nodePool mode: surge upgrade settings (GKE's upgrade_settings, strategy SURGE). */
        upgrade: { maxSurge: number; maxUnavailable: number };
    };
}

export interface SchedulerConfig {
    /** EPP (llm-d inference scheduler) image; must speak h2 over TLS (>= v0.7.0, the guide's alpn-fix). */
    image: string;
    prefixCacheWeight: number;
    loadWeight: number;
    /** prefix-cache-scorer `blockSizeTokens`, pinned; undefined lets the scorer read vLLM's (autoTune). */
    blockSizeTokens?: number;
    /** The gateway serves a request without the EPP when it cannot reach it (KServe's pool: FailOpen). */
    failOpen: boolean;
    maxPrefixBlocksToMatch: number;
    /** prefix-cache-scorer `lruCapacityPerServer` (blocks); undefined lets the scorer derive or default it. */
    lruCapacityPerServer?: number;
}

export interface VllmConfig {
    image: string;
    maxModelLen: number;
    maxNumSeqs: number;
    dtype: "bfloat16" | "float32" | "auto";
    /** Defaults to the TPU chips per node. */
    tensorParallelSize: number;
    /** Appended verbatim after the stack's own flags. */
    extraArgs: string[];
    /** Seconds the probes wait before the first check (TPU init, download, XLA compile). */
    probeInitialDelaySeconds: number;
    /** How long `pulumi up` waits for the service's Ready condition. */
    readyTimeoutMinutes: number;
    /** Seconds a stopping pod may take to finish in-flight requests (pod terminationGracePeriodSeconds). */
    terminationGracePeriodSeconds: number;
}

export interface WorkloadConfig {
    namespace: string;
    /** The LLMInferenceService name; every child name KServe derives starts with it (see config/names.ts). */
    serviceName: string;
    model: { uri: string; name: string };
    replicas: number;
    vllm: VllmConfig;
    scheduler: SchedulerConfig;
    networkPolicies: boolean;
    /** Namespace allowed to scrape vLLM/EPP metrics when NetworkPolicies are on; unset = none. */
    metricsNamespace?: string;
    /** The InferencePool API the mesh routes to: the EPP's `--pool-group` and the stack's HTTPRoute backend. */
    inferencePool: InferencePoolApi;
}

export interface OperatorsConfig {
    /** false: the platform team installed the operators; the stack only checks for and uses what exists. */
    install: boolean;
    crdOwner: CrdOwner;
    /** true: an Istio CR `default` already exists; patch it (server-side apply) instead of creating it. */
    existingIstio: boolean;
    /** Upstream Istio or OpenShift Service Mesh: with the Istio minor, decides the InferencePool API. */
    meshFlavor: MeshFlavor;
    /** The minor of `istioVersion` (27 for v1.27.3): what the gateway's Envoy config depends on. */
    istioMinor: number;
    sources: PlatformSources;
}

/** Alert policies (`alerts = true`): where they notify and when they open. */
export interface AlertsConfig {
    /** `projects/<project>/notificationChannels/<id>` of an existing channel. */
    notificationChannel: string;
    /** Waiting requests on one replica above which the queue alert opens. */
    queueThreshold: number;
    /** How long each condition must hold, in minutes. */
    forMinutes: number;
    /** Share of the gateway's responses for the service that may be 5xx, in percent. */
    errorPercent: number;
}

/** Managed Prometheus collection and the dashboard (`monitoring`), and the optional alerts. */
export interface MonitoringConfig {
    /** Managed collection on the cluster, the PodMonitorings and the dashboard. */
    enabled: boolean;
    scrapeIntervalSeconds: number;
    /** Undefined unless `alerts = true`. */
    alerts?: AlertsConfig;
}

/** Who signs the tokens the gateway accepts. */
export type GatewayAuthConfig =
    /** The stack: a signing key in Pulumi state, one token per client (its `sub`). */
    | { mode: "stack"; issuer: string; clients: string[]; openHealth: boolean }
    /** A user's identity provider: its issuer and the URL of its keys; any subject it signs for. */
    | { mode: "external"; issuer: string; jwksUri: string; openHealth: boolean };

export interface GatewayConfig {
    name: string;
    namespace: string;
    className: string;
    /** Plain-HTTP listener port; served only when `plainHttp`. */
    port: number;
    httpsPort: number;
    plainHttp: boolean;
    /** external: a public load balancer; internal: a GKE internal passthrough load balancer. */
    exposure: "external" | "internal";
    /** CIDRs the load balancer admits; empty admits any. */
    sourceRanges: string[];
    /** A DNS name on the gateway's certificate besides its IP. */
    hostname?: string;
    auth: GatewayAuthConfig;
    /** The gateway Deployment's HorizontalPodAutoscaler bounds (Istio's per-Gateway parameters). */
    replicas: number;
    maxReplicas: number;
}

export interface SecretsConfig {
    /** Docker config JSON for registry.redhat.io; secret. Undefined when no image needs it. */
    redhatPullSecret?: pulumi.Output<string>;
    /** Hugging Face token; secret. Undefined when not configured. */
    huggingfaceToken?: pulumi.Output<string>;
}

/** The validated, derived stack configuration every component receives. */
export interface StackConfig {
    /** Pulumi config namespace (the project name). */
    projectName: string;
    stack: string;
    cluster: ClusterConfig;
    operators: OperatorsConfig;
    gateway: GatewayConfig;
    workload: WorkloadConfig;
    monitoring: MonitoringConfig;
    secrets: SecretsConfig;
    /** Kubernetes Secret names the stack creates (pull secret, HF token). */
    secretNames: { pullSecret: string; huggingfaceToken: string };
}

import { MAX_SERVICE_NAME_LENGTH } from "./names";
import { DEFAULT_IMAGES, DEFAULT_SOURCES } from "./versions";

/**
 * The stack's config keys: one table that the loader reads, Pulumi.yaml declares (a test keeps them equal) and
 * the README's config reference is generated from (`npm run docs:config`).
 */
export type ConfigType = "string" | "integer" | "boolean" | "array";

export interface ConfigKey {
    key: string;
    type: ConfigType;
    description: string;
    /** Absent only for required keys; "" means unset for optional strings. */
    default?: string | number | boolean | string[];
    /** Must be set with `pulumi config set --secret`. */
    secret?: boolean;
    required?: boolean;
    group: "Cluster" | "TPU pool" | "Operators" | "Sources" | "Gateway" | "Workload" | "vLLM" | "Scheduler" | "Monitoring" | "Secrets";
}

const src = DEFAULT_SOURCES;

export const CONFIG_KEYS: readonly ConfigKey[] = [
    // Cluster
    { group: "Cluster", key: "project", type: "string", required: true, description: "Google Cloud project ID the cluster is created in." },
    { group: "Cluster", key: "zone", type: "string", default: "europe-west4-a", description: "Zone of the zonal cluster; must offer TPU v6e. The region is derived." },
    { group: "Cluster", key: "clusterName", type: "string", default: "rhaii-tpu-scaleout-cluster", description: "GKE cluster name." },
    { group: "Cluster", key: "releaseChannel", type: "string", default: "REGULAR", description: "GKE release channel: RAPID, REGULAR, STABLE or EXTENDED, or UNSPECIFIED (no channel: the only way GKE lets `tpuAutoUpgrade` be false)." },
    { group: "Cluster", key: "minMasterVersion", type: "string", default: "", description: "Optional minimum GKE version (at least 1.31.2-gke.1115000 for TPU v6e); unset lets the channel decide." },
    { group: "Cluster", key: "deletionProtection", type: "boolean", default: false, description: "GKE deletion protection; while true, `pulumi destroy` cannot delete the cluster." },
    { group: "Cluster", key: "deleteUnreachable", type: "boolean", default: false, description: "Let `pulumi destroy` and `refresh` drop in-cluster objects from state when the cluster cannot be reached. Only for a cluster that is already gone: a lapsed `gcloud` login looks the same and would orphan the gateway's load balancer." },
    { group: "Cluster", key: "cpuMachineType", type: "string", default: "n1-standard-4", description: "Machine type of the CPU pool (operators, gateway, EPP)." },
    { group: "Cluster", key: "cpuNodeCount", type: "integer", default: 2, description: "Initial node count of the CPU pool." },
    { group: "Cluster", key: "cpuMinNodes", type: "integer", default: 2, description: "CPU pool autoscaling minimum; the default 2 lets the two gateway replicas run on different nodes." },
    { group: "Cluster", key: "cpuMaxNodes", type: "integer", default: 5, description: "CPU pool autoscaling maximum." },
    { group: "Cluster", key: "cpuDiskSizeGb", type: "integer", default: 100, description: "Boot disk size of CPU nodes, GB." },
    { group: "Cluster", key: "maintenanceWindow", type: "boolean", default: true, description: "Restrict GKE's automatic upgrades to a weekly window (maintenanceWindowDays, -Start, -Hours); false lets GKE upgrade at any time." },
    { group: "Cluster", key: "maintenanceWindowDays", type: "array", default: ["SA", "SU"], description: "Days of the weekly maintenance window, UTC (MO, TU, WE, TH, FR, SA, SU)." },
    { group: "Cluster", key: "maintenanceWindowStart", type: "string", default: "00:00", description: "Start of the maintenance window on each of its days, HH:MM UTC." },
    { group: "Cluster", key: "maintenanceWindowHours", type: "integer", default: 6, description: "Length of each maintenance window, hours (4-24); GKE requires 48 hours of windows in any 32 days, so days x hours must be at least 12." },
    { group: "Cluster", key: "maintenanceExclusions", type: "array", default: [], description: "Maintenance exclusions: a list of {name, start, end, scope} (RFC 3339 UTC times; scope NO_UPGRADES, NO_MINOR_UPGRADES or NO_MINOR_OR_NODE_UPGRADES); at most 20." },
    // TPU pool
    { group: "TPU pool", key: "tpuMachineType", type: "string", default: "ct6e-standard-4t", description: "Single-host TPU v6e machine type: ct6e-standard-1t, ct6e-standard-4t or ct6e-standard-8t." },
    { group: "TPU pool", key: "replicas", type: "integer", default: 3, description: "vLLM replicas = TPU nodes (one node per replica); 0 scales to zero and keeps the configuration." },
    { group: "TPU pool", key: "tpuSurgeNodes", type: "integer", default: 1, description: "Extra TPU nodes the pool may add (autoscaling) while KServe rolls an update; 0 pins the pool at `replicas` nodes." },
    { group: "TPU pool", key: "tpuSpot", type: "boolean", default: false, description: "Use Spot TPU VMs (cheaper, preemptible)." },
    { group: "TPU pool", key: "tpuReservation", type: "string", default: "", description: "Name of a TPU reservation to consume; unset consumes none." },
    { group: "TPU pool", key: "tpuCapacityMode", type: "string", default: "nodePool", description: "How TPU nodes are obtained: nodePool (one node pool: on-demand, Spot or one reservation), or computeClass (a GKE ComputeClass that falls back through tpuCapacitySources in order, with node pool auto-creation)." },
    { group: "TPU pool", key: "tpuCapacitySources", type: "array", default: ["onDemand", "spot"], description: "computeClass mode: capacity sources GKE tries in this order: reservation (tpuReservation), onDemand, flexStart (DWS flex-start) and spot; each at most once." },
    { group: "TPU pool", key: "tpuFlexStartMaxRunDurationSeconds", type: "integer", default: 604800, description: "computeClass mode: how long a flex-start TPU node may run before GKE reclaims it (3600-604800 s; GKE's limit and default is 7 days)." },
    { group: "TPU pool", key: "tpuAutoUpgrade", type: "boolean", default: true, description: "GKE auto-upgrade of the TPU node pool. false needs releaseChannel UNSPECIFIED (GKE keeps node auto-upgrade on in a release channel); maintenance exclusions are the way to hold upgrades within a channel." },
    { group: "TPU pool", key: "tpuUpgradeMaxSurge", type: "integer", default: 0, description: "nodePool mode: extra TPU nodes a node upgrade may create (each needs spare TPU quota)." },
    { group: "TPU pool", key: "tpuUpgradeMaxUnavailable", type: "integer", default: 1, description: "nodePool mode: TPU nodes a node upgrade may take down at once; with tpuUpgradeMaxSurge at least 1 in total." },
    { group: "TPU pool", key: "tpuDiskSizeGb", type: "integer", default: 200, description: "Boot disk size of TPU nodes, GB (vLLM image and model weights)." },
    // Operators
    { group: "Operators", key: "installOperators", type: "boolean", default: true, description: "Install cert-manager, Sail/Istio, LWS, KServe and the gateway; false uses what the platform team installed." },
    { group: "Operators", key: "crdOwner", type: "string", default: "stack", description: "Who installs the Gateway API and Inference Extension CRDs: stack, or gke (GKE's managed Gateway API)." },
    { group: "Operators", key: "meshFlavor", type: "string", default: "istio", description: "Which mesh build runs the gateway: istio (upstream, the Sail default) or ossm (OpenShift Service Mesh). With istioVersion it decides the InferencePool API the routes and the EPP use (Istio 1.27: v1alpha2; Istio 1.28+ and OSSM: v1)." },
    { group: "Operators", key: "allowUntestedVersions", type: "boolean", default: false, description: "Accept chart, CRD and EPP versions outside the tested combinations (config/compatibility.ts). For a user who has checked the new versions' CRDs, RBAC and flags; see README, \"Upgrades\"." },
    { group: "Operators", key: "existingIstio", type: "boolean", default: false, description: "An Istio CR `default` already exists: patch it instead of creating it." },
    // Sources
    { group: "Sources", key: "certManagerChartRepo", type: "string", default: src.certManager.repo, description: "cert-manager Helm repository: https://, or oci:// (then joined with the chart name)." },
    { group: "Sources", key: "certManagerChart", type: "string", default: src.certManager.chart, description: "cert-manager chart name or oci:// reference." },
    { group: "Sources", key: "certManagerVersion", type: "string", default: src.certManager.version, description: "cert-manager chart version." },
    { group: "Sources", key: "certManagerChartValues", type: "string", default: "", description: "Extra cert-manager Helm values as a JSON object, deep-merged over the stack's (e.g. the image registry of a Red Hat build)." },
    { group: "Sources", key: "sailOperatorChartRepo", type: "string", default: src.sailOperator.repo, description: "Sail operator Helm repository: https://, or oci:// (then joined with the chart name)." },
    { group: "Sources", key: "sailOperatorChart", type: "string", default: src.sailOperator.chart, description: "Sail operator chart name or oci:// reference." },
    { group: "Sources", key: "sailOperatorVersion", type: "string", default: src.sailOperator.version, description: "Sail operator chart version." },
    { group: "Sources", key: "sailOperatorChartValues", type: "string", default: "", description: "Extra Sail operator Helm values as a JSON object, deep-merged over the stack's (e.g. the image registry of a Red Hat build)." },
    { group: "Sources", key: "istioVersion", type: "string", default: src.istioVersion, description: "Istio version the Sail operator deploys (Istio and IstioCNI spec.version): 1.27 or later, and for the pinned Sail chart one of v1.27-latest, v1.27.0-v1.27.3." },
    { group: "Sources", key: "leaderWorkerSetChartRepo", type: "string", default: src.leaderWorkerSet.repo, description: "LeaderWorkerSet Helm repository: https://, oci:// (joined with the chart name), or empty for an oci:// chart." },
    { group: "Sources", key: "leaderWorkerSetChart", type: "string", default: src.leaderWorkerSet.chart, description: "LeaderWorkerSet chart name or oci:// reference." },
    { group: "Sources", key: "leaderWorkerSetVersion", type: "string", default: src.leaderWorkerSet.version, description: "LeaderWorkerSet chart version." },
    { group: "Sources", key: "leaderWorkerSetChartValues", type: "string", default: "", description: "Extra LeaderWorkerSet Helm values as a JSON object, deep-merged over the stack's (e.g. the image registry of a Red Hat build)." },
    { group: "Sources", key: "kserveChartRepo", type: "string", default: src.kserve.repo, description: "KServe Helm repository: https://, oci:// (joined with the chart name), or empty for an oci:// chart." },
    { group: "Sources", key: "kserveChart", type: "string", default: src.kserve.chart, description: "KServe (LLMInferenceService controller) chart name or oci:// reference." },
    { group: "Sources", key: "kserveVersion", type: "string", default: src.kserve.version, description: "KServe chart version." },
    { group: "Sources", key: "kserveChartValues", type: "string", default: "", description: "Extra KServe Helm values as a JSON object, deep-merged over the stack's (e.g. the image registry of a Red Hat build)." },
    { group: "Sources", key: "gatewayApiCrdsUrl", type: "string", default: src.gatewayApiCrds.url, description: "Gateway API CRD release manifest (standard channel)." },
    { group: "Sources", key: "inferenceExtensionCrdsUrl", type: "string", default: src.inferenceExtensionCrds.url, description: "Gateway API Inference Extension CRD release manifest." },
    // Gateway
    { group: "Gateway", key: "gatewayName", type: "string", default: "inference-gateway", description: "Name of the inference Gateway." },
    { group: "Gateway", key: "gatewayNamespace", type: "string", default: "opendatahub", description: "Namespace of the inference Gateway (KServe's namespace)." },
    { group: "Gateway", key: "gatewayClassName", type: "string", default: "istio", description: "GatewayClass of the inference Gateway." },
    { group: "Gateway", key: "gatewayPort", type: "integer", default: 80, description: "HTTP listener port of the inference Gateway." },
    { group: "Gateway", key: "gatewayReplicas", type: "integer", default: 2, description: "Minimum replicas of the gateway Deployment (its HorizontalPodAutoscaler's minReplicas); a PodDisruptionBudget lets voluntary disruptions take one at a time." },
    { group: "Gateway", key: "gatewayMaxReplicas", type: "integer", default: 4, description: "Maximum replicas the gateway's HorizontalPodAutoscaler may scale to on CPU load." },
    // Workload
    { group: "Workload", key: "namespace", type: "string", default: "rhaii-inference", description: "Workload namespace (Istio sidecar injection on)." },
    { group: "Workload", key: "serviceName", type: "string", default: "qwen-3b-tpu-svc", description: `LLMInferenceService name; KServe derives its children's names from it (at most ${MAX_SERVICE_NAME_LENGTH} characters).` },
    { group: "Workload", key: "modelUri", type: "string", default: "hf://Qwen/Qwen2.5-3B-Instruct", description: "Model URI: hf://org/model, s3://, pvc:// or oci:// (the schemes the KServe controller accepts)." },
    { group: "Workload", key: "modelName", type: "string", default: "Qwen/Qwen2.5-3B-Instruct", description: "Served model name clients put in requests." },
    { group: "Workload", key: "networkPolicies", type: "boolean", default: false, description: "Least-privilege NetworkPolicies for the workload namespace (enforced by Dataplane V2)." },
    { group: "Workload", key: "metricsNamespace", type: "string", default: "", description: "Namespace allowed to scrape vLLM and EPP metrics when NetworkPolicies are on." },
    // vLLM
    { group: "vLLM", key: "vllmImage", type: "string", default: DEFAULT_IMAGES.vllm, description: "vLLM TPU image." },
    { group: "vLLM", key: "maxModelLen", type: "integer", default: 2048, description: "vLLM --max-model-len; the TPU prefix-cache block is next_pow2(maxModelLen)/16 tokens." },
    { group: "vLLM", key: "maxNumSeqs", type: "integer", default: 128, description: "vLLM --max-num-seqs." },
    { group: "vLLM", key: "dtype", type: "string", default: "bfloat16", description: "vLLM --dtype: bfloat16 (TPU-native), float32 or auto." },
    { group: "vLLM", key: "tensorParallelSize", type: "integer", default: 0, description: "vLLM --tensor-parallel-size; 0 means the TPU chips per node. Must divide the chips." },
    { group: "vLLM", key: "vllmExtraArgs", type: "array", default: [], description: "Extra vLLM flags appended after the stack's own." },
    { group: "vLLM", key: "probeInitialDelaySeconds", type: "integer", default: 240, description: "Initial delay of the vLLM probes (TPU init, download, XLA compile)." },
    { group: "vLLM", key: "vllmTerminationGracePeriodSeconds", type: "integer", default: 120, description: "Seconds a stopping vLLM pod has to finish in-flight requests before it is killed (KServe's template default is 30)." },
    { group: "vLLM", key: "readyTimeoutMinutes", type: "integer", default: 45, description: "How long `pulumi up` waits for the LLMInferenceService to be Ready." },
    // Scheduler
    { group: "Scheduler", key: "eppImage", type: "string", default: DEFAULT_IMAGES.epp, description: "EPP (llm-d inference scheduler) image; needs h2 over TLS (v0.7.0 or later)." },
    { group: "Scheduler", key: "prefixCacheWeight", type: "integer", default: 2, description: "Weight of the prefix-cache scorer." },
    { group: "Scheduler", key: "loadWeight", type: "integer", default: 1, description: "Weight of the load-aware scorer." },
    { group: "Scheduler", key: "prefixBlockSizeTokens", type: "integer", default: 0, description: "prefix-cache-scorer block size in tokens; 0 lets the EPP read vLLM's real block size from `vllm:cache_config_info` (autoTune). A value pins it and turns autoTune off: it must then equal vLLM's block size." },
    { group: "Scheduler", key: "maxPrefixBlocksToMatch", type: "integer", default: 256, description: "prefix-cache-scorer maxPrefixBlocksToMatch: how many leading blocks of a prompt the scorer matches." },
    { group: "Scheduler", key: "lruCapacityPerServer", type: "integer", default: 0, description: "prefix-cache-scorer lruCapacityPerServer, in blocks; 0 lets the EPP derive it from vLLM's KV-cache size (autoTune) or use its default (31250)." },
    // Monitoring
    { group: "Monitoring", key: "monitoring", type: "boolean", default: true, description: "Google Cloud Managed Service for Prometheus: the cluster's managed collection, PodMonitorings for vLLM, the EPP and the gateway's Envoy, and a Cloud Monitoring dashboard. false turns collection off and creates none of them." },
    { group: "Monitoring", key: "metricsScrapeIntervalSeconds", type: "integer", default: 30, description: "How often the managed collector scrapes each target, in seconds (5-300); Managed Prometheus bills per sample ingested." },
    { group: "Monitoring", key: "alerts", type: "boolean", default: false, description: "Cloud Monitoring alert policies: no ready replica, waiting queue above alertQueueThreshold, gateway 5xx above alert5xxPercent. Needs monitoring and alertNotificationChannel." },
    { group: "Monitoring", key: "alertNotificationChannel", type: "string", default: "", description: "Existing notification channel the alerts go to: projects/<project>/notificationChannels/<id> (`gcloud beta monitoring channels list`); required with alerts." },
    { group: "Monitoring", key: "alertQueueThreshold", type: "integer", default: 8, description: "Alert when a replica has more than this many requests waiting (vllm:num_requests_waiting) for alertQueueMinutes." },
    { group: "Monitoring", key: "alertQueueMinutes", type: "integer", default: 5, description: "Minutes (1-60) a condition must hold before an alert opens: the waiting queue, no ready replica, gateway 5xx." },
    { group: "Monitoring", key: "alert5xxPercent", type: "integer", default: 5, description: "Alert when more than this percentage (1-100) of the gateway's responses for the service are 5xx." },
    // Secrets
    { group: "Secrets", key: "redhatPullSecret", type: "string", secret: true, description: "Docker config JSON for registry.redhat.io, set with `--secret` (`config set --secret redhatPullSecret < auth.json`); required when an image or chart is on registry.redhat.io." },
    { group: "Secrets", key: "huggingfaceToken", type: "string", secret: true, description: "Hugging Face token, set with `--secret` (`config set --secret huggingfaceToken hf_...`); required for hf:// models." },
];

export function configKey(key: string): ConfigKey {
    const found = CONFIG_KEYS.find((k) => k.key === key);
    if (!found) throw new Error(`unknown config key ${key}`);
    return found;
}

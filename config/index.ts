import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, ConfigKey } from "./schema";
import { MAX_SERVICE_NAME_LENGTH, STACK_NAMES } from "./names";
import { FLEX_START_MAX_RUN_SECONDS, TPU_V6E_MACHINES, TPU_V6E_ZONES } from "./tpu";
import { DEFAULT_SOURCES, MIN_GKE_VERSION_TPU_V6E, MIN_ISTIO_MINOR, SAIL_ISTIO_VERSIONS } from "./versions";
import { CapacityMode, CapacitySource, ChartSource, ClusterConfig, MaintenanceConfig, MaintenanceExclusion, MonitoringConfig, StackConfig, VllmConfig } from "./types";
import { EPP_VERSIONS, TESTED_VERSIONS, imageTag, inferencePoolApi, kserveRelease } from "./compatibility";

export * from "./types";

/** Pulumi config namespace of this project (the `name:` in Pulumi.yaml). */
export const PROJECT_NAME = "tpu-inference";

/** Upper bound for replicas: one TPU node each; far above the guide's 3, below anything a typo could order. */
export const MAX_REPLICAS = 64;

/** Flags the stack sets itself; `vllmExtraArgs` may not set them (they have their own keys). */
const MANAGED_VLLM_FLAGS: Record<string, string> = {
    "--model": "modelUri",
    "--served-model-name": "modelName",
    "--tensor-parallel-size": "tensorParallelSize",
    "--max-model-len": "maxModelLen",
    "--max-num-seqs": "maxNumSeqs",
    "--dtype": "dtype",
    "--port": "(fixed at 8000 by KServe)",
    "--ssl-certfile": "(KServe's certificate)",
    "--ssl-keyfile": "(KServe's certificate)",
};

/** Keys earlier versions of the stack had, and what replaced them. */
const RETIRED_KEYS: Record<string, string> = {
    prefixBlockSize:
        "it was the prefix-cache scorer's block size in characters, which the pinned EPP (GIE v1.4.0) refuses at start-up; " +
        "remove it (the EPP then reads vLLM's block size itself) or set prefixBlockSizeTokens",
};

const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "istio-system"] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_RULE = "a DNS-1123 label (lower-case letters, digits and '-', starting and ending alphanumeric, at most 63 characters)";

/** A Cloud Monitoring notification channel's resource name (the project by ID or number). */
const NOTIFICATION_CHANNEL = /^projects\/[a-z0-9][-a-z0-9]{4,28}[a-z0-9]\/notificationChannels\/\d+$/;

/** Every problem found in the stack config, reported at once, before any resource is registered. */
export class StackConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "StackConfigError";
    }
}

/** Raw config as Pulumi hands it to the program: strings, keyed without the project namespace. */
export interface RawConfig {
    values: Record<string, string | undefined>;
    /** Keys whose value was set with `--secret`. */
    secretKeys: ReadonlySet<string>;
    stack: string;
}

/** Parses and validates raw config into the typed StackConfig. Pure: no Pulumi engine needed. */
export function parseConfig(raw: RawConfig): StackConfig {
    const problems: string[] = [];
    const fail = (key: string, value: unknown, allowed: string) => {
        const meta = CONFIG_KEYS.find((k) => k.key === key);
        // Secret values never reach an error message.
        const shown = meta?.secret ? "[secret]" : JSON.stringify(value);
        problems.push(`${PROJECT_NAME}:${key} = ${shown}: ${allowed}`);
    };

    const known = new Set(CONFIG_KEYS.map((k) => k.key));
    for (const key of Object.keys(raw.values)) {
        if (RETIRED_KEYS[key] && raw.values[key] !== undefined) {
            problems.push(`${PROJECT_NAME}:${key} is no longer a config key: ${RETIRED_KEYS[key]}`);
        } else if (!known.has(key) && raw.values[key] !== undefined) {
            problems.push(`${PROJECT_NAME}:${key} is not a config key of this project (see README, "Configuration")`);
        }
    }

    const rawOf = (k: ConfigKey): string | undefined => {
        const v = raw.values[k.key];
        return v === undefined || v === "" ? undefined : v;
    };
    const str = (key: string): string | undefined => {
        const k = meta(key);
        const v = rawOf(k) ?? (k.default as string | undefined);
        return v === "" ? undefined : v;
    };
    const int = (key: string, min: number, max: number): number => {
        const k = meta(key);
        const v = rawOf(k);
        const fallback = (k.default as number | undefined) ?? min;
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) {
            fail(key, v, `must be a whole number from ${min} to ${max}`);
            return fallback;
        }
        if (n < min || n > max) fail(key, n, `must be a whole number from ${min} to ${max}`);
        return n;
    };
    const bool = (key: string): boolean => {
        const k = meta(key);
        const v = rawOf(k);
        if (v === undefined) return k.default as boolean;
        if (v === "true" || v === "false") return v === "true";
        fail(key, v, "must be true or false");
        return k.default as boolean;
    };
    const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
        const v = str(key) as T;
        if (!allowed.includes(v)) fail(key, v, `must be one of ${allowed.join(", ")}`);
        return v;
    };
    const label = (key: string, maxLength = 63): string => {
        const v = str(key) ?? "";
        if (!DNS_LABEL.test(v) || v.length > maxLength) {
            fail(key, v, maxLength < 63 ? `must be ${DNS_LABEL_RULE.replace("at most 63", `at most ${maxLength}`)}` : `must be ${DNS_LABEL_RULE}`);
        }
        return v;
    };
    const nonEmpty = (key: string, pattern: RegExp, rule: string): string => {
        const v = str(key) ?? "";
        if (!pattern.test(v)) fail(key, v, rule);
        return v;
    };
    const stringArray = (key: string): string[] => {
        const k = meta(key);
        const v = rawOf(k);
        if (v === undefined) return [...((k.default as string[] | undefined) ?? [])];
        try {
            const parsed: unknown = JSON.parse(v);
            if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed;
        } catch {
            // reported below
        }
        fail(key, v, `must be a list of strings (pulumi config set --path '${key}[0]' value)`);
        return [];
    };
    const jsonObject = (key: string): Record<string, unknown> => {
        const v = str(key);
        if (v === undefined) return {};
        try {
            const parsed: unknown = JSON.parse(v);
            if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
        } catch {
            // reported below
        }
        fail(key, v, "must be a JSON object of Helm values, e.g. {\"image\":{\"repository\":\"registry.example.com/cert-manager-controller\"}}");
        return {};
    };
    const secret = (key: string): string | undefined => {
        const v = rawOf(meta(key));
        if (v !== undefined && !raw.secretKeys.has(key)) {
            problems.push(`${PROJECT_NAME}:${key} is stored in plain text: set it with \`pulumi config set --secret ${key}\``);
        }
        return v;
    };

    // Cluster
    const project = raw.values.project ?? "";
    if (!project) {
        problems.push(`${PROJECT_NAME}:project is not set: set it to your Google Cloud project ID (pulumi config set project my-project)`);
    } else if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project)) {
        fail("project", project, "must be a Google Cloud project ID (6-30 lower-case letters, digits or '-', starting with a letter)");
    }
    const zone = str("zone") ?? "";
    if (!(TPU_V6E_ZONES as readonly string[]).includes(zone)) {
        fail("zone", zone, `does not offer TPU v6e; zones that do: ${TPU_V6E_ZONES.join(", ")}`);
    }
    const clusterName = nonEmpty("clusterName", /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, "must be a GKE cluster name (lower-case letters, digits and '-', starting with a letter, at most 40 characters)");
    const releaseChannel = oneOf("releaseChannel", ["RAPID", "REGULAR", "STABLE", "EXTENDED", "UNSPECIFIED"] as const);
    const minMasterVersion = str("minMasterVersion");
    if (minMasterVersion !== undefined && compareGkeVersions(minMasterVersion, MIN_GKE_VERSION_TPU_V6E) < 0) {
        fail("minMasterVersion", minMasterVersion, `must be a GKE version at least ${MIN_GKE_VERSION_TPU_V6E} (TPU v6e minimum), e.g. 1.33`);
    }
    const cpuMachineType = nonEmpty("cpuMachineType", /^[a-z][a-z0-9]*-[a-z0-9-]+$/, "must be a Compute Engine machine type such as n1-standard-4 or e2-standard-8");
    const cpuMin = int("cpuMinNodes", 0, 100);
    const cpuMax = int("cpuMaxNodes", 1, 100);
    const cpuInitial = int("cpuNodeCount", 1, 100);
    if (cpuMin > cpuMax) fail("cpuMinNodes", cpuMin, `must not exceed cpuMaxNodes (${cpuMax})`);
    if (cpuInitial < cpuMin || cpuInitial > cpuMax) fail("cpuNodeCount", cpuInitial, `must lie within cpuMinNodes..cpuMaxNodes (${cpuMin}..${cpuMax})`);

    // TPU pool
    const tpuMachineType = str("tpuMachineType") ?? "";
    const machine = TPU_V6E_MACHINES[tpuMachineType];
    if (!machine) fail("tpuMachineType", tpuMachineType, `must be a single-host TPU v6e machine type: ${Object.keys(TPU_V6E_MACHINES).join(", ")}`);
    const chips = machine?.chips ?? 4;
    const replicas = int("replicas", 0, MAX_REPLICAS);
    const tpuSpot = bool("tpuSpot");
    const tpuSurgeNodes = int("tpuSurgeNodes", 0, 8);
    const tpuReservation = str("tpuReservation");
    if (tpuReservation !== undefined && !DNS_LABEL.test(tpuReservation)) fail("tpuReservation", tpuReservation, "must be a reservation name (lower-case letters, digits and '-')");
    if (tpuReservation !== undefined && tpuSpot) fail("tpuReservation", tpuReservation, "cannot be combined with tpuSpot = true (Spot VMs do not consume reservations)");
    const capacityMode = oneOf<CapacityMode>("tpuCapacityMode", ["nodePool", "computeClass"]);
    const capacitySources = parseCapacitySources(stringArray("tpuCapacitySources"), fail);
    if (capacityMode === "computeClass") {
        if (tpuSpot) fail("tpuSpot", true, "applies to tpuCapacityMode nodePool; in computeClass mode list spot in tpuCapacitySources");
        if (capacitySources.includes("reservation") && tpuReservation === undefined) {
            fail("tpuCapacitySources", capacitySources, "lists reservation, so tpuReservation must name the TPU reservation to consume");
        }
        if (tpuReservation !== undefined && !capacitySources.includes("reservation")) {
            fail("tpuReservation", tpuReservation, "is consumed in computeClass mode only when tpuCapacitySources lists reservation");
        }
    }
    const flexStartMaxRun = int("tpuFlexStartMaxRunDurationSeconds", 3600, FLEX_START_MAX_RUN_SECONDS);
    const tpuAutoUpgrade = bool("tpuAutoUpgrade");
    if (!tpuAutoUpgrade && releaseChannel !== "UNSPECIFIED") {
        fail("tpuAutoUpgrade", false, `needs releaseChannel UNSPECIFIED: GKE keeps node auto-upgrade on for clusters in a release channel (${releaseChannel}); to hold upgrades there, add a maintenanceExclusions entry with scope NO_MINOR_OR_NODE_UPGRADES`);
    }
    const tpuUpgrade = { maxSurge: int("tpuUpgradeMaxSurge", 0, 8), maxUnavailable: int("tpuUpgradeMaxUnavailable", 0, 8) };
    if (tpuUpgrade.maxSurge + tpuUpgrade.maxUnavailable === 0) {
        fail("tpuUpgradeMaxUnavailable", 0, "must be at least 1 when tpuUpgradeMaxSurge is 0: a node upgrade with neither can never replace a node");
    }
    const maintenance = parseMaintenance(
        { enabled: bool("maintenanceWindow"), days: stringArray("maintenanceWindowDays"), start: str("maintenanceWindowStart") ?? "", hours: int("maintenanceWindowHours", 4, 24) },
        rawOf(meta("maintenanceExclusions")),
        fail,
    );

    // Operators and sources
    const crdOwner = oneOf("crdOwner", ["stack", "gke"] as const);
    const operatorsInstalled = bool("installOperators");
    const chart = (prefix: string, defaults: ChartSource): ChartSource => {
        let repo = str(`${prefix}ChartRepo`) ?? "";
        let name = str(`${prefix}Chart`) ?? "";
        // Helm addresses an OCI chart by its full reference; an oci:// "repository" is its registry path.
        if (repo.startsWith("oci://") && !name.startsWith("oci://")) {
            name = `${repo.replace(/\/+$/, "")}/${name}`;
            repo = "";
        }
        const version = nonEmpty(`${prefix}Version`, /^\S+$/, "must be a chart version");
        if (repo === "" && !name.startsWith("oci://")) fail(`${prefix}Chart`, name, `must be an oci:// reference when ${prefix}ChartRepo is empty`);
        if (repo !== "" && !/^https?:\/\/\S+$/.test(repo)) fail(`${prefix}ChartRepo`, repo, "must be an http(s):// or oci:// Helm repository URL, or empty");
        if (!/^\S+$/.test(name)) fail(`${prefix}Chart`, name, "must be a chart name or oci:// reference");
        return { repo, chart: name, version, namespace: defaults.namespace, values: jsonObject(`${prefix}ChartValues`) };
    };
    const manifest = (key: string) => {
        const url = nonEmpty(key, /^https:\/\/\S+\.ya?ml$/, "must be an https:// URL of a YAML manifest");
        return { url, version: /\/(v\d+\.\d+\.\d+[^/]*)\//.exec(url)?.[1] ?? "custom" };
    };
    const sources = {
        certManager: chart("certManager", DEFAULT_SOURCES.certManager),
        sailOperator: chart("sailOperator", DEFAULT_SOURCES.sailOperator),
        leaderWorkerSet: chart("leaderWorkerSet", DEFAULT_SOURCES.leaderWorkerSet),
        kserve: chart("kserve", DEFAULT_SOURCES.kserve),
        gatewayApiCrds: manifest("gatewayApiCrdsUrl"),
        inferenceExtensionCrds: manifest("inferenceExtensionCrdsUrl"),
        istioVersion: nonEmpty("istioVersion", /^v\d+\.\d+(\.\d+|-latest)$/, "must be an Istio version such as v1.27.3 or v1.27-latest"),
    };

    const sailIstioVersions = SAIL_ISTIO_VERSIONS[sources.sailOperator.version];
    const istioMinor = Number(/^v1\.(\d+)/.exec(sources.istioVersion)?.[1] ?? NaN);
    if (sailIstioVersions && !sailIstioVersions.includes(sources.istioVersion)) {
        fail("istioVersion", sources.istioVersion, `must be one the Sail operator ${sources.sailOperator.version} deploys and this stack supports: ${sailIstioVersions.join(", ")}`);
    } else if (!sailIstioVersions && istioMinor < MIN_ISTIO_MINOR) {
        fail("istioVersion", sources.istioVersion, `must be Istio 1.${MIN_ISTIO_MINOR} or later (Gateway API Inference Extension)`);
    }

    const meshFlavor = oneOf("meshFlavor", ["istio", "ossm"] as const);
    const inferencePool = inferencePoolApi(meshFlavor, istioMinor);

    // Versions that must move together (config/compatibility.ts).
    const allowUntested = bool("allowUntestedVersions");
    const untested = (key: string, value: string, tested: readonly string[], what: string) => {
        if (!allowUntested && !tested.includes(value)) {
            fail(key, value, `${what} is not one this stack is tested with (${tested.join(", ") || "none"}); set allowUntestedVersions = true to use it anyway (see README, "Upgrades")`);
        }
    };
    const release = kserveRelease(sources.kserve.version);
    if (operatorsInstalled && release?.unsupported) {
        fail("kserveVersion", sources.kserve.version, `${release.title} cannot be deployed by this stack: ${release.unsupported}`);
    } else if (operatorsInstalled && !release && !allowUntested) {
        fail("kserveVersion", sources.kserve.version, 'is not a KServe chart this stack is tested with (3.4.0-ea.1-dev-<commit>); set allowUntestedVersions = true to use it anyway (see README, "Upgrades")');
    }
    if (operatorsInstalled) {
        untested("certManagerVersion", sources.certManager.version, TESTED_VERSIONS.certManagerVersion, "this cert-manager chart version");
        if (!bool("existingIstio")) untested("sailOperatorVersion", sources.sailOperator.version, TESTED_VERSIONS.sailOperatorVersion, "this Sail operator chart version");
        untested("leaderWorkerSetVersion", sources.leaderWorkerSet.version, TESTED_VERSIONS.leaderWorkerSetVersion, "this LeaderWorkerSet chart version");
        untested("gatewayApiCrdsUrl", sources.gatewayApiCrds.version, TESTED_VERSIONS.gatewayApiCrdsUrl, "this Gateway API release");
        if (release && !release.unsupported) {
            untested("inferenceExtensionCrdsUrl", sources.inferenceExtensionCrds.version, release.inferenceExtensionCrds, `with ${release.title}, this Inference Extension release`);
        }
    }

    // Gateway
    const gateway = {
        name: label("gatewayName"),
        namespace: label("gatewayNamespace"),
        className: label("gatewayClassName"),
        port: int("gatewayPort", 1, 65535),
        replicas: int("gatewayReplicas", 1, 20),
        maxReplicas: int("gatewayMaxReplicas", 1, 50),
    };
    if (gateway.maxReplicas < gateway.replicas) fail("gatewayMaxReplicas", gateway.maxReplicas, `must be at least gatewayReplicas (${gateway.replicas})`);

    // Workload
    const namespace = label("namespace");
    // The stack creates and deletes these namespaces: never one Kubernetes or another namespace of the stack owns.
    for (const [key, ns] of [["namespace", namespace], ["gatewayNamespace", gateway.namespace]] as const) {
        if ((SYSTEM_NAMESPACES as readonly string[]).includes(ns)) fail(key, ns, `must not be a system namespace (${SYSTEM_NAMESPACES.join(", ")})`);
    }
    const operatorNamespaces = Object.values(sources).flatMap((s) => (typeof s === "object" && "namespace" in s ? [s.namespace] : []));
    if (operatorNamespaces.includes(namespace)) fail("namespace", namespace, `must not be an operator namespace (${operatorNamespaces.join(", ")})`);
    if (namespace === gateway.namespace) fail("namespace", namespace, `must differ from gatewayNamespace (the workload namespace has its own lifecycle and Istio injection)`);
    const serviceName = label("serviceName", MAX_SERVICE_NAME_LENGTH);
    // The LLMInferenceService controller accepts only these schemes (it rejects gs:// and http(s)://).
    const modelUri = nonEmpty("modelUri", /^(hf|s3|pvc|oci):\/\/\S+$/, "must be a model URI the KServe LLMInferenceService controller accepts: hf://org/model, s3://bucket/path, pvc://claim/path or oci://image");
    const modelName = nonEmpty("modelName", /^\S+$/, "must be a non-empty served model name without spaces");
    const metricsNamespace = str("metricsNamespace") === undefined ? undefined : label("metricsNamespace");

    const image = /^[a-z0-9]+([._\-/:@][a-zA-Z0-9_.\-]+)+$/;
    const vllmImage = nonEmpty("vllmImage", image, "must be a container image reference such as registry/repo:tag");
    const maxModelLen = int("maxModelLen", 128, 131072);
    const tensorParallelSize = int("tensorParallelSize", 0, 64) || chips;
    if (chips % tensorParallelSize !== 0) {
        fail("tensorParallelSize", tensorParallelSize, `must divide the ${chips} TPU chips of ${tpuMachineType} (allowed: ${divisors(chips).join(", ")})`);
    }
    const extraArgs = stringArray("vllmExtraArgs");
    for (const arg of extraArgs) {
        const flag = arg.split("=")[0];
        if (!flag.startsWith("--")) fail("vllmExtraArgs", arg, "each entry must be a flag starting with --");
        else if (MANAGED_VLLM_FLAGS[flag]) fail("vllmExtraArgs", arg, `${flag} is set by the stack; use config key ${MANAGED_VLLM_FLAGS[flag]}`);
    }
    const vllm: VllmConfig = {
        image: vllmImage,
        maxModelLen,
        maxNumSeqs: int("maxNumSeqs", 1, 4096),
        dtype: oneOf("dtype", ["bfloat16", "float32", "auto"] as const),
        tensorParallelSize,
        extraArgs,
        probeInitialDelaySeconds: int("probeInitialDelaySeconds", 0, 3600),
        readyTimeoutMinutes: int("readyTimeoutMinutes", 5, 240),
        terminationGracePeriodSeconds: int("vllmTerminationGracePeriodSeconds", 0, 3600),
    };
    if (vllm.probeInitialDelaySeconds >= vllm.readyTimeoutMinutes * 60) {
        fail("probeInitialDelaySeconds", vllm.probeInitialDelaySeconds, `must be shorter than readyTimeoutMinutes (${vllm.readyTimeoutMinutes} min = ${vllm.readyTimeoutMinutes * 60} s), or pulumi up always times out`);
    }
    const scheduler = {
        image: nonEmpty("eppImage", image, "must be a container image reference such as registry/repo:tag"),
        prefixCacheWeight: int("prefixCacheWeight", 0, 100),
        loadWeight: int("loadWeight", 0, 100),
        blockSizeTokens: int("prefixBlockSizeTokens", 0, 65536) || undefined,
        maxPrefixBlocksToMatch: int("maxPrefixBlocksToMatch", 1, 65536),
        lruCapacityPerServer: int("lruCapacityPerServer", 0, 10_000_000) || undefined,
    };
    // The EPP's flags and scoring config are written for these builds (with installOperators = false too: the EPP is the stack's).
    const eppVersions = release && !release.unsupported ? release.eppVersions : EPP_VERSIONS;
    untested("eppImage", imageTag(scheduler.image) ?? scheduler.image, eppVersions, "this EPP (llm-d-inference-scheduler) image tag");
    if (scheduler.prefixCacheWeight === 0) fail("prefixCacheWeight", 0, "must be at least 1: the prefix-cache scorer is what makes routing cache-aware");

    // Secrets: needed only when something pulls from registry.redhat.io.
    const redhatPullSecret = secret("redhatPullSecret");
    const huggingfaceToken = secret("huggingfaceToken");
    const redHatRefs = [
        ["vllmImage", vllmImage],
        ["eppImage", scheduler.image],
        ...Object.entries(sources).flatMap(([k, s]) => (typeof s === "object" && "chart" in s ? [[`${k}Chart`, s.chart]] : [])),
    ].filter(([, ref]) => /(^|\/\/)registry\.redhat\.io\//.test(ref));
    if (redHatRefs.length > 0 && redhatPullSecret === undefined) {
        problems.push(
            `${PROJECT_NAME}:redhatPullSecret is not set, but ${redHatRefs.map(([k]) => k).join(", ")} pull from registry.redhat.io: ` +
                "set it with `pulumi config set --secret redhatPullSecret < auth.json` (a Docker config JSON with an \"auths\" entry)",
        );
    }
    if (huggingfaceToken === undefined && modelUri.startsWith("hf://")) {
        problems.push(`${PROJECT_NAME}:huggingfaceToken is not set, but modelUri is a Hugging Face model: set it with \`pulumi config set --secret huggingfaceToken hf_...\``);
    }
    if (redhatPullSecret !== undefined && !isDockerConfigJson(redhatPullSecret)) {
        fail("redhatPullSecret", redhatPullSecret, "must be a Docker config JSON document with an \"auths\" object");
    }

    const deletionProtection = bool("deletionProtection");
    const deleteUnreachable = bool("deleteUnreachable");
    const cpuDiskSizeGb = int("cpuDiskSizeGb", 10, 65536);
    const tpuDiskSizeGb = int("tpuDiskSizeGb", 10, 65536);
    const operators = {
        install: operatorsInstalled,
        crdOwner,
        existingIstio: bool("existingIstio"),
        meshFlavor,
        istioMinor,
        sources,
    };
    const networkPolicies = bool("networkPolicies");

    // Monitoring: alerts read what the collection writes, and need somewhere to send a notification.
    const monitoringEnabled = bool("monitoring");
    const alertsEnabled = bool("alerts");
    const notificationChannel = str("alertNotificationChannel");
    if (notificationChannel !== undefined && !NOTIFICATION_CHANNEL.test(notificationChannel)) {
        fail("alertNotificationChannel", notificationChannel, "must be a notification channel name, projects/<project>/notificationChannels/<id> (gcloud beta monitoring channels list)");
    }
    if (alertsEnabled && !monitoringEnabled) fail("alerts", true, "needs monitoring = true: the alert conditions query the metrics the collection writes");
    if (alertsEnabled && notificationChannel === undefined) {
        problems.push(`${PROJECT_NAME}:alertNotificationChannel is not set, but alerts = true: set it to an existing channel, projects/<project>/notificationChannels/<id>`);
    }
    const alertSettings = {
        notificationChannel: notificationChannel ?? "",
        queueThreshold: int("alertQueueThreshold", 1, 4096),
        forMinutes: int("alertQueueMinutes", 1, 60),
        errorPercent: int("alert5xxPercent", 1, 100),
    };
    const monitoring: MonitoringConfig = {
        enabled: monitoringEnabled,
        scrapeIntervalSeconds: int("metricsScrapeIntervalSeconds", 5, 300),
        ...(alertsEnabled ? { alerts: alertSettings } : {}),
    };

    if (problems.length > 0) throw new StackConfigError(problems);

    const cluster: ClusterConfig = {
        project,
        zone,
        region: zone.replace(/-[a-z]$/, ""),
        name: clusterName,
        releaseChannel,
        minMasterVersion,
        deletionProtection,
        deleteUnreachable,
        maintenance,
        cpuPool: {
            machineType: cpuMachineType,
            initialNodeCount: cpuInitial,
            minNodes: cpuMin,
            maxNodes: cpuMax,
            diskSizeGb: cpuDiskSizeGb,
        },
        tpuPool: {
            ...machine!,
            nodeCount: replicas,
            surgeNodes: tpuSurgeNodes,
            spot: tpuSpot,
            reservation: tpuReservation,
            diskSizeGb: tpuDiskSizeGb,
            capacity: {
                mode: capacityMode,
                sources: capacityMode === "computeClass" ? capacitySources : [tpuReservation ? "reservation" : tpuSpot ? "spot" : "onDemand"],
            },
            flexStartMaxRunDurationSeconds: flexStartMaxRun,
            autoUpgrade: tpuAutoUpgrade,
            upgrade: tpuUpgrade,
        },
    };
    return {
        projectName: PROJECT_NAME,
        stack: raw.stack,
        cluster,
        operators,
        gateway,
        workload: {
            namespace,
            serviceName,
            model: { uri: modelUri, name: modelName },
            replicas,
            vllm,
            scheduler,
            networkPolicies,
            metricsNamespace,
            inferencePool,
        },
        monitoring,
        secrets: {
            redhatPullSecret: redhatPullSecret === undefined ? undefined : pulumi.secret(redhatPullSecret),
            huggingfaceToken: huggingfaceToken === undefined ? undefined : pulumi.secret(huggingfaceToken),
        },
        secretNames: { pullSecret: STACK_NAMES.pullSecret, huggingfaceToken: STACK_NAMES.huggingfaceTokenSecret },
    };
}

/** Reads this stack's config from the Pulumi engine and validates it (throws StackConfigError with every problem). */
export function loadConfig(): StackConfig {
    const values: Record<string, string | undefined> = {};
    const secretKeys = new Set<string>();
    const prefix = `${PROJECT_NAME}:`;
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        values[key] = value;
        if (isSecretKey(fullKey)) secretKeys.add(key);
    }
    return parseConfig({ values, secretKeys, stack: pulumi.getStack() });
}

function isSecretKey(fullKey: string): boolean {
    // The SDK knows which keys were set with --secret but does not type the accessor.
    const runtimeConfig = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return runtimeConfig.isConfigSecret?.(fullKey) ?? true;
}

const CAPACITY_SOURCES: readonly CapacitySource[] = ["reservation", "onDemand", "flexStart", "spot"];

type Fail = (key: string, value: unknown, allowed: string) => void;

/** The ComputeClass priorities in the user's order: known sources, each once, at least one. */
function parseCapacitySources(list: string[], fail: Fail): CapacitySource[] {
    const unknown = list.filter((s) => !(CAPACITY_SOURCES as readonly string[]).includes(s));
    if (unknown.length > 0) fail("tpuCapacitySources", list, `must list only ${CAPACITY_SOURCES.join(", ")} (unknown: ${unknown.join(", ")})`);
    else if (new Set(list).size !== list.length) fail("tpuCapacitySources", list, "must name each source at most once");
    else if (list.length === 0) fail("tpuCapacitySources", list, "must name at least one source");
    return list as CapacitySource[];
}

const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
const EXCLUSION_SCOPES = ["NO_UPGRADES", "NO_MINOR_UPGRADES", "NO_MINOR_OR_NODE_UPGRADES"] as const;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * The weekly maintenance window and exclusions. GKE requires at least 48 hours of maintenance availability in any
 * 32 days, counting only windows of 4 hours or more: days x hours >= 12 guarantees it (4 whole weeks in any 32 days).
 */
function parseMaintenance(
    w: { enabled: boolean; days: string[]; start: string; hours: number },
    rawExclusions: string | undefined,
    fail: Fail,
): MaintenanceConfig {
    const exclusions = parseExclusions(rawExclusions, fail);
    if (!w.enabled) return { exclusions };
    const badDays = w.days.filter((d) => !(WEEKDAYS as readonly string[]).includes(d));
    if (badDays.length > 0 || w.days.length === 0 || new Set(w.days).size !== w.days.length) {
        fail("maintenanceWindowDays", w.days, `must list distinct days from ${WEEKDAYS.join(", ")}`);
    } else if (w.days.length * w.hours < 12) {
        fail("maintenanceWindowHours", w.hours, `gives ${w.days.length * w.hours} hours a week: GKE needs 48 hours of maintenance windows in any 32 days, so days x hours must be at least 12`);
    }
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(w.start)) fail("maintenanceWindowStart", w.start, "must be a time of day HH:MM in UTC, e.g. 00:00");
    return { window: { days: w.days, start: w.start, hours: w.hours }, exclusions };
}

const EXCLUSION_RULE =
    "must be a list of {name, start, end, scope} objects: name non-empty, start and end RFC 3339 UTC times (2026-12-20T00:00:00Z) with end after start, scope one of " +
    EXCLUSION_SCOPES.join(", ");

function isExclusion(e: unknown): e is MaintenanceExclusion {
    if (typeof e !== "object" || e === null || Array.isArray(e)) return false;
    const x = e as Record<string, unknown>;
    const time = (v: unknown) => typeof v === "string" && RFC3339_UTC.test(v) && !Number.isNaN(Date.parse(v));
    return (
        Object.keys(x).every((k) => ["name", "start", "end", "scope"].includes(k)) &&
        typeof x.name === "string" && x.name.length > 0 &&
        time(x.start) && time(x.end) && Date.parse(x.end as string) > Date.parse(x.start as string) &&
        (EXCLUSION_SCOPES as readonly unknown[]).includes(x.scope)
    );
}

function parseExclusions(raw: string | undefined, fail: Fail): MaintenanceExclusion[] {
    if (raw === undefined) return [];
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every(isExclusion)) {
        fail("maintenanceExclusions", raw, EXCLUSION_RULE);
        return [];
    }
    if (parsed.length > 20) fail("maintenanceExclusions", parsed.length, "must hold at most 20 exclusions (GKE's limit)");
    return parsed;
}

function meta(key: string): ConfigKey {
    const k = CONFIG_KEYS.find((c) => c.key === key);
    if (!k) throw new Error(`config/schema.ts has no key ${key}`);
    return k;
}

function divisors(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

function isDockerConfigJson(value: string): boolean {
    try {
        const parsed = JSON.parse(value) as { auths?: unknown };
        return typeof parsed.auths === "object" && parsed.auths !== null;
    } catch {
        return false;
    }
}

/** Compares GKE versions like 1.31.2-gke.1115000 numerically; "1.33" compares as 1.33.0-gke.0. */
export function compareGkeVersions(a: string, b: string): number {
    const parts = (v: string) => {
        const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:-gke\.(\d+))?$/.exec(v.trim());
        return m ? m.slice(1).map((x) => Number(x ?? 0)) : [NaN];
    };
    const pa = parts(a);
    const pb = parts(b);
    if (pa.some(Number.isNaN)) return -1;
    for (let i = 0; i < 4; i++) {
        if (pa[i] !== pb[i]) return pa[i] - pb[i];
    }
    return 0;
}

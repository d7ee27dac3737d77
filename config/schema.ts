import { z } from "zod";
import { MAX_SERVICE_NAME_LENGTH } from "./names";
import { FLEX_START_MAX_RUN_SECONDS, TPU_V6E_MACHINES, TPU_V6E_ZONES } from "./tpu";
import { DEFAULT_IMAGES, DEFAULT_SOURCES, MIN_GKE_VERSION_TPU_V6E } from "./versions";

/**
 * The stack's config keys, one table: type, default, description, group, and the rule with the message a bad value
 * gets. The loader (config/index.ts) checks every key against it, Pulumi.yaml declares it and the README's config
 * reference is generated from it (`npm run docs:config`; a test keeps them equal). Rules relating several keys are
 * the named checks in config/checks.ts.
 */
export type ConfigType = "string" | "integer" | "boolean" | "array";

export type ConfigGroup = "Cluster" | "TPU pool" | "Operators" | "Sources" | "Gateway" | "Workload" | "vLLM" | "Scheduler" | "Monitoring" | "Secrets";

export interface KeySpec<T = unknown> {
    type: ConfigType;
    group: ConfigGroup;
    description: string;
    /** Absent only for a required key; "" means unset for an optional string. */
    default?: T;
    /** Must be set with `pulumi config set --secret`; its value never appears in a message. */
    secret?: boolean;
    /** What a valid value is: the message a bad value gets (a refinement with its own message overrides it). */
    allowed: string;
    /** The rule for the value once read as its type. */
    rule: z.ZodType<T>;
}

const integer = (group: ConfigGroup, def: number, min: number, max: number, description: string, allowed = `must be a whole number from ${min} to ${max}`): KeySpec<number> => ({
    type: "integer",
    group,
    default: def,
    description,
    allowed,
    rule: z.number().int().min(min).max(max),
});

const boolean = (group: ConfigGroup, def: boolean, description: string): KeySpec<boolean> => ({
    type: "boolean",
    group,
    default: def,
    description,
    allowed: "must be true or false",
    rule: z.boolean(),
});

const text = (group: ConfigGroup, def: string | undefined, description: string, allowed: string, rule: z.ZodType<string>): KeySpec<string> => ({
    type: "string",
    group,
    ...(def === undefined ? {} : { default: def }),
    description,
    allowed,
    rule,
});

const oneOf = <const T extends readonly [string, ...string[]]>(group: ConfigGroup, def: T[number], values: T, description: string): KeySpec<T[number]> => ({
    type: "string",
    group,
    default: def,
    description,
    allowed: `must be one of ${values.join(", ")}`,
    rule: z.enum(values),
});

const list = <T = string[]>(group: ConfigGroup, description: string, allowed: string, rule: z.ZodType<T> = z.array(z.string()) as unknown as z.ZodType<T>, def: NoInfer<T> = [] as unknown as T): KeySpec<T> => ({
    type: "array",
    group,
    default: def,
    description,
    allowed,
    rule,
});

/** A list of distinct values from a set, at least one (a refinement per way to get it wrong, each with its message). */
function distinctList<const T extends readonly [string, ...string[]]>(values: T) {
    return z
        .array(z.string())
        .superRefine((list, ctx) => {
            const unknown = list.filter((x) => !(values as readonly string[]).includes(x));
            if (unknown.length > 0) ctx.addIssue({ code: "custom", message: `must list only ${values.join(", ")} (unknown: ${unknown.join(", ")})` });
            else if (new Set(list).size !== list.length) ctx.addIssue({ code: "custom", message: "must name each source at most once" });
            else if (list.length === 0) ctx.addIssue({ code: "custom", message: "must name at least one source" });
        })
        .transform((list) => list as T[number][]);
}

export const CAPACITY_SOURCES = ["reservation", "onDemand", "flexStart", "spot"] as const;
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
const EXCLUSION_SCOPES = ["NO_UPGRADES", "NO_MINOR_UPGRADES", "NO_MINOR_OR_NODE_UPGRADES"] as const;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const utcTime = z.string().regex(RFC3339_UTC).refine((v) => !Number.isNaN(Date.parse(v)));
/** A GKE maintenance exclusion (TF `maintenance_exclusion`); GKE allows at most 20. */
const exclusion = z
    .strictObject({ name: z.string().min(1), start: utcTime, end: utcTime, scope: z.enum(EXCLUSION_SCOPES) })
    .refine((e) => Date.parse(e.end) > Date.parse(e.start));
const EXCLUSION_RULE =
    "must be a list of {name, start, end, scope} objects: name non-empty, start and end RFC 3339 UTC times (2026-12-20T00:00:00Z) with end after start, scope one of " +
    EXCLUSION_SCOPES.join(", ");

/** A Cloud Monitoring notification channel's resource name (the project by ID or number). */
const NOTIFICATION_CHANNEL = /^projects\/[a-z0-9][-a-z0-9]{4,28}[a-z0-9]\/notificationChannels\/\d+$/;

/** "" (unset) or a value the rule accepts. */
const optional = (rule: z.ZodType<string>) => z.union([z.literal(""), rule]);
const matching = (pattern: RegExp) => z.string().regex(pattern);

const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** An IPv4 or IPv6 CIDR (address/prefix length). */
const CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)|[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d))$/;
const DNS_LABEL_RULE = "a DNS-1123 label (lower-case letters, digits and '-', starting and ending alphanumeric, at most 63 characters)";
/** Service names (and what Istio and KServe name after them) must also start with a letter. */
const dns1035 = (max: number) => new RegExp(`^(?=.{1,${max}}$)[a-z]([-a-z0-9]*[a-z0-9])?$`);

/** Namespaces Kubernetes, GKE or Istio own: the stack creates and deletes its namespaces, so never one of these. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "istio-system", "gmp-system", "gmp-public"] as const;
/** Namespaces of the operators the stack installs. */
export const OPERATOR_NAMESPACES = [DEFAULT_SOURCES.certManager, DEFAULT_SOURCES.sailOperator, DEFAULT_SOURCES.leaderWorkerSet, DEFAULT_SOURCES.kserve].map((s) => s.namespace);

const namespaceRule = (others: readonly string[]) =>
    matching(DNS_LABEL).refine((ns) => !others.includes(ns), { message: `must not be a system or operator namespace (${others.join(", ")})` });

/**
 * Ports of Istio's gateway pod (the kube-gateway template's container ports and Envoy's admin port); a listener on
 * one of them collides with the proxy itself (15021 is also on the gateway's Service). Upstream row "Istio gateway ports".
 */
export const ISTIO_GATEWAY_PORTS = [15000, 15020, 15021, 15090] as const;

/**
 * CPU machine series of Compute Engine that are not accelerator-optimized (upstream row "GCE machine series"), and
 * the shapes of their predefined types. The accelerator series (a2, a3, a4, g2, ct*) are refused by name.
 */
const CPU_SERIES = ["e2", "n1", "n2", "n2d", "n4", "n4d", "c2", "c2d", "c3", "c3d", "c4", "c4a", "c4d", "t2a", "t2d", "h3", "m1", "m2", "m3", "m4", "z3"] as const;
const CPU_MACHINE = new RegExp(`^(${CPU_SERIES.join("|")})-(standard|highmem|highcpu|megamem|ultramem|hypermem|highgpu)-\\d{1,3}(-lssd)?$|^e2-(micro|small|medium)$|^(${CPU_SERIES.join("|")})-custom-\\d{1,3}-\\d{3,7}(-ext)?$`);

const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const IMAGE = /^[a-z0-9]+([._\-/:@][a-zA-Z0-9_.\-]+)+$/;
/** An exact chart version: Helm would take a range, but the stack installs and tests one build. */
const CHART_VERSION = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+_-]+)?$/;
const HTTPS_YAML = /^https:\/\/\S+\.ya?ml$/;

/** Model URI shapes the KServe controller and its storage initializer accept (upstream row "Model URI shapes"). */
const MODEL_URI_SHAPES: Record<string, { shape: RegExp; form: string }> = {
    hf: { shape: /^hf:\/\/[\w.-]+\/[\w.-]+(:[\w.-]+)?$/, form: "hf://<org>/<model>[:<revision>]" },
    s3: { shape: /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/, form: "s3://<bucket>[/<path>]" },
    pvc: { shape: /^pvc:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/\S*)?$/, form: "pvc://<claim>[/<path>]" },
    oci: { shape: /^oci:\/\/[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})?$/, form: "oci://<registry>/<repository>[:<tag>]" },
};
const MODEL_URI_ALLOWED = `must be a model URI the KServe LLMInferenceService controller accepts: ${Object.values(MODEL_URI_SHAPES).map((s) => s.form).join(", ")}`;

function modelUriRule() {
    return z.string().superRefine((uri, ctx) => {
        const scheme = MODEL_URI_SHAPES[/^([a-z0-9]+):\/\//.exec(uri)?.[1] ?? ""];
        if (!scheme) ctx.addIssue({ code: "custom", message: MODEL_URI_ALLOWED });
        else if (!scheme.shape.test(uri)) ctx.addIssue({ code: "custom", message: `must have the form ${scheme.form}` });
    });
}

/** Compares GKE versions like 1.31.2-gke.1115000 numerically; "1.33" compares as 1.33.0-gke.0; not a version: -1. */
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

function isJsonObject(value: string): boolean {
    try {
        const parsed: unknown = JSON.parse(value);
        return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
    } catch {
        return false;
    }
}

function isDockerConfigJson(value: string): boolean {
    try {
        const parsed = JSON.parse(value) as { auths?: unknown };
        return typeof parsed.auths === "object" && parsed.auths !== null;
    } catch {
        return false;
    }
}

/** The four keys of one Helm chart source. */
function chartKeys<P extends string>(prefix: P, title: string, defaults: { repo: string; chart: string; version: string }) {
    return {
        [`${prefix}ChartRepo`]: text(
            "Sources",
            defaults.repo,
            `${title} Helm repository: https://, oci:// (then joined with the chart name), or empty for an oci:// chart.`,
            "must be an https:// Helm repository URL, an oci:// registry path, or empty for an oci:// chart (plain http:// is refused: anyone on the path could swap the chart)",
            optional(matching(/^(https|oci):\/\/[^\s/]+\S*$/)),
        ),
        [`${prefix}Chart`]: text("Sources", defaults.chart, `${title} chart name or oci:// reference.`, "must be a chart name or oci:// reference without spaces", matching(/^\S+$/)),
        [`${prefix}Version`]: text(
            "Sources",
            defaults.version,
            `${title} chart version (an exact version; see allowUntestedVersions).`,
            "must be an exact chart version such as 1.2.3 or v1.2.3 (a range would install a different chart on a later run)",
            matching(CHART_VERSION),
        ),
        [`${prefix}ChartValues`]: text(
            "Sources",
            "",
            `Extra ${title} Helm values as a JSON object, deep-merged over the stack's (e.g. the image registry of a Red Hat build).`,
            'must be a JSON object of Helm values, e.g. {"image":{"repository":"registry.example.com/controller"}}',
            optional(z.string().refine(isJsonObject)),
        ),
    } as Record<`${P}${"ChartRepo" | "Chart" | "Version" | "ChartValues"}`, KeySpec<string>>;
}

const src = DEFAULT_SOURCES;

export const CONFIG = {
    // Cluster
    project: text("Cluster", undefined, "Google Cloud project ID the cluster is created in.", "must be a Google Cloud project ID (6-30 lower-case letters, digits or '-', starting with a letter)", matching(GCP_PROJECT)),
    zone: { ...oneOf("Cluster", "europe-west4-a", TPU_V6E_ZONES, "Zone of the zonal cluster; must offer TPU v6e. The region is derived."), allowed: `does not offer TPU v6e; zones that do: ${TPU_V6E_ZONES.join(", ")}` },
    clusterName: text("Cluster", "rhaii-tpu-scaleout-cluster", "GKE cluster name.", "must be a GKE cluster name (lower-case letters, digits and '-', starting with a letter, at most 40 characters)", matching(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/)),
    releaseChannel: oneOf(
        "Cluster",
        "REGULAR",
        ["RAPID", "REGULAR", "STABLE", "EXTENDED", "UNSPECIFIED"],
        "GKE release channel: RAPID, REGULAR, STABLE or EXTENDED, or UNSPECIFIED (no channel: the only way GKE lets `tpuAutoUpgrade` be false).",
    ),
    minMasterVersion: text(
        "Cluster",
        "",
        `Optional minimum GKE version (at least ${MIN_GKE_VERSION_TPU_V6E} for TPU v6e); unset lets the channel decide.`,
        `must be a GKE version at least ${MIN_GKE_VERSION_TPU_V6E} (TPU v6e minimum), e.g. 1.33`,
        optional(z.string().refine((v) => compareGkeVersions(v, MIN_GKE_VERSION_TPU_V6E) >= 0)),
    ),
    deletionProtection: boolean("Cluster", false, "GKE deletion protection; while true, `pulumi destroy` cannot delete the cluster."),
    deleteUnreachable: boolean(
        "Cluster",
        false,
        "Let `pulumi destroy` and `refresh` drop in-cluster objects from state when the cluster cannot be reached. Only for a cluster that is already gone: a lapsed `gcloud` login looks the same and would orphan the gateway's load balancer.",
    ),
    cpuMachineType: text(
        "Cluster",
        "n1-standard-4",
        "Machine type of the CPU pool (operators, gateway, EPP): a general-purpose, compute- or memory-optimized Compute Engine type.",
        `must be a Compute Engine CPU machine type such as n1-standard-4 or e2-standard-8 (series ${CPU_SERIES.join(", ")}; not an accelerator type such as a2-, g2- or ct6e-)`,
        matching(CPU_MACHINE),
    ),
    cpuNodeCount: integer("Cluster", 2, 1, 100, "Initial node count of the CPU pool."),
    cpuMinNodes: integer("Cluster", 2, 0, 100, "CPU pool autoscaling minimum; the default 2 lets the two gateway replicas run on different nodes."),
    cpuMaxNodes: integer("Cluster", 5, 1, 100, "CPU pool autoscaling maximum."),
    cpuDiskSizeGb: integer("Cluster", 100, 10, 65536, "Boot disk size of CPU nodes, GB."),
    maintenanceWindow: boolean("Cluster", true, "Restrict GKE's automatic upgrades to a weekly window (maintenanceWindowDays, -Start, -Hours); false lets GKE upgrade at any time."),
    maintenanceWindowDays: list(
        "Cluster",
        "Days of the weekly maintenance window, UTC (MO, TU, WE, TH, FR, SA, SU).",
        `must list distinct days from ${WEEKDAYS.join(", ")}`,
        z.array(z.string()).refine((d) => d.length > 0 && new Set(d).size === d.length && d.every((x) => (WEEKDAYS as readonly string[]).includes(x))),
        ["SA", "SU"],
    ),
    maintenanceWindowStart: text("Cluster", "00:00", "Start of the maintenance window on each of its days, HH:MM UTC.", "must be a time of day HH:MM in UTC, e.g. 00:00", matching(/^([01]\d|2[0-3]):[0-5]\d$/)),
    maintenanceWindowHours: integer(
        "Cluster",
        6,
        4,
        24,
        "Length of each maintenance window, hours (4-24); GKE requires 48 hours of windows in any 32 days, so days x hours must be at least 12.",
    ),
    maintenanceExclusions: list(
        "Cluster",
        "Maintenance exclusions: a list of {name, start, end, scope} (RFC 3339 UTC times; scope NO_UPGRADES, NO_MINOR_UPGRADES or NO_MINOR_OR_NODE_UPGRADES); at most 20.",
        EXCLUSION_RULE,
        z.array(exclusion).max(20, { message: "must hold at most 20 exclusions (GKE's limit)" }),
    ),
    // TPU pool
    tpuMachineType: {
        ...oneOf("TPU pool", "ct6e-standard-4t", Object.keys(TPU_V6E_MACHINES) as [string, ...string[]], "Single-host TPU v6e machine type: ct6e-standard-1t, ct6e-standard-4t or ct6e-standard-8t."),
        allowed: `must be a single-host TPU v6e machine type: ${Object.keys(TPU_V6E_MACHINES).join(", ")}`,
    },
    replicas: integer("TPU pool", 3, 0, 64, "vLLM replicas = TPU nodes (one node per replica); 0 scales to zero and keeps the configuration."),
    tpuSurgeNodes: integer("TPU pool", 1, 0, 8, "Extra TPU nodes the pool may add (autoscaling) while KServe rolls an update; 0 pins the pool at `replicas` nodes."),
    tpuSpot: boolean("TPU pool", false, "Use Spot TPU VMs (cheaper, preemptible)."),
    tpuReservation: text("TPU pool", "", "Name of a TPU reservation to consume; unset consumes none.", "must be a reservation name (lower-case letters, digits and '-')", optional(matching(DNS_LABEL))),
    tpuDiskSizeGb: integer("TPU pool", 200, 10, 65536, "Boot disk size of TPU nodes, GB (vLLM image and model weights)."),
    tpuCapacityMode: oneOf(
        "TPU pool",
        "nodePool",
        ["nodePool", "computeClass"],
        "How TPU nodes are obtained: nodePool (one node pool: on-demand, Spot or one reservation), or computeClass (a GKE ComputeClass that falls back through tpuCapacitySources in order, with node pool auto-creation).",
    ),
    tpuCapacitySources: list(
        "TPU pool",
        "computeClass mode: capacity sources GKE tries in this order: reservation (tpuReservation), onDemand, flexStart (DWS flex-start) and spot; each at most once.",
        `must list distinct sources from ${CAPACITY_SOURCES.join(", ")}`,
        distinctList(CAPACITY_SOURCES),
        ["onDemand", "spot"],
    ),
    tpuFlexStartMaxRunDurationSeconds: integer(
        "TPU pool",
        FLEX_START_MAX_RUN_SECONDS,
        3600,
        FLEX_START_MAX_RUN_SECONDS,
        "computeClass mode: how long a flex-start TPU node may run before GKE reclaims it (3600-604800 s; GKE's limit and default is 7 days).",
    ),
    tpuAutoUpgrade: boolean(
        "TPU pool",
        true,
        "GKE auto-upgrade of the TPU node pool. false needs releaseChannel UNSPECIFIED (GKE keeps node auto-upgrade on in a release channel); maintenance exclusions are the way to hold upgrades within a channel.",
    ),
    tpuUpgradeMaxSurge: integer("TPU pool", 0, 0, 8, "nodePool mode: extra TPU nodes a node upgrade may create (each needs spare TPU quota)."),
    tpuUpgradeMaxUnavailable: integer("TPU pool", 1, 0, 8, "nodePool mode: TPU nodes a node upgrade may take down at once; with tpuUpgradeMaxSurge at least 1 in total."),
    // Operators
    installOperators: boolean("Operators", true, "Install cert-manager, Sail/Istio, LWS, KServe and the gateway; false uses what the platform team installed."),
    crdOwner: oneOf("Operators", "stack", ["stack", "gke"], "Who installs the Gateway API and Inference Extension CRDs: stack, or gke (GKE's managed Gateway API)."),
    meshFlavor: oneOf(
        "Operators",
        "istio",
        ["istio", "ossm"],
        "Which mesh build runs the gateway: istio (upstream, the Sail default) or ossm (OpenShift Service Mesh). With istioVersion it decides the InferencePool API the routes and the EPP use (Istio 1.27: v1alpha2; Istio 1.28+ and OSSM: v1).",
    ),
    allowUntestedVersions: boolean(
        "Operators",
        false,
        'Accept chart, CRD, EPP and vLLM flag versions outside the tested combinations (config/compatibility.ts, config/vllmArgs.ts). For a user who has checked the new versions\' CRDs, RBAC and flags; see README, "Upgrades".',
    ),
    existingIstio: boolean("Operators", false, "An Istio CR `default` already exists: patch it instead of creating it."),
    // Sources
    ...chartKeys("certManager", "cert-manager", src.certManager),
    ...chartKeys("sailOperator", "Sail operator", src.sailOperator),
    istioVersion: text(
        "Sources",
        src.istioVersion,
        "Istio version the Sail operator deploys (Istio and IstioCNI spec.version): 1.27 or later, and for the pinned Sail chart one of v1.27-latest, v1.27.0-v1.27.3.",
        "must be an Istio version such as v1.27.3 or v1.27-latest",
        matching(/^v\d+\.\d+(\.\d+|-latest)$/),
    ),
    ...chartKeys("leaderWorkerSet", "LeaderWorkerSet", src.leaderWorkerSet),
    ...chartKeys("kserve", "KServe (LLMInferenceService controller)", src.kserve),
    gatewayApiCrdsUrl: text("Sources", src.gatewayApiCrds.url, "Gateway API CRD release manifest (standard channel).", "must be an https:// URL of a YAML manifest", matching(HTTPS_YAML)),
    inferenceExtensionCrdsUrl: text("Sources", src.inferenceExtensionCrds.url, "Gateway API Inference Extension CRD release manifest.", "must be an https:// URL of a YAML manifest", matching(HTTPS_YAML)),
    // Gateway
    gatewayName: text(
        "Gateway",
        "inference-gateway",
        "Name of the inference Gateway; Istio names its Deployment and Service `<gatewayName>-<gatewayClassName>`.",
        "must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending alphanumeric): Istio names the gateway's Service after it",
        matching(dns1035(63)),
    ),
    gatewayNamespace: text("Gateway", "opendatahub", "Namespace of the inference Gateway (KServe's namespace).", `must be ${DNS_LABEL_RULE}`, namespaceRule(SYSTEM_NAMESPACES)),
    gatewayClassName: text("Gateway", "istio", "GatewayClass of the inference Gateway: `istio`, the class the stack's Istio serves (with installOperators = false, the platform Istio's class).", `must be ${DNS_LABEL_RULE}`, matching(DNS_LABEL)),
    gatewayPort: {
        ...integer("Gateway", 80, 1, 65535, "Plain-HTTP listener port of the inference Gateway, used only with gatewayPlainHttp.", `must be a port from 1 to 65535 other than the Istio gateway pod's own (${ISTIO_GATEWAY_PORTS.join(", ")})`),
        rule: z.number().int().min(1).max(65535).refine((p) => !(ISTIO_GATEWAY_PORTS as readonly number[]).includes(p)),
    },
    gatewayReplicas: integer(
        "Gateway",
        2,
        1,
        20,
        "Minimum replicas of the gateway Deployment (its HorizontalPodAutoscaler's minReplicas); a PodDisruptionBudget lets voluntary disruptions take one at a time.",
    ),
    gatewayMaxReplicas: integer("Gateway", 4, 1, 50, "Maximum replicas the gateway's HorizontalPodAutoscaler may scale to on CPU load."),
    gatewayHttpsPort: {
        ...integer("Gateway", 443, 1, 65535, "HTTPS listener port of the inference Gateway; its certificate is issued by the stack's CA (output caCertificate).", `must be a port from 1 to 65535 other than the Istio gateway pod's own (${ISTIO_GATEWAY_PORTS.join(", ")})`),
        rule: z.number().int().min(1).max(65535).refine((p) => !(ISTIO_GATEWAY_PORTS as readonly number[]).includes(p)),
    },
    gatewayPlainHttp: boolean("Gateway", false, "Also serve plain HTTP on gatewayPort. Off by default: tokens and prompts would cross the network in clear text (the token check still applies)."),
    gatewayExposure: oneOf(
        "Gateway",
        "external",
        ["external", "internal"],
        "Where the gateway's load balancer listens: external (a public IP) or internal (a GKE internal passthrough load balancer: clients in the VPC or connected networks). Changing it replaces the load balancer and its address.",
    ),
    gatewaySourceRanges: list<string[]>(
        "Gateway",
        "Client source ranges (CIDRs) the load balancer admits (the Service's loadBalancerSourceRanges, enforced by GKE's VPC firewall rules); empty admits any source.",
        "must be a list of distinct CIDRs such as 203.0.113.0/24 or 2001:db8::/32",
        z.array(z.string().regex(CIDR)).refine((l) => new Set(l).size === l.length),
    ),
    gatewayHostname: text(
        "Gateway",
        "",
        "DNS name clients use for the gateway, added to its certificate next to the load balancer's IP; unset: the IP only.",
        "must be a DNS name (lower-case labels separated by dots)",
        optional(matching(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/)),
    ),
    authClients: list<string[]>(
        "Gateway",
        "Clients the stack issues a token for (output clientTokens), each its own JWT subject: removing a name revokes its token. Ignored with authIssuer.",
        "must be a list of distinct client names, DNS-1123 labels such as ci or team-a",
        z.array(z.string().regex(DNS_LABEL)).refine((l) => new Set(l).size === l.length),
        ["default"],
    ),
    authIssuer: text(
        "Gateway",
        "",
        "An external JWT issuer (the `iss` its tokens carry) to accept instead of the stack's own tokens; needs authJwksUri. Unset: the stack signs tokens itself.",
        "must be an issuer without spaces, e.g. https://accounts.example.com",
        optional(matching(/^\S+$/)),
    ),
    authJwksUri: text("Gateway", "", "https:// URL of the external issuer's JSON Web Key Set (with authIssuer).", "must be an https:// URL", optional(matching(/^https:\/\/\S+$/))),
    authOpenHealth: boolean("Gateway", false, "Let `<path>/health` through without a token (load balancer or uptime checks); every other path still needs one."),
    // Workload
    namespace: text("Workload", "rhaii-inference", "Workload namespace (Istio sidecar injection on).", `must be ${DNS_LABEL_RULE}`, namespaceRule([...SYSTEM_NAMESPACES, ...OPERATOR_NAMESPACES])),
    serviceName: text(
        "Workload",
        "qwen-3b-tpu-svc",
        `LLMInferenceService name; KServe derives its children's names from it (at most ${MAX_SERVICE_NAME_LENGTH} characters).`,
        `must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter) of at most ${MAX_SERVICE_NAME_LENGTH} characters: KServe's child names (<name>-kserve-self-signed-certs, ...) must stay within 63`,
        matching(dns1035(MAX_SERVICE_NAME_LENGTH)),
    ),
    modelUri: text("Workload", "hf://Qwen/Qwen2.5-3B-Instruct", "Model URI: hf://org/model, s3://bucket/path, pvc://claim/path or oci://image (the schemes the KServe controller accepts).", MODEL_URI_ALLOWED, modelUriRule()),
    modelName: text("Workload", "Qwen/Qwen2.5-3B-Instruct", "Served model name clients put in requests.", "must be a non-empty served model name without spaces", matching(/^\S+$/)),
    networkPolicies: boolean("Workload", false, "Least-privilege NetworkPolicies for the workload namespace (enforced by Dataplane V2)."),
    metricsNamespace: text("Workload", "", "Namespace allowed to scrape vLLM and EPP metrics when NetworkPolicies are on.", `must be ${DNS_LABEL_RULE}`, optional(matching(DNS_LABEL))),
    // vLLM
    vllmImage: text("vLLM", DEFAULT_IMAGES.vllm, "vLLM TPU image.", "must be a container image reference such as registry/repo:tag", matching(IMAGE)),
    maxModelLen: integer("vLLM", 2048, 128, 131072, "vLLM --max-model-len; on TPU it also decides the prefix-cache block size (config/tpuBlockSize.ts)."),
    maxNumSeqs: integer("vLLM", 128, 1, 4096, "vLLM --max-num-seqs."),
    dtype: oneOf("vLLM", "bfloat16", ["bfloat16", "float32", "auto"], "vLLM --dtype: bfloat16 (TPU-native), float32 or auto."),
    tensorParallelSize: integer("vLLM", 0, 0, 64, "vLLM --tensor-parallel-size; 0 means the TPU chips per node. Must divide the chips."),
    vllmExtraArgs: list<string[]>(
        "vLLM",
        "Extra vLLM flags appended after the stack's own, one `--flag` or `--flag=value` per entry; read as vLLM reads them (`_` = `-`, unique prefixes), so flags the stack owns are refused in any spelling.",
        "must be a list of strings (pulumi config set --path 'vllmExtraArgs[0]' --flag=value)",
    ),
    probeInitialDelaySeconds: integer("vLLM", 240, 0, 3600, "Initial delay of the vLLM probes (TPU init, download, XLA compile)."),
    readyTimeoutMinutes: integer("vLLM", 45, 5, 240, "How long `pulumi up` waits for the LLMInferenceService to be Ready."),
    vllmTerminationGracePeriodSeconds: integer(
        "vLLM",
        120,
        0,
        3600,
        "Seconds a stopping vLLM pod has to finish in-flight requests before it is killed (KServe's template default is 30).",
    ),
    // Scheduler
    eppImage: text("Scheduler", DEFAULT_IMAGES.epp, "EPP (llm-d inference scheduler) image; needs h2 over TLS (v0.7.0 or later).", "must be a container image reference such as registry/repo:tag", matching(IMAGE)),
    prefixCacheWeight: integer("Scheduler", 2, 1, 100, "Weight of the prefix-cache scorer.", "must be a whole number from 1 to 100: the prefix-cache scorer is what makes routing cache-aware"),
    loadWeight: integer("Scheduler", 1, 0, 100, "Weight of the load-aware scorer."),
    prefixBlockSizeTokens: integer(
        "Scheduler",
        0,
        0,
        65536,
        "prefix-cache-scorer block size in tokens; 0 lets the EPP read vLLM's real block size from `vllm:cache_config_info` (autoTune). A value pins it and turns autoTune off: it must then equal vLLM's block size.",
    ),
    eppFailureMode: oneOf(
        "Scheduler",
        "open",
        ["open", "closed"],
        "What the gateway does when the EPP cannot be reached: open (KServe's pool default) serves the request without cache-aware routing; closed fails it (5xx).",
    ),
    maxPrefixBlocksToMatch: integer("Scheduler", 256, 1, 65536, "prefix-cache-scorer maxPrefixBlocksToMatch: how many leading blocks of a prompt the scorer matches."),
    lruCapacityPerServer: integer(
        "Scheduler",
        0,
        0,
        10_000_000,
        "prefix-cache-scorer lruCapacityPerServer, in blocks; 0 lets the EPP derive it from vLLM's KV-cache size (autoTune) or use its default (31250).",
    ),
    // Monitoring
    monitoring: boolean(
        "Monitoring",
        true,
        "Google Cloud Managed Service for Prometheus: the cluster's managed collection, PodMonitorings for vLLM, the EPP and the gateway's Envoy, and a Cloud Monitoring dashboard. false turns collection off and creates none of them.",
    ),
    metricsScrapeIntervalSeconds: integer("Monitoring", 30, 5, 300, "How often the managed collector scrapes each target, in seconds (5-300); Managed Prometheus bills per sample ingested."),
    alerts: boolean(
        "Monitoring",
        false,
        "Cloud Monitoring alert policies: no ready replica, waiting queue above alertQueueThreshold, gateway 5xx above alert5xxPercent. Needs monitoring and alertNotificationChannel.",
    ),
    alertNotificationChannel: text(
        "Monitoring",
        "",
        "Existing notification channel the alerts go to: projects/<project>/notificationChannels/<id> (`gcloud beta monitoring channels list`); required with alerts.",
        "must be a notification channel name, projects/<project>/notificationChannels/<id> (gcloud beta monitoring channels list)",
        optional(matching(NOTIFICATION_CHANNEL)),
    ),
    alertQueueThreshold: integer("Monitoring", 8, 1, 4096, "Alert when a replica has more than this many requests waiting (vllm:num_requests_waiting) for alertQueueMinutes."),
    alertQueueMinutes: integer("Monitoring", 5, 1, 60, "Minutes (1-60) a condition must hold before an alert opens: the waiting queue, no ready replica, gateway 5xx."),
    alert5xxPercent: integer("Monitoring", 5, 1, 100, "Alert when more than this percentage (1-100) of the gateway's responses for the service are 5xx."),
    // Secrets: declared with an empty default and no `secret: true` (the CLI refuses a secret with a default); the
    // program refuses a plain-text value instead.
    redhatPullSecret: {
        ...text(
            "Secrets",
            "",
            "Docker config JSON for registry.redhat.io, set with `--secret` (`config set --secret redhatPullSecret < auth.json`); required when an image or chart is on registry.redhat.io.",
            'must be a Docker config JSON document with an "auths" object',
            optional(z.string().refine(isDockerConfigJson)),
        ),
        secret: true,
    },
    huggingfaceToken: { ...text("Secrets", "", "Hugging Face token, set with `--secret` (`config set --secret huggingfaceToken hf_...`); required for hf:// models.", "must be a token", z.string()), secret: true },
} satisfies Record<string, KeySpec<any>>;

export type ConfigKeyName = keyof typeof CONFIG;

/** Every key's value, read and checked against its own rule. */
export type ConfigValues = { [K in ConfigKeyName]: (typeof CONFIG)[K] extends KeySpec<infer T> ? T : never };

/** A key of the table with its name, as the docs generator and render list them. */
export type ConfigKey = KeySpec<unknown> & { key: ConfigKeyName; required?: boolean };

export const CONFIG_KEYS: readonly ConfigKey[] = Object.entries(CONFIG).map(([key, spec]) => ({
    ...(spec as KeySpec<unknown>),
    key: key as ConfigKeyName,
    ...(spec.default === undefined ? { required: true } : {}),
}));

export function configKey(key: string): ConfigKey {
    const found = CONFIG_KEYS.find((k) => k.key === key);
    if (!found) throw new Error(`unknown config key ${key}`);
    return found;
}

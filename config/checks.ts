import { EPP_VERSIONS, TESTED_VERSIONS, imageTag, kserveRelease } from "./compatibility";
import { gatewayNames } from "./names";
import { ConfigKeyName, ConfigValues } from "./schema";
import { TPU_V6E_MACHINES } from "./tpu";
import { tpuBlockSize } from "./tpuBlockSize";
import { MIN_ISTIO_MINOR, SAIL_ISTIO_VERSIONS } from "./versions";
import { STACK_VLLM_FLAGS, VLLM_VERSION, readVllmArg } from "./vllmArgs";

/**
 * Rules that relate several keys, each named, each with its message. A check runs only when every key it reads
 * passed its own rule (config/schema.ts) and no earlier check blamed it, so one root cause gives one message.
 */

/** A problem a check found: the key it blames and the whole message after `<project>:`. */
export interface Failure {
    key: ConfigKeyName;
    message: string;
}

export interface CrossKeyCheck {
    name: string;
    check(v: ConfigValues): Failure[];
}

/** `key = value: allowed`, the form of every message about a bad value. */
export const bad = (key: ConfigKeyName, value: unknown, allowed: string): Failure => ({ key, message: `${key} = ${JSON.stringify(value)}: ${allowed}` });
const when = (condition: boolean, failure: () => Failure): Failure[] => (condition ? [failure()] : []);

const CHARTS = ["certManager", "sailOperator", "leaderWorkerSet", "kserve"] as const;
export type ChartPrefix = (typeof CHARTS)[number];

/** The chart Helm installs: an oci:// "repository" is a registry path, joined with the chart name. */
export function chartRef(v: ConfigValues, prefix: ChartPrefix): { repo: string; chart: string } {
    const repo = v[`${prefix}ChartRepo`];
    const chart = v[`${prefix}Chart`];
    if (repo.startsWith("oci://")) return { repo: "", chart: `${repo.replace(/\/+$/, "")}/${chart}` };
    return { repo, chart };
}

/** The Istio minor of istioVersion (27 for v1.27.3). */
export const istioMinor = (v: ConfigValues): number => Number(/^v1\.(\d+)/.exec(v.istioVersion)?.[1] ?? NaN);

/** The TPU chips of the configured machine. */
export const tpuChips = (v: ConfigValues): number => TPU_V6E_MACHINES[v.tpuMachineType].chips;

function divisors(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

const UNTESTED_HINT = 'set allowUntestedVersions = true to use it anyway (see README, "Upgrades")';

function untested(v: ConfigValues, key: ConfigKeyName, value: string, tested: readonly string[], what: string): Failure[] {
    return when(!v.allowUntestedVersions && !tested.includes(value), () => bad(key, value, `${what} is not one this stack is tested with (${tested.join(", ") || "none"}); ${UNTESTED_HINT}`));
}

/** The Inference Extension release in a CRD manifest URL (`.../download/v1.2.0/manifests.yaml`). */
export const manifestVersion = (url: string): string => /\/(v\d+\.\d+\.\d+[^/]*)\//.exec(url)?.[1] ?? "custom";

/** Istio's GatewayClasses that deploy no ingress gateway (upstream row "Istio GatewayClasses"). */
const NON_INGRESS_ISTIO_CLASSES = ["istio-remote", "istio-waypoint", "istio-east-west"];

function vllmArgFailure(v: ConfigValues, entry: string): Failure | undefined {
    const arg = readVllmArg(entry);
    const fail = (why: string) => bad("vllmExtraArgs", entry, why);
    if (!arg) return fail("each entry must be one long flag, --flag or --flag=value (a value in its own entry, or a short option, is not read the way it looks)");
    // argparse exits on an ambiguous prefix before any flag is set.
    if (arg.matches.length > 1) return fail(`${arg.spelled} is an ambiguous abbreviation (${arg.matches.slice(0, 4).join(", ")}${arg.matches.length > 4 ? ", ..." : ""}): vLLM would exit at start`);
    const [flag] = arg.matches;
    const reads = arg.spelled === flag ? flag : `vLLM reads ${arg.spelled} as ${flag}, which`;
    if (flag === "--block-size") {
        return fail(
            `${reads} is ignored on TPU: vLLM's TPU backend sets the block size from max_model_len and max_num_seqs ` +
                `(${tpuBlockSize(v.maxModelLen, v.maxNumSeqs)} tokens for maxModelLen = ${v.maxModelLen}, maxNumSeqs = ${v.maxNumSeqs}); change maxModelLen instead`,
        );
    }
    if (STACK_VLLM_FLAGS[flag]) return fail(`${reads} ${STACK_VLLM_FLAGS[flag]}`);
    if (arg.spaced) return fail(`vLLM's parser takes an entry with a space as the model to serve, not as ${arg.spelled} and its value: write ${arg.spelled}=<value>`);
    if (arg.matches.length === 0 && !v.allowUntestedVersions) {
        return fail(`${arg.spelled} is not a flag of vLLM ${VLLM_VERSION} (the tested vllmImage): vLLM would exit at start ("unrecognized arguments"); ${UNTESTED_HINT}`);
    }
    return undefined;
}

/** Image or chart references on registry.redhat.io, by key: each needs the pull secret. */
function redHatRefs(v: ConfigValues): string[] {
    const refs: Array<[ConfigKeyName, string]> = [
        ["vllmImage", v.vllmImage],
        ["eppImage", v.eppImage],
        ...CHARTS.map((c): [ConfigKeyName, string] => [`${c}Chart`, chartRef(v, c).chart]),
    ];
    return refs.filter(([, ref]) => /(^|\/\/)registry\.redhat\.io\//.test(ref)).map(([k]) => k);
}

export const CROSS_KEY_CHECKS: readonly CrossKeyCheck[] = [
    {
        name: "CPU autoscaling range",
        check: (v) => [
            ...when(v.cpuMinNodes > v.cpuMaxNodes, () => bad("cpuMinNodes", v.cpuMinNodes, `must not exceed cpuMaxNodes (${v.cpuMaxNodes})`)),
            ...when(v.cpuMinNodes <= v.cpuMaxNodes && (v.cpuNodeCount < v.cpuMinNodes || v.cpuNodeCount > v.cpuMaxNodes), () =>
                bad("cpuNodeCount", v.cpuNodeCount, `must lie within cpuMinNodes..cpuMaxNodes (${v.cpuMinNodes}..${v.cpuMaxNodes})`),
            ),
        ],
    },
    {
        name: "Spot VMs consume no reservation",
        check: (v) => when(v.tpuSpot && v.tpuReservation !== "", () => bad("tpuReservation", v.tpuReservation, "cannot be combined with tpuSpot = true (Spot VMs do not consume reservations)")),
    },
    {
        name: "computeClass capacity sources",
        check: (v) => {
            if (v.tpuCapacityMode !== "computeClass") return [];
            const listsReservation = v.tpuCapacitySources.includes("reservation");
            return [
                ...when(v.tpuSpot, () => bad("tpuSpot", true, "applies to tpuCapacityMode nodePool; in computeClass mode list spot in tpuCapacitySources")),
                ...when(listsReservation && v.tpuReservation === "", () => bad("tpuCapacitySources", v.tpuCapacitySources, "lists reservation, so tpuReservation must name the TPU reservation to consume")),
                ...when(!listsReservation && v.tpuReservation !== "", () => bad("tpuReservation", v.tpuReservation, "is consumed in computeClass mode only when tpuCapacitySources lists reservation")),
            ];
        },
    },
    {
        name: "node auto-upgrade off only without a channel",
        check: (v) =>
            when(!v.tpuAutoUpgrade && v.releaseChannel !== "UNSPECIFIED", () =>
                bad(
                    "tpuAutoUpgrade",
                    false,
                    `needs releaseChannel UNSPECIFIED: GKE keeps node auto-upgrade on for clusters in a release channel (${v.releaseChannel}); to hold upgrades there, add a maintenanceExclusions entry with scope NO_MINOR_OR_NODE_UPGRADES`,
                ),
            ),
    },
    {
        name: "a node upgrade can replace a node",
        check: (v) =>
            when(v.tpuUpgradeMaxSurge + v.tpuUpgradeMaxUnavailable === 0, () =>
                bad("tpuUpgradeMaxUnavailable", 0, "must be at least 1 when tpuUpgradeMaxSurge is 0: a node upgrade with neither can never replace a node"),
            ),
    },
    {
        name: "48 hours of maintenance windows in 32 days",
        check: (v) =>
            when(v.maintenanceWindow && v.maintenanceWindowDays.length * v.maintenanceWindowHours < 12, () =>
                bad(
                    "maintenanceWindowHours",
                    v.maintenanceWindowHours,
                    `gives ${v.maintenanceWindowDays.length * v.maintenanceWindowHours} hours a week: GKE needs 48 hours of maintenance windows in any 32 days, so days x hours must be at least 12`,
                ),
            ),
    },
    {
        // TF maintenance_policy holds exclusions only beside exactly one window: without one they would be dropped.
        name: "maintenance exclusions need a window",
        check: (v) =>
            when(!v.maintenanceWindow && v.maintenanceExclusions.length > 0, () =>
                bad("maintenanceExclusions", v.maintenanceExclusions.length, "need maintenanceWindow = true: GKE keeps exclusions only in a maintenance policy that has a window"),
            ),
    },
    {
        name: "gateway autoscaling range",
        check: (v) => when(v.gatewayMaxReplicas < v.gatewayReplicas, () => bad("gatewayMaxReplicas", v.gatewayMaxReplicas, `must be at least gatewayReplicas (${v.gatewayReplicas})`)),
    },
    {
        name: "gateway listener ports apart",
        check: (v) => when(v.gatewayPlainHttp && v.gatewayPort === v.gatewayHttpsPort, () => bad("gatewayPort", v.gatewayPort, `must differ from gatewayHttpsPort (${v.gatewayHttpsPort}) when gatewayPlainHttp is true`)),
    },
    {
        name: "external issuer and its keys",
        check: (v) => [
            ...when(v.authIssuer !== "" && v.authJwksUri === "", () => bad("authJwksUri", v.authJwksUri, `must be set with authIssuer (${v.authIssuer}): the gateway verifies that issuer's tokens with its JSON Web Key Set`)),
            ...when(v.authIssuer === "" && v.authJwksUri !== "", () => bad("authIssuer", v.authIssuer, "must be set with authJwksUri: it names the issuer (`iss`) whose tokens those keys verify")),
            ...when(v.authIssuer === "" && v.authClients.length === 0, () => bad("authClients", v.authClients, "must name at least one client when the stack issues the tokens (authIssuer unset): no client could call the service")),
        ],
    },
    {
        name: "alerts need metrics and a channel",
        check: (v) => {
            if (!v.alerts) return [];
            if (!v.monitoring) return [bad("alerts", true, "needs monitoring = true: the alert conditions query the metrics the collection writes")];
            return when(v.alertNotificationChannel === "", () => ({
                key: "alertNotificationChannel",
                message: "alertNotificationChannel is not set, but alerts = true: set it to an existing channel, projects/<project>/notificationChannels/<id>",
            }));
        },
    },
    {
        name: "tensor parallelism divides the chips",
        check: (v) =>
            when(v.tensorParallelSize !== 0 && tpuChips(v) % v.tensorParallelSize !== 0, () =>
                bad("tensorParallelSize", v.tensorParallelSize, `must divide the ${tpuChips(v)} TPU chips of ${v.tpuMachineType} (allowed: ${divisors(tpuChips(v)).join(", ")})`),
            ),
    },
    {
        name: "chart repository and chart agree",
        check: (v) =>
            CHARTS.flatMap((c) => {
                const repo = v[`${c}ChartRepo`];
                const chart = v[`${c}Chart`];
                if (repo.startsWith("oci://") && chart.startsWith("oci://")) {
                    return [
                        bad(
                            `${c}ChartRepo`,
                            repo,
                            `is joined with ${c}Chart, which is already a full oci:// reference (${chart}): set ${c}ChartRepo to "" (pulumi config set ${c}ChartRepo "") or ${c}Chart to the bare chart name`,
                        ),
                    ];
                }
                return when(repo === "" && !chart.startsWith("oci://"), () => bad(`${c}Chart`, chart, `must be an oci:// reference when ${c}ChartRepo is empty`));
            }),
    },
    {
        name: "Istio version the Sail operator deploys",
        check: (v) => {
            const deployable = SAIL_ISTIO_VERSIONS[v.sailOperatorVersion];
            if (deployable) {
                return when(!deployable.includes(v.istioVersion), () =>
                    bad("istioVersion", v.istioVersion, `must be one the Sail operator ${v.sailOperatorVersion} deploys and this stack supports: ${deployable.join(", ")}`),
                );
            }
            return when(istioMinor(v) < MIN_ISTIO_MINOR, () => bad("istioVersion", v.istioVersion, `must be Istio 1.${MIN_ISTIO_MINOR} or later (Gateway API Inference Extension)`));
        },
    },
    {
        name: "KServe release",
        check: (v) => {
            const release = kserveRelease(v.kserveVersion);
            if (!v.installOperators) return [];
            if (release?.unsupported) return [bad("kserveVersion", v.kserveVersion, `${release.title} cannot be deployed by this stack: ${release.unsupported}`)];
            return when(!release && !v.allowUntestedVersions, () => bad("kserveVersion", v.kserveVersion, `is not a KServe chart this stack is tested with (3.4.0-ea.1-dev-<commit>); ${UNTESTED_HINT}`));
        },
    },
    {
        name: "tested operator versions",
        check: (v) => {
            if (!v.installOperators) return [];
            const release = kserveRelease(v.kserveVersion);
            return [
                ...untested(v, "certManagerVersion", v.certManagerVersion, TESTED_VERSIONS.certManagerVersion, "this cert-manager chart version"),
                ...(v.existingIstio ? [] : untested(v, "sailOperatorVersion", v.sailOperatorVersion, TESTED_VERSIONS.sailOperatorVersion, "this Sail operator chart version")),
                ...untested(v, "leaderWorkerSetVersion", v.leaderWorkerSetVersion, TESTED_VERSIONS.leaderWorkerSetVersion, "this LeaderWorkerSet chart version"),
                ...untested(v, "gatewayApiCrdsUrl", manifestVersion(v.gatewayApiCrdsUrl), TESTED_VERSIONS.gatewayApiCrdsUrl, "this Gateway API release"),
                ...(release && !release.unsupported
                    ? untested(v, "inferenceExtensionCrdsUrl", manifestVersion(v.inferenceExtensionCrdsUrl), release.inferenceExtensionCrds, `with ${release.title}, this Inference Extension release`)
                    : []),
            ];
        },
    },
    {
        name: "EPP image the scoring config is written for",
        check: (v) => {
            // With installOperators = false too: the EPP is the stack's.
            const release = kserveRelease(v.kserveVersion);
            const tested = release && !release.unsupported ? release.eppVersions : EPP_VERSIONS;
            return untested(v, "eppImage", imageTag(v.eppImage) ?? v.eppImage, tested, "this EPP (llm-d-inference-scheduler) image tag");
        },
    },
    {
        name: "an Istio gateway class",
        check: (v) => {
            if (v.installOperators) {
                return when(v.gatewayClassName !== "istio", () =>
                    bad("gatewayClassName", v.gatewayClassName, "must be istio: the Istio the stack installs serves that GatewayClass, and the stack's EnvoyFilters configure Istio's gateway"),
                );
            }
            return when(v.gatewayClassName.startsWith("gke-") || NON_INGRESS_ISTIO_CLASSES.includes(v.gatewayClassName), () =>
                bad("gatewayClassName", v.gatewayClassName, `must be the platform Istio's ingress GatewayClass (usually istio), not GKE's gke-* or Istio's ${NON_INGRESS_ISTIO_CLASSES.join(", ")}: the stack's EnvoyFilters configure an Istio ingress gateway`),
            );
        },
    },
    {
        name: "gateway child names within 63 characters",
        check: (v) => {
            const children = [`${v.gatewayName}-${v.gatewayClassName}`, ...Object.values(gatewayNames({ name: v.gatewayName }))];
            const long = children.filter((n) => n.length > 63);
            return when(long.length > 0, () => bad("gatewayName", v.gatewayName, `makes names longer than 63 characters: ${long.join(", ")} (Istio names the gateway's Deployment and Service <gatewayName>-<gatewayClassName>)`));
        },
    },
    {
        name: "workload namespace apart from the gateway's",
        check: (v) => when(v.namespace === v.gatewayNamespace, () => bad("namespace", v.namespace, "must differ from gatewayNamespace (the workload namespace has its own lifecycle and Istio injection)")),
    },
    {
        name: "probes start before the wait ends",
        check: (v) =>
            when(v.probeInitialDelaySeconds >= v.readyTimeoutMinutes * 60, () =>
                bad("probeInitialDelaySeconds", v.probeInitialDelaySeconds, `must be shorter than readyTimeoutMinutes (${v.readyTimeoutMinutes} min = ${v.readyTimeoutMinutes * 60} s), or pulumi up always times out`),
            ),
    },
    {
        name: "vLLM flags as vLLM reads them",
        check: (v) => v.vllmExtraArgs.flatMap((entry) => vllmArgFailure(v, entry) ?? []),
    },
    {
        name: "pinned prefix block size is vLLM's",
        check: (v) => {
            const block = tpuBlockSize(v.maxModelLen, v.maxNumSeqs);
            return when(v.prefixBlockSizeTokens !== 0 && v.prefixBlockSizeTokens !== block, () =>
                bad(
                    "prefixBlockSizeTokens",
                    v.prefixBlockSizeTokens,
                    `must equal the block size vLLM uses on TPU, ${block} tokens for maxModelLen = ${v.maxModelLen} and maxNumSeqs = ${v.maxNumSeqs} (or 0 to let the EPP read it)`,
                ),
            );
        },
    },
    {
        name: "pull secret for registry.redhat.io",
        check: (v) => {
            const refs = redHatRefs(v);
            return when(refs.length > 0 && v.redhatPullSecret === "", () => ({
                key: "redhatPullSecret",
                message:
                    `redhatPullSecret is not set, but ${refs.join(", ")} pull from registry.redhat.io: ` +
                    'set it with `pulumi config set --secret redhatPullSecret < auth.json` (a Docker config JSON with an "auths" entry)',
            }));
        },
    },
    {
        name: "Hugging Face token for hf:// models",
        check: (v) =>
            when(v.huggingfaceToken === "" && v.modelUri.startsWith("hf://"), () => ({
                key: "huggingfaceToken",
                message: "huggingfaceToken is not set, but modelUri is a Hugging Face model: set it with `pulumi config set --secret huggingfaceToken hf_...`",
            })),
    },
];

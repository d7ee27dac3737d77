import * as pulumi from "@pulumi/pulumi";
import { CROSS_KEY_CHECKS, Failure, chartRef, istioMinor, manifestVersion, tpuChips } from "./checks";
import { inferencePoolApi } from "./compatibility";
import { STACK_NAMES, stackIssuer } from "./names";
import { CONFIG, ConfigKeyName, ConfigValues, KeySpec } from "./schema";
import { TPU_V6E_MACHINES } from "./tpu";
import { ChartSource, StackConfig } from "./types";
import { DEFAULT_SOURCES } from "./versions";

export * from "./types";
export { compareGkeVersions } from "./schema";

/** Pulumi config namespace of this project (the `name:` in Pulumi.yaml). */
export const PROJECT_NAME = "tpu-inference";

/** Upper bound for replicas: one TPU node each; far above the guide's 3, below anything a typo could order. */
export const MAX_REPLICAS = 64;

/** Keys earlier versions of the stack had, and what replaced them. */
const RETIRED_KEYS: Record<string, string> = {
    prefixBlockSize:
        "it was the prefix-cache scorer's block size in characters, which the pinned EPP (GIE v1.4.0) refuses at start-up; " +
        "remove it (the EPP then reads vLLM's block size itself) or set prefixBlockSizeTokens",
};

/** Config namespaces of the providers the program uses: their keys are theirs (e.g. gcp:project). */
const PROVIDER_NAMESPACES = ["gcp", "kubernetes", "random", "pulumi"];

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
    /** Full keys (`namespace:name`) in other namespaces than the project's. */
    otherKeys?: readonly string[];
}

const KEYS = Object.keys(CONFIG) as ConfigKeyName[];
const spec = (key: ConfigKeyName): KeySpec<unknown> => CONFIG[key] as KeySpec<unknown>;

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The key a near-miss most likely meant: case-insensitively within a quarter of its length (at least 2 edits). */
export function closestKey(name: string): ConfigKeyName | undefined {
    const lower = name.toLowerCase();
    const scored = KEYS.map((k) => ({ k, d: distance(lower, k.toLowerCase()) })).sort((a, b) => a.d - b.d);
    return scored[0].d <= Math.max(2, Math.floor(name.length / 4)) ? scored[0].k : undefined;
}

const didYouMean = (name: string) => {
    const key = closestKey(name);
    return key ? `did you mean ${PROJECT_NAME}:${key}?` : 'see README, "Configuration"';
};

/** Keys the program would never read: unknown, retired, or under a misspelt project namespace. */
function keyProblems(raw: RawConfig): string[] {
    const own = Object.entries(raw.values)
        .filter(([key, value]) => value !== undefined && !(key in CONFIG))
        .map(([key]) => (RETIRED_KEYS[key] ? `${PROJECT_NAME}:${key} is no longer a config key: ${RETIRED_KEYS[key]}` : `${PROJECT_NAME}:${key} is not a config key of this project: ${didYouMean(key)}`));
    const foreign = (raw.otherKeys ?? []).flatMap((full) => {
        const [ns, ...rest] = full.split(":");
        const name = rest.join(":");
        const misspelt = distance(ns, PROJECT_NAME) <= 3;
        if (PROVIDER_NAMESPACES.includes(ns) || !(misspelt || name in CONFIG)) return [];
        return [`${full} is not in this project's namespace (${PROJECT_NAME}), so the program never reads it: ${didYouMean(name)}`];
    });
    return [...own, ...foreign];
}

/** A secret in plain text, or a plain key set with --secret (its value would land in plain text): one message. */
function secrecyProblem(raw: RawConfig, key: ConfigKeyName): string | undefined {
    const value = raw.values[key];
    if (spec(key).secret) {
        return value !== undefined && value !== "" && !raw.secretKeys.has(key) ? `${PROJECT_NAME}:${key} is stored in plain text: set it with \`pulumi config set --secret ${key}\`` : undefined;
    }
    if (!raw.secretKeys.has(key)) return undefined;
    return (
        `${PROJECT_NAME}:${key} is set with --secret, but it is not a secret key: the stack would put its value in plain text ` +
        `(resource inputs, the LLMInferenceService, rendered manifests); set it without --secret (pulumi config set ${key} <value>)`
    );
}

/** Reads a raw string as the key's type; undefined when it is not one. */
function decode(type: KeySpec["type"], raw: string): unknown {
    if (type === "string") return raw;
    if (type === "integer") return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
    if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : undefined;
    try {
        return JSON.parse(raw) as unknown;
    } catch {
        return undefined;
    }
}

const shown = (key: ConfigKeyName, value: unknown) => (spec(key).secret ? "[secret]" : JSON.stringify(value));

/** One key against its own rule: its value, or the message it gets. */
function readKey(raw: RawConfig, key: ConfigKeyName): { value: unknown } | { problem: string } {
    const s = spec(key);
    const text = raw.values[key];
    if (text === undefined) {
        if (s.default === undefined) return { problem: `${PROJECT_NAME}:${key} is not set: ${s.allowed} (pulumi config set ${key} <value>)` };
        return { value: s.default };
    }
    const value = decode(s.type, text);
    const result = s.rule.safeParse(value, { error: () => s.allowed });
    if (result.success) return { value: result.data };
    const allowed = result.error.issues[0].message;
    if (text === "") {
        const unset = s.default === undefined ? "" : `; remove it to take the default (pulumi config rm ${key})`;
        return { problem: `${PROJECT_NAME}:${key} is empty: ${allowed}${unset}` };
    }
    return { problem: `${PROJECT_NAME}:${key} = ${shown(key, value ?? text)}: ${allowed}` };
}

/** Runs the cross-key checks over the keys that passed; a check reading a failed key is skipped. */
function crossKeyProblems(values: ConfigValues, failed: Set<ConfigKeyName>): string[] {
    const skip = Symbol("skip");
    const guarded = new Proxy(values, {
        get(target, key) {
            if (failed.has(key as ConfigKeyName)) throw skip;
            return target[key as ConfigKeyName];
        },
    });
    const problems: string[] = [];
    for (const { check } of CROSS_KEY_CHECKS) {
        let failures: Failure[];
        try {
            failures = check(guarded);
        } catch (err) {
            if (err === skip) continue;
            throw err;
        }
        for (const f of failures) {
            failed.add(f.key);
            problems.push(`${PROJECT_NAME}:${f.message}`);
        }
    }
    return problems;
}

/** Parses and validates raw config into the typed StackConfig. Pure: no Pulumi engine needed. */
export function parseConfig(raw: RawConfig): StackConfig {
    const problems = keyProblems(raw);
    const failed = new Set<ConfigKeyName>();
    const values: Partial<Record<ConfigKeyName, unknown>> = {};
    for (const key of KEYS) {
        const secrecy = secrecyProblem(raw, key);
        const read = secrecy ? { problem: secrecy } : readKey(raw, key);
        if ("problem" in read) {
            failed.add(key);
            problems.push(read.problem);
        } else {
            values[key] = read.value;
        }
    }
    problems.push(...crossKeyProblems(values as ConfigValues, failed));
    if (problems.length > 0) throw new StackConfigError(problems);
    return stackConfig(values as ConfigValues, raw.stack);
}

/** The typed configuration the components receive, from values that passed every rule. */
function stackConfig(v: ConfigValues, stack: string): StackConfig {
    const chart = (prefix: "certManager" | "sailOperator" | "leaderWorkerSet" | "kserve"): ChartSource => ({
        ...chartRef(v, prefix),
        version: v[`${prefix}Version`],
        namespace: DEFAULT_SOURCES[prefix].namespace,
        values: v[`${prefix}ChartValues`] === "" ? {} : (JSON.parse(v[`${prefix}ChartValues`]) as Record<string, unknown>),
    });
    const unsetIfEmpty = (s: string) => (s === "" ? undefined : s);
    const secret = (s: string) => (s === "" ? undefined : pulumi.secret(s));
    return {
        projectName: PROJECT_NAME,
        stack,
        cluster: {
            project: v.project,
            zone: v.zone,
            region: v.zone.replace(/-[a-z]$/, ""),
            name: v.clusterName,
            releaseChannel: v.releaseChannel,
            minMasterVersion: unsetIfEmpty(v.minMasterVersion),
            deletionProtection: v.deletionProtection,
            deleteUnreachable: v.deleteUnreachable,
            maintenance: {
                ...(v.maintenanceWindow ? { window: { days: v.maintenanceWindowDays, start: v.maintenanceWindowStart, hours: v.maintenanceWindowHours } } : {}),
                exclusions: v.maintenanceExclusions,
            },
            cpuPool: { machineType: v.cpuMachineType, initialNodeCount: v.cpuNodeCount, minNodes: v.cpuMinNodes, maxNodes: v.cpuMaxNodes, diskSizeGb: v.cpuDiskSizeGb },
            tpuPool: {
                ...TPU_V6E_MACHINES[v.tpuMachineType],
                nodeCount: v.replicas,
                surgeNodes: v.tpuSurgeNodes,
                spot: v.tpuSpot,
                reservation: unsetIfEmpty(v.tpuReservation),
                diskSizeGb: v.tpuDiskSizeGb,
                capacity: {
                    mode: v.tpuCapacityMode,
                    sources: v.tpuCapacityMode === "computeClass" ? v.tpuCapacitySources : [v.tpuReservation ? "reservation" : v.tpuSpot ? "spot" : "onDemand"],
                },
                flexStartMaxRunDurationSeconds: v.tpuFlexStartMaxRunDurationSeconds,
                autoUpgrade: v.tpuAutoUpgrade,
                upgrade: { maxSurge: v.tpuUpgradeMaxSurge, maxUnavailable: v.tpuUpgradeMaxUnavailable },
            },
        },
        operators: {
            install: v.installOperators,
            crdOwner: v.crdOwner,
            existingIstio: v.existingIstio,
            meshFlavor: v.meshFlavor,
            istioMinor: istioMinor(v),
            sources: {
                certManager: chart("certManager"),
                sailOperator: chart("sailOperator"),
                leaderWorkerSet: chart("leaderWorkerSet"),
                kserve: chart("kserve"),
                gatewayApiCrds: { url: v.gatewayApiCrdsUrl, version: manifestVersion(v.gatewayApiCrdsUrl) },
                inferenceExtensionCrds: { url: v.inferenceExtensionCrdsUrl, version: manifestVersion(v.inferenceExtensionCrdsUrl) },
                istioVersion: v.istioVersion,
            },
        },
        gateway: {
            name: v.gatewayName,
            namespace: v.gatewayNamespace,
            className: v.gatewayClassName,
            port: v.gatewayPort,
            httpsPort: v.gatewayHttpsPort,
            plainHttp: v.gatewayPlainHttp,
            exposure: v.gatewayExposure,
            sourceRanges: v.gatewaySourceRanges,
            hostname: unsetIfEmpty(v.gatewayHostname),
            auth:
                v.authIssuer === ""
                    ? { mode: "stack", issuer: stackIssuer(PROJECT_NAME, stack), clients: v.authClients, openHealth: v.authOpenHealth }
                    : { mode: "external", issuer: v.authIssuer, jwksUri: v.authJwksUri, openHealth: v.authOpenHealth },
            replicas: v.gatewayReplicas,
            maxReplicas: v.gatewayMaxReplicas,
        },
        workload: {
            namespace: v.namespace,
            serviceName: v.serviceName,
            model: { uri: v.modelUri, name: v.modelName },
            replicas: v.replicas,
            vllm: {
                image: v.vllmImage,
                maxModelLen: v.maxModelLen,
                maxNumSeqs: v.maxNumSeqs,
                dtype: v.dtype,
                tensorParallelSize: v.tensorParallelSize || tpuChips(v),
                extraArgs: v.vllmExtraArgs,
                probeInitialDelaySeconds: v.probeInitialDelaySeconds,
                readyTimeoutMinutes: v.readyTimeoutMinutes,
                terminationGracePeriodSeconds: v.vllmTerminationGracePeriodSeconds,
            },
            scheduler: {
                image: v.eppImage,
                prefixCacheWeight: v.prefixCacheWeight,
                loadWeight: v.loadWeight,
                blockSizeTokens: v.prefixBlockSizeTokens || undefined,
                failOpen: v.eppFailureMode === "open",
                maxPrefixBlocksToMatch: v.maxPrefixBlocksToMatch,
                lruCapacityPerServer: v.lruCapacityPerServer || undefined,
            },
            networkPolicies: v.networkPolicies,
            metricsNamespace: unsetIfEmpty(v.metricsNamespace),
            inferencePool: inferencePoolApi(v.meshFlavor, istioMinor(v)),
        },
        monitoring: {
            enabled: v.monitoring,
            scrapeIntervalSeconds: v.metricsScrapeIntervalSeconds,
            ...(v.alerts
                ? { alerts: { notificationChannel: v.alertNotificationChannel, queueThreshold: v.alertQueueThreshold, forMinutes: v.alertQueueMinutes, errorPercent: v.alert5xxPercent } }
                : {}),
        },
        secrets: { redhatPullSecret: secret(v.redhatPullSecret), huggingfaceToken: secret(v.huggingfaceToken) },
        secretNames: { pullSecret: STACK_NAMES.pullSecret, huggingfaceToken: STACK_NAMES.huggingfaceTokenSecret },
    };
}

/** Reads this stack's config from the Pulumi engine and validates it (throws StackConfigError with every problem). */
export function loadConfig(): StackConfig {
    const values: Record<string, string | undefined> = {};
    const secretKeys = new Set<string>();
    const otherKeys: string[] = [];
    const prefix = `${PROJECT_NAME}:`;
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) {
            otherKeys.push(fullKey);
            continue;
        }
        const key = fullKey.slice(prefix.length);
        values[key] = value;
        if (isConfigSecret(fullKey)) secretKeys.add(key);
    }
    return parseConfig({ values, secretKeys, otherKeys, stack: pulumi.getStack() });
}




function isConfigSecret(fullKey: string): boolean {
    // The SDK knows which keys were set with --secret (runtime/config.js) but does not declare the accessor.
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return runtime.isConfigSecret?.(fullKey) ?? false;
}

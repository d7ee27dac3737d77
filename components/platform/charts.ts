import * as k8s from "@pulumi/kubernetes";

import { ChartSource } from "../../config/types";

/**
 * Helm releases of the platform operators and their chart values. Pure: source, version, namespace and the user's
 * extra values always come from `config.operators.sources` (pinned in config/versions.ts, overridable per stack),
 * never from here.
 */

export interface ReleaseSpec {
    /** Helm release name (fixed, see RELEASE_NAMES). */
    name: string;
    source: ChartSource;
    /** The stack's own values; `source.values` (stack config) is merged over them. */
    values: Record<string, unknown>;
    /** How long Helm waits for the release's workloads (and hook Jobs) to be ready. */
    timeoutSeconds: number;
    /** false: Helm runs none of the chart's hooks, on install or upgrade (the stack creates what they would). */
    hooks?: boolean;
}

export function releaseArgs(spec: ReleaseSpec): k8s.helm.v3.ReleaseArgs {
    const { source } = spec;
    return {
        name: spec.name,
        chart: source.chart,
        version: source.version,
        // An oci:// chart carries its registry in `chart`; config has already joined an oci:// repository with the
        // chart name, so `repo` here is https:// or empty. A repository URL next to an oci:// chart is ignored, so
        // overriding only the chart of a repository default works; a repository chart needs the repository URL.
        ...(source.repo && !isOciChart(source.chart) ? { repositoryOpts: { repo: source.repo } } : {}),
        namespace: source.namespace,
        // The namespace is a stack resource: destroy then removes it, and waits for what is left inside to go.
        createNamespace: false,
        values: mergeValues(spec.values, source.values),
        // Helm --wait: the release counts as created only when its Deployments are available and hook Jobs done,
        // so custom resources and webhooks that depend on it never hit an operator that is not up yet.
        skipAwait: false,
        waitForJobs: true,
        timeout: spec.timeoutSeconds,
        skipCrds: false,
        // The provider sets Helm's DisableHooks from disableWebhooks on install and from disableCRDHooks on upgrade.
        ...(spec.hooks === false ? { disableWebhooks: true, disableCRDHooks: true } : {}),
    };
}

function isOciChart(chart: string): boolean {
    return chart.startsWith("oci://");
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `override` deep-merged over `base`, as Helm merges `-f` files: objects key by key, anything else (arrays included)
 * replaced whole, so a user's `imagePullSecrets` list is exactly what they wrote. A `null` is kept, because Helm
 * reads it as "delete this key from the chart's defaults". Neither argument is modified.
 */
export function mergeValues(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
    // A Map, so a key such as `__proto__` from parsed JSON stays a plain key.
    const merged = new Map(Object.entries(base));
    for (const [key, value] of Object.entries(override)) {
        const current = merged.get(key);
        merged.set(key, isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value);
    }
    return Object.fromEntries(merged);
}

/** `imagePullSecrets` as a list of names (Sail chart, Istio values). */
function secretNames(pullSecretName?: string): string[] | undefined {
    return pullSecretName ? [pullSecretName] : undefined;
}

/** `imagePullSecrets` as LocalObjectReferences (jetstack and LWS charts). */
function secretRefs(pullSecretName?: string): { name: string }[] | undefined {
    return pullSecretName ? [{ name: pullSecretName }] : undefined;
}

function defined(values: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/**
 * jetstack cert-manager chart: CRDs installed and upgraded by the chart (`crds.enabled`, the v1.15+ successor of
 * `installCRDs`) and kept on uninstall (`crds.keep`) so an accidental release replacement cannot delete every
 * Certificate in the cluster. Leader election stays in cert-manager's own namespace instead of kube-system.
 */
export function certManagerValues(namespace: string, pullSecretName?: string): Record<string, unknown> {
    return {
        crds: { enabled: true, keep: true },
        global: defined({
            leaderElection: { namespace },
            imagePullSecrets: secretRefs(pullSecretName),
        }),
    };
}

/** Sail operator chart: upstream images need no credentials; a Red Hat build (OSSM) pulls with the pull secret. */
export function sailOperatorValues(pullSecretName?: string): Record<string, unknown> {
    return defined({ imagePullSecrets: secretNames(pullSecretName) });
}

/** LeaderWorkerSet chart (registry.k8s.io image; a Red Hat build pulls with the pull secret). */
export function leaderWorkerSetValues(pullSecretName?: string): Record<string, unknown> {
    return defined({ imagePullSecrets: secretRefs(pullSecretName) });
}

/**
 * The KServe EA1 chart is pre-rendered and takes no values. Its dev build pulls public images (quay.io/opendatahub,
 * mirrored to ghcr.io), so the controller needs no pull secret; the Red Hat build is refused in config (see
 * config/compatibility.ts). Another build that does take values gets them from `kserveChartValues`.
 */
export function kserveValues(): Record<string, unknown> {
    return {};
}

import { kserveRelease } from "../../config/compatibility";
import { STACK_NAMES } from "../../config/names";
import { ChartSource, StackConfig } from "../../config/types";

/**
 * Which platform namespaces get a copy of the registry.redhat.io pull Secret: only those where a pod really pulls
 * from that registry. Each copy is one more place the credential can be read from, so the default upstream sources
 * (jetstack, Sail, registry.k8s.io, ghcr.io) get none; the workload namespace (the vLLM image) is the workload's
 * own business (components/workload). A chart, or Helm values, pointing at registry.redhat.io put the secret in
 * that chart's namespace; a Red Hat mesh build (meshFlavor ossm, or a Sail chart or values on the registry) in every
 * namespace that runs mesh images: the operator's, istiod's, the CNI agent's and the gateway's.
 */

const RED_HAT_REGISTRY = "registry.redhat.io/";

/** A chart whose reference or values name an image or chart on registry.redhat.io. */
export function pullsFromRedHat(source: ChartSource): boolean {
    return [source.repo, source.chart, JSON.stringify(source.values)].some((text) => text.includes(RED_HAT_REGISTRY));
}

export function pullSecretNamespaces(config: StackConfig): string[] {
    const { operators, gateway } = config;
    const src = operators.sources;
    const namespaces = new Set<string>();
    if (pullsFromRedHat(src.certManager)) namespaces.add(src.certManager.namespace);
    if (pullsFromRedHat(src.leaderWorkerSet)) namespaces.add(src.leaderWorkerSet.namespace);
    if (pullsFromRedHat(src.kserve) || kserveRelease(src.kserve.version)?.imagesOnRedHatRegistry) namespaces.add(src.kserve.namespace);
    if (pullsFromRedHat(src.sailOperator) || operators.meshFlavor === "ossm") {
        if (!operators.existingIstio) namespaces.add(src.sailOperator.namespace);
        for (const ns of [STACK_NAMES.istioNamespace, STACK_NAMES.istioCniNamespace, gateway.namespace]) namespaces.add(ns);
    }
    return [...namespaces].sort();
}

/** The workload namespace needs the secret when the vLLM or EPP image (or KServe's own images there) is on the registry. */
export function workloadPullsFromRedHat(config: StackConfig): boolean {
    const images = [config.workload.vllm.image, config.workload.scheduler.image];
    return images.some((image) => image.startsWith(RED_HAT_REGISTRY)) || kserveRelease(config.operators.sources.kserve.version)?.imagesOnRedHatRegistry === true;
}

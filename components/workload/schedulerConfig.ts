import { stringify } from "yaml";
import { KSERVE_TLS_DIR, kserveNames, MAIN_CONTAINER, PORTS } from "../../config/names";
import { SchedulerConfig, StackConfig } from "../../config/types";
import {
    EPP_CONFIG_API_VERSION,
    EPP_CONFIG_KIND,
    EPP_PLUGINS,
    EndpointPickerConfig,
    PrefixCacheScorerParameters,
    endpointPickerConfigSchema,
} from "../../crds/endpointPicker";
import { PodSpec } from "../../crds/kserve";

/**
 * The EPP (llm-d inference scheduler) as this stack runs it: its image and flags go into the service's
 * `router.scheduler.template` (container `main`), the only place the EA1 CRD takes them (`router.scheduler` has
 * just `pool` and `template`). The controller strategic-merges this template over its well-known
 * `kserve-config-llm-scheduler`, so the ports, probes, security context and the `tls-certs` volume stay KServe's;
 * `args` is an atomic list, which is why the full flag set is given here.
 *
 * A namespaced `LLMInferenceServiceConfig` named `kserve-config-llm-scheduler` would also work, but it replaces the
 * well-known config wholesale for every service in the namespace and has to repeat all of it (volumes, probes,
 * templated names). The per-service template changes only what this stack means to change.
 */

export const EPP_PROFILE = "default";

/**
 * Prefix-cache-aware scoring, explicit rather than left to the image's defaults: the prefix-cache scorer (what
 * keeps requests with a shared prompt prefix on the replica that already holds it) and the load-aware scorer
 * (what stops one hot prefix from piling everything on one replica), weighted from config, the highest total score
 * wins. A scorer with weight 0 is left out: the EPP would compute it for nothing.
 */
export function endpointPickerConfig(scheduler: SchedulerConfig): EndpointPickerConfig {
    const scorers = [
        {
            plugin: {
                type: EPP_PLUGINS.prefixCacheScorer,
                parameters: prefixCacheScorerParameters(scheduler),
            },
            weight: scheduler.prefixCacheWeight,
        },
        { plugin: { type: EPP_PLUGINS.loadAwareScorer }, weight: scheduler.loadWeight },
    ].filter((s) => s.weight > 0);
    return {
        apiVersion: EPP_CONFIG_API_VERSION,
        kind: EPP_CONFIG_KIND,
        plugins: [
            ...scorers.map((s) => s.plugin),
            { type: EPP_PLUGINS.maxScorePicker },
            { type: EPP_PLUGINS.singleProfileHandler },
        ],
        schedulingProfiles: [
            {
                name: EPP_PROFILE,
                plugins: [...scorers.map((s) => ({ pluginRef: s.plugin.type, weight: s.weight })), { pluginRef: EPP_PLUGINS.maxScorePicker }],
            },
        ],
    };
}

/**
 * prefix-cache-scorer parameters. By default the scorer tunes itself (`autoTune`): it reads vLLM's real block size
 * and KV-cache capacity from `vllm:cache_config_info`, so the EPP's blocks are vLLM's blocks whatever the TPU
 * backend chose. A block size pinned in config (in tokens, the unit of GIE v1.4.0) turns auto-tuning off, since
 * auto-tuning would overrule it. A capacity is only sent when set; otherwise the scorer derives or defaults it.
 */
export function prefixCacheScorerParameters(scheduler: SchedulerConfig): PrefixCacheScorerParameters {
    return {
        ...(scheduler.blockSizeTokens === undefined ? {} : { autoTune: false, blockSizeTokens: scheduler.blockSizeTokens }),
        maxPrefixBlocksToMatch: scheduler.maxPrefixBlocksToMatch,
        ...(scheduler.lruCapacityPerServer === undefined ? {} : { lruCapacityPerServer: scheduler.lruCapacityPerServer }),
    };
}

/** The config as the EPP reads it from `--config-text`, checked against the pinned EPP's model first. */
export function endpointPickerConfigText(scheduler: SchedulerConfig): string {
    return stringify(endpointPickerConfigSchema.parse(endpointPickerConfig(scheduler)));
}

/**
 * EPP flags: the EA1 template's set (pool, TLS serving with KServe's certificate, HTTPS metrics scraping of vLLM)
 * with the pool named literally, plus the scoring config. `--secure-serving` makes the EPP itself terminate the
 * gateway's TLS on 9002 (see envoyFilters.ts for which TLS layer that is).
 */
export function eppArgs(config: StackConfig): string[] {
    const names = kserveNames(config.workload);
    return [
        "--pool-name",
        names.inferencePool,
        "--pool-namespace",
        names.namespace,
        // Defaults to the v1 group: always named, so it is the pool the mesh routes to.
        "--pool-group",
        config.workload.inferencePool.group,
        // Accepted but a no-op at GIE v1.4.0 (the logger is always JSON): kept for parity with KServe's template.
        "--zap-encoder",
        "json",
        "--grpc-port",
        String(PORTS.eppGrpc),
        "--grpc-health-port",
        String(PORTS.eppHealth),
        "--secure-serving",
        "--cert-path",
        KSERVE_TLS_DIR,
        // KServe re-issues its certificate when pod IPs change; without this the EPP serves the first one until restart.
        "--enable-cert-reload",
        "--model-server-metrics-scheme",
        "https",
        "--config-text",
        endpointPickerConfigText(config.workload.scheduler),
    ];
}

/** `router.scheduler.template`: the EPP image and flags, and the pull secret when one is configured. */
export function schedulerTemplate(config: StackConfig, pullSecretName?: string): PodSpec {
    return {
        containers: [{ name: MAIN_CONTAINER, image: config.workload.scheduler.image, args: eppArgs(config) }],
        ...(pullSecretName ? { imagePullSecrets: [{ name: pullSecretName }] } : {}),
    };
}

import { z } from "zod";

/**
 * The EPP's `EndpointPickerConfig` (`--config-text`) as the pinned scheduler reads it: llm-d-inference-scheduler
 * v0.7.0, built on gateway-api-inference-extension v1.4.0 (docs/UPSTREAM.md, rows "EPP config" and "prefix-cache-scorer").
 *
 * The EPP decodes the top level strictly but each plugin's `parameters` with a plain JSON unmarshal, so a misspelt
 * or retired parameter is ignored without a word, and one retired parameter (`blockSize`, in characters) even stops
 * the EPP at start-up. The parameter models below are therefore strict, written from the plugins' config structs:
 * anything the source does not declare fails validation here instead of on the cluster.
 */

export const EPP_CONFIG_API_VERSION = "inference.networking.x-k8s.io/v1alpha1";
export const EPP_CONFIG_KIND = "EndpointPickerConfig";

/** Plugin types (their registered names) the stack's profile is made of. */
export const EPP_PLUGINS = {
    prefixCacheScorer: "prefix-cache-scorer",
    loadAwareScorer: "load-aware-scorer",
    maxScorePicker: "max-score-picker",
    singleProfileHandler: "single-profile-handler",
} as const;

const positiveInt = z.number().int().positive();

/**
 * prefix-cache-scorer `Config` at GIE v1.4.0. `autoTune` (default true) takes the block size and the per-server
 * capacity from vLLM's `vllm:cache_config_info`; `blockSizeTokens` and `lruCapacityPerServer` are the fallbacks it
 * uses otherwise. `blockSize` is deliberately absent: set without `blockSizeTokens` it fails plugin creation.
 */
export const prefixCacheScorerParametersSchema = z.strictObject({
    autoTune: z.boolean().optional(),
    blockSizeTokens: positiveInt.optional(),
    maxPrefixBlocksToMatch: positiveInt.optional(),
    lruCapacityPerServer: positiveInt.optional(),
});

/** load-aware-scorer (llm-d v0.7.0): the queue length at which a server scores 0. */
export const loadAwareScorerParametersSchema = z.strictObject({
    threshold: positiveInt.optional(),
});

/** max-score-picker (GIE v1.4.0): how many endpoints it returns (default 1). */
export const maxScorePickerParametersSchema = z.strictObject({
    maxNumOfEndpoints: positiveInt.optional(),
});

/** single-profile-handler takes no parameters: an object with any key is refused. */
const noParameters = z.strictObject({});

const PARAMETER_SCHEMAS: Record<string, z.ZodType> = {
    [EPP_PLUGINS.prefixCacheScorer]: prefixCacheScorerParametersSchema,
    [EPP_PLUGINS.loadAwareScorer]: loadAwareScorerParametersSchema,
    [EPP_PLUGINS.maxScorePicker]: maxScorePickerParametersSchema,
    [EPP_PLUGINS.singleProfileHandler]: noParameters,
};

export const endpointPickerPluginSchema = z
    .strictObject({
        type: z.enum(Object.values(EPP_PLUGINS) as [string, ...string[]]),
        name: z.string().min(1).optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
    })
    .superRefine((plugin, ctx) => {
        if (plugin.parameters === undefined) return;
        const result = PARAMETER_SCHEMAS[plugin.type].safeParse(plugin.parameters);
        if (!result.success) {
            for (const issue of result.error.issues) {
                ctx.addIssue({ code: "custom", path: ["parameters", ...issue.path], message: `${plugin.type}: ${issue.message}` });
            }
        }
    });

/**
 * The top level, strict like the EPP's own decoder. Only what the stack sets is modelled (the EPP also has
 * `featureGates`, `saturationDetector`, `data` and `flowControl`), so anything else is a change to review.
 */
export const endpointPickerConfigSchema = z.strictObject({
    apiVersion: z.literal(EPP_CONFIG_API_VERSION),
    kind: z.literal(EPP_CONFIG_KIND),
    plugins: z.array(endpointPickerPluginSchema).min(1),
    schedulingProfiles: z
        .array(
            z.strictObject({
                name: z.string().min(1),
                plugins: z.array(z.strictObject({ pluginRef: z.string().min(1), weight: z.number().int().min(0).optional() })).min(1),
            }),
        )
        .min(1),
});

export type EndpointPickerPlugin = z.infer<typeof endpointPickerPluginSchema>;
export type EndpointPickerConfig = z.infer<typeof endpointPickerConfigSchema>;
export type PrefixCacheScorerParameters = z.infer<typeof prefixCacheScorerParametersSchema>;

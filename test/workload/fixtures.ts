import { parseConfig } from "../../config";
import { StackConfig } from "../../config/types";
import { TEST_SECRETS } from "../helpers/stack";

/**
 * A validated StackConfig from flat config keys, through the lead's real parser (pure, no engine): the builders
 * are tested on exactly what the program would hand them. Secrets default to the shared test values.
 */
export function stackConfig(values: Record<string, unknown> = {}, secrets: Record<string, string | undefined> = TEST_SECRETS): StackConfig {
    const raw: Record<string, string | undefined> = { project: "test-project" };
    for (const [k, v] of Object.entries(values)) raw[k] = v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
    const secretKeys = new Set<string>();
    for (const [k, v] of Object.entries({ ...TEST_SECRETS, ...secrets })) {
        if (v === undefined) continue;
        raw[k] = v;
        secretKeys.add(k);
    }
    return parseConfig({ values: raw, secretKeys, stack: "test" });
}

/**
 * Config that needs no secret: a model on a PVC, a vLLM image outside registry.redhat.io, and operators the
 * platform team installed (the KServe EA1 chart's own images are on registry.redhat.io).
 */
export const NO_SECRETS_CONFIG = {
    modelUri: "pvc://models/qwen2.5-3b",
    vllmImage: "docker.io/vllm/vllm-tpu:v0.11.1",
    installOperators: false,
} as const;

export const NO_SECRETS = { redhatPullSecret: undefined, huggingfaceToken: undefined };

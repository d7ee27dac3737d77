import { z } from "zod";
import { CERT_MANAGER_API_VERSION, certificateSchema, clusterIssuerSchema } from "./certManager";
import { COMPUTE_CLASS_API_VERSION, COMPUTE_CLASS_KIND, computeClassSchema } from "./computeClass";
import { ENVOY_FILTER_KIND, ISTIO_NETWORKING_API_VERSION, envoyFilterSchema } from "./envoyFilter";
import { GATEWAY_API_VERSION, GATEWAY_KIND, gatewaySchema } from "./gateway";
import { HTTPROUTE_API_VERSION, HTTPROUTE_KIND, httpRouteSchema } from "./httproute";
import { ISTIO_KIND, SAIL_API_VERSION, istioPatchSchema, istioSchema } from "./istio";
import {
    AUTHORIZATION_POLICY_KIND,
    ISTIO_SECURITY_API_VERSION,
    REQUEST_AUTHENTICATION_KIND,
    authorizationPolicySchema,
    requestAuthenticationSchema,
} from "./istioSecurity";
import {
    KSERVE_API_VERSION,
    LLM_INFERENCE_SERVICE_CONFIG_KIND,
    LLM_INFERENCE_SERVICE_KIND,
    llmInferenceServiceConfigSchema,
    llmInferenceServiceSchema,
} from "./kserve";
import { MONITORING_API_VERSION, POD_MONITORING_KIND, podMonitoringSchema } from "./podMonitoring";
import { ISTIO_CNI_KIND, istioCniSchema } from "./sail";

/**
 * Every custom resource kind the stack renders, `apiVersion` + `kind` -> its strict zod model. Tests validate each
 * rendered custom resource against this registry: a kind missing here is a failure, not a pass.
 */

const key = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

export const CUSTOM_RESOURCE_MODELS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
    [key(KSERVE_API_VERSION, LLM_INFERENCE_SERVICE_KIND), llmInferenceServiceSchema],
    [key(KSERVE_API_VERSION, LLM_INFERENCE_SERVICE_CONFIG_KIND), llmInferenceServiceConfigSchema],
    [key(ISTIO_NETWORKING_API_VERSION, ENVOY_FILTER_KIND), envoyFilterSchema],
    [key(ISTIO_SECURITY_API_VERSION, REQUEST_AUTHENTICATION_KIND), requestAuthenticationSchema],
    [key(ISTIO_SECURITY_API_VERSION, AUTHORIZATION_POLICY_KIND), authorizationPolicySchema],
    [key(HTTPROUTE_API_VERSION, HTTPROUTE_KIND), httpRouteSchema],
    [key(GATEWAY_API_VERSION, GATEWAY_KIND), gatewaySchema],
    [key(SAIL_API_VERSION, ISTIO_KIND), istioSchema],
    [key(SAIL_API_VERSION, ISTIO_CNI_KIND), istioCniSchema],
    [key(CERT_MANAGER_API_VERSION, "Certificate"), certificateSchema],
    [key(CERT_MANAGER_API_VERSION, "ClusterIssuer"), clusterIssuerSchema],
    [key(COMPUTE_CLASS_API_VERSION, COMPUTE_CLASS_KIND), computeClassSchema],
    [key(MONITORING_API_VERSION, POD_MONITORING_KIND), podMonitoringSchema],
]);

/** Server-side-apply patches of objects someone else created: only the fields the stack owns. */
export const CUSTOM_RESOURCE_PATCH_MODELS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
    [key(SAIL_API_VERSION, ISTIO_KIND), istioPatchSchema],
]);

export function customResourceModel(apiVersion: string, kind: string, patch = false): z.ZodType | undefined {
    return (patch ? CUSTOM_RESOURCE_PATCH_MODELS : CUSTOM_RESOURCE_MODELS).get(key(apiVersion, kind));
}

export type CustomResourceCheck = { valid: true } | { valid: false; problems: string[] };

/** Validates one rendered object (`apiVersion`, `kind`, `metadata`, `spec`...) against its model. */
export function validateCustomResource(object: unknown, patch = false): CustomResourceCheck {
    const { apiVersion, kind } = (object ?? {}) as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
        return { valid: false, problems: ["object has no apiVersion/kind"] };
    }
    const model = customResourceModel(apiVersion, kind, patch);
    if (!model) return { valid: false, problems: [`no model registered for ${apiVersion} ${kind}${patch ? " (patch)" : ""}`] };
    const result = model.safeParse(object);
    if (result.success) return { valid: true };
    return { valid: false, problems: result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`) };
}

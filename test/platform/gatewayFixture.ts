import { GatewayConfig } from "../../config/types";

/** The default Gateway config, as the parser derives it for stack "test" (builders are tested on it directly). */
export const GATEWAY: GatewayConfig = {
    name: "inference-gateway",
    namespace: "opendatahub",
    className: "istio",
    port: 80,
    replicas: 2,
    maxReplicas: 4,
    httpsPort: 443,
    plainHttp: false,
    exposure: "external",
    sourceRanges: [],
    auth: { mode: "stack", issuer: "tpu-inference/test", clients: ["default"], openHealth: false },
};

/** The namespaces the Gateway admits routes from: the default workload namespace. */
export const ROUTE_NAMESPACES = ["rhaii-inference"];

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { stringify } from "yaml";
import { KSERVE_CHART, KSERVE_PKI, POD_LABELS, gatewayNames, stackLabels } from "../../config/names";
import { GatewayConfig } from "../../config/types";
import { GATEWAY_API_VERSION, GATEWAY_KIND, Gateway, GatewayStatus } from "../../crds/gateway";
import { FOREGROUND_DELETION, awaitAnnotations } from "./annotations";
import { gatewayListeners, gatewayServiceOverlay } from "./gatewayEdge";

/**
 * The inference Gateway and what KServe expects of it, as pure data: the Gateway (Istio class, listeners from
 * gatewayEdge.ts) and the per-Gateway parameters Istio applies to the Deployment and Service it creates. The names
 * linking them are `gatewayNames` (config/names.ts).
 */

/** Istio creates the Deployment and a LoadBalancer Service; GCP takes a minute or two to hand out the address. */
const GATEWAY_TIMEOUT_SECONDS = 900;

/**
 * Strategic-merge overlay Istio applies to the gateway Deployment it generates (Istio 1.24+ per-Gateway
 * `parametersRef`). KServe's DestinationRules make this Envoy verify the workload's TLS certificate against
 * `/var/run/secrets/opendatahub/ca.crt`, so the KServe CA is mounted there (only the `ca.crt` key). The pull secret
 * is listed here too, not only through the mesh's `global.imagePullSecrets`, because an existing Istio may name a
 * different secret.
 */
export function gatewayDeploymentOverlay(gateway: GatewayConfig, pullSecretName?: string): Record<string, unknown> {
    const names = gatewayNames(gateway);
    return {
        spec: {
            template: {
                spec: {
                    volumes: [
                        {
                            name: names.caVolume,
                            secret: {
                                secretName: names.caBundle,
                                items: [{ key: KSERVE_PKI.gatewayCaFile, path: KSERVE_PKI.gatewayCaFile }],
                            },
                        },
                    ],
                    containers: [
                        {
                            name: "istio-proxy",
                            volumeMounts: [{ name: names.caVolume, mountPath: KSERVE_PKI.gatewayCaMountPath, readOnly: true }],
                        },
                    ],
                    ...(pullSecretName ? { imagePullSecrets: [{ name: pullSecretName }] } : {}),
                    // Replicas on different nodes where the CPU pool has them (its floor is 2); never blocks scheduling.
                    topologySpreadConstraints: [
                        {
                            maxSkew: 1,
                            topologyKey: "kubernetes.io/hostname",
                            whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: { [POD_LABELS.gatewayNameKey]: gateway.name } },
                        },
                    ],
                },
            },
        },
    };
}

export interface GatewayParameters {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    /** `service` only when there is something to change on Istio's Service (gatewayEdge.ts). */
    data: { deployment: string; service?: string; horizontalPodAutoscaler: string; podDisruptionBudget: string };
}

/**
 * Overlays on the HorizontalPodAutoscaler and PodDisruptionBudget Istio renders for the Gateway (Istio 1.26+ per-Gateway
 * parameters; docs/UPSTREAM.md "Istio gateway parameters: HPA and PDB keys"). Istio creates either only when its key
 * is present, with `scaleTargetRef` on its Deployment and the PDB selecting its pods by gateway name; the overlays
 * add the numbers. Istio's Deployment has no `replicas`, so the HPA owns the count: at least `gatewayReplicas`,
 * scaling out on CPU. The budget lets voluntary disruptions (node upgrades, scale-down) take one gateway pod at a
 * time; `maxUnavailable` rather than `minAvailable` so that it never blocks a drain, even with one replica.
 */
export function gatewayAutoscalingOverlays(gateway: GatewayConfig): { horizontalPodAutoscaler: Record<string, unknown>; podDisruptionBudget: Record<string, unknown> } {
    return {
        horizontalPodAutoscaler: {
            spec: {
                minReplicas: gateway.replicas,
                maxReplicas: gateway.maxReplicas,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }],
            },
        },
        podDisruptionBudget: { spec: { maxUnavailable: 1 } },
    };
}

export function gatewayParameters(gateway: GatewayConfig, pullSecretName?: string): GatewayParameters {
    const service = gatewayServiceOverlay(gateway);
    return {
        metadata: { name: gatewayNames(gateway).parameters, namespace: gateway.namespace, labels: stackLabels("inference-gateway") },
        data: {
            deployment: stringify(gatewayDeploymentOverlay(gateway, pullSecretName)),
            ...(Object.keys(service).length > 0 ? { service: stringify(service) } : {}),
            horizontalPodAutoscaler: stringify(gatewayAutoscalingOverlays(gateway).horizontalPodAutoscaler),
            podDisruptionBudget: stringify(gatewayAutoscalingOverlays(gateway).podDisruptionBudget),
        },
    };
}

/**
 * The Gateway. Creation waits for `status.addresses[0]`: the LoadBalancer IP is the stack's output and routes
 * attach only to a programmed Gateway.
 *
 * Foreground deletion: the Istio-generated Deployment and LoadBalancer Service are dependents of the Gateway
 * (ownerReferences), and the load balancer must be released while the cluster still exists. Foreground propagation
 * makes the API server delete those dependents as part of deleting the Gateway. Istio's ownerReferences do not set
 * `blockOwnerDeletion`, so the Gateway object itself may vanish before the Service's load-balancer finalizer is
 * cleared; the namespace around it is a stack resource whose deletion cannot complete while that Service remains,
 * and the provider waits for it (see PlatformNamespaces), which is what holds the cluster back until GCP has
 * released the forwarding rule.
 */
export function gatewayObject(gateway: GatewayConfig, routeNamespaces: string[]): Gateway {
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: GATEWAY_KIND,
        metadata: {
            name: gateway.name,
            namespace: gateway.namespace,
            labels: stackLabels("inference-gateway"),
            annotations: {
                ...awaitAnnotations("jsonpath={.status.addresses[0].value}", GATEWAY_TIMEOUT_SECONDS),
                ...FOREGROUND_DELETION,
            },
        },
        spec: {
            gatewayClassName: gateway.className,
            listeners: gatewayListeners(gateway, routeNamespaces),
            infrastructure: {
                labels: { ...KSERVE_CHART.gatewayLabel },
                parametersRef: { group: "", kind: "ConfigMap", name: gatewayNames(gateway).parameters },
            },
        },
    };
}

/** The first address in a Gateway's status; fails, naming the Gateway, while there is none. */
export function addressFromStatus(status: GatewayStatus | undefined, id: string): string {
    const address = status?.addresses?.[0]?.value;
    if (!address) throw new Error(`Gateway ${id} has no address in status.addresses: is its LoadBalancer Service provisioned?`);
    return address;
}

/**
 * The address Istio's LoadBalancer Service got, read from the Gateway's status. A preview may see a Gateway that
 * does not exist yet, or a dry-run object whose status holds only the CRD's defaulted conditions: its address is
 * then unknown, not an error. A deployment fails loudly instead of exporting an empty address.
 */
export function gatewayAddressOf(gateway: k8s.apiextensions.CustomResource, id: string): pulumi.Output<string> {
    const status = (gateway as unknown as { status: pulumi.Output<GatewayStatus | undefined> }).status;
    return status.apply((s) => {
        if (pulumi.runtime.isDryRun() && !s?.addresses?.[0]?.value) return pulumi.unknown as unknown as string;
        return addressFromStatus(s, id);
    });
}

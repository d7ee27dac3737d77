import { loadConfig } from "./config";
import { GkeCluster } from "./components/gkeCluster";
import { TpuNodePool } from "./components/tpuNodePool";
import { Platform } from "./components/platform";
import { InferenceService } from "./components/workload";
import { Monitoring } from "./components/monitoring";

// Validated before anything is registered: bad config stops here with every problem listed.
const config = loadConfig();

const gke = new GkeCluster("gke", { cluster: config.cluster, crdOwner: config.operators.crdOwner, managedPrometheus: config.monitoring.enabled });
const tpu = new TpuNodePool(
    "tpu",
    { cluster: config.cluster, clusterName: gke.cluster.name, serviceAccountEmail: gke.nodeServiceAccount.email, provider: gke.provider },
    // TPU nodes start with the node service account: its roles must be granted first.
    { dependsOn: gke.nodeRoleBindings },
);
// Operators need the CPU pool only: they install while TPU nodes are still provisioning.
const platform = new Platform("platform", { config, provider: gke.provider }, { dependsOn: [gke.cpuPool] });
const service = new InferenceService(
    "inference",
    {
        config,
        provider: gke.provider,
        gatewayAddress: platform.gatewayAddress,
        platformReady: platform.ready,
        tpuPool: tpu,
    },
);
const monitoring = new Monitoring("monitoring", { config, provider: gke.provider, workloadNamespace: service.namespace, platformReady: platform.ready });

export const clusterName = gke.cluster.name;
export const zone = config.cluster.zone;
export const kubeconfig = gke.kubeconfig;
export const tpuNodeCount = tpu.nodeCount;
export const tpuChips = tpu.chips;
export const tpuCapacityMode = tpu.capacityMode;
export const tpuCapacitySources = tpu.capacitySources;
export const gatewayIp = platform.gatewayAddress;
export const baseUrl = service.baseUrl;
export const caCertificate = platform.caCertificate;
export const clientTokens = platform.clientTokens;
export const commands = service.commands;
export const replicas = service.replicas;
export const tpuChipsInUse = service.tpuChipsInUse;
export const dashboardUrl = monitoring.dashboardUrl;
export const cacheHitRateQuery = monitoring.cacheHitRateQuery;

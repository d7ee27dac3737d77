import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../../config";
import { GkeCluster } from "../../components/gkeCluster";
import { TpuNodePool } from "../../components/tpuNodePool";
import { Platform } from "../../components/platform";

// index.ts's wiring of the cluster, both pools and the Platform, without the workload: the platform's graph can be
// checked on its own (and while the workload component is absent).
const config = loadConfig();
const gke = new GkeCluster("gke", { cluster: config.cluster, crdOwner: config.operators.crdOwner });
const tpu = new TpuNodePool("tpu", {
    cluster: config.cluster,
    clusterName: gke.cluster.name,
    serviceAccountEmail: gke.nodeServiceAccount.email,
});
const platform = new Platform("platform", { config, provider: gke.provider }, { dependsOn: [gke.cpuPool] });

export const gatewayIp = platform.gatewayAddress;
/** Logical names of what workloads must wait for. */
export const ready = pulumi.all(platform.ready.map((r) => r.urn)).apply((urns) => urns.map((u) => u.split("::").pop()));
export const tpuNodeCount = tpu.nodeCount;

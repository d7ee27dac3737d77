import { loadConfig } from "../../config";
import { GkeCluster } from "../../components/gkeCluster";
import { InferenceService } from "../../components/workload";

// The workload on the cluster alone: what the component reads of the API server, and how its objects are ordered,
// can be checked without the platform.
// The gateway address stands in for the platform's Gateway (the mock reports the same one).
const config = loadConfig();
const gke = new GkeCluster("gke", { cluster: config.cluster, crdOwner: config.operators.crdOwner });
const service = new InferenceService("inference", {
    config,
    provider: gke.provider,
    gatewayAddress: "192.0.2.10",
    platformReady: [],
});

export const baseUrl = service.baseUrl;

import { TpuMachine } from "./types";

/** GKE's accelerator label value for every TPU v6e slice. */
export const TPU_V6E_ACCELERATOR = "tpu-v6e-slice";

/** Single-host TPU v6e machine types: chips per VM and the topology label GKE puts on the node. */
export const TPU_V6E_MACHINES: Record<string, TpuMachine> = {
    "ct6e-standard-1t": { machineType: "ct6e-standard-1t", chips: 1, topology: "1x1", accelerator: TPU_V6E_ACCELERATOR },
    "ct6e-standard-4t": { machineType: "ct6e-standard-4t", chips: 4, topology: "2x2", accelerator: TPU_V6E_ACCELERATOR },
    "ct6e-standard-8t": { machineType: "ct6e-standard-8t", chips: 8, topology: "2x4", accelerator: TPU_V6E_ACCELERATOR },
};

/** Zones that offer TPU v6e (europe-west4-b and -c do not). */
export const TPU_V6E_ZONES = [
    "europe-west4-a",
    "us-east5-a",
    "us-east5-b",
    "us-east1-d",
    "us-central1-b",
    "us-south1-a",
    "asia-northeast1-b",
] as const;

/** Taint GKE puts on every TPU node; TPU workloads (and node agents such as Istio CNI) tolerate it. */
export const TPU_TAINT = { key: "google.com/tpu", value: "present", effect: "NoSchedule" } as const;

/** Node labels GKE sets on TPU nodes; GKE Warden rejects TPU pods that do not select both. */
export const TPU_NODE_LABELS = {
    accelerator: "cloud.google.com/gke-tpu-accelerator",
    topology: "cloud.google.com/gke-tpu-topology",
} as const;

/** Extended resource a TPU pod requests. */
export const TPU_RESOURCE = "google.com/tpu";

/** Node label a Pod selects a GKE ComputeClass with (GKE "About custom ComputeClasses", "Request ComputeClasses in workloads"). */
export const COMPUTE_CLASS_LABEL = "cloud.google.com/compute-class";

/** GKE's longest (and default) run duration of a flex-start node: 7 days (GKE flex-start docs). */
export const FLEX_START_MAX_RUN_SECONDS = 7 * 24 * 3600;

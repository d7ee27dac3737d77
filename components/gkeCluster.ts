import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { ClusterConfig, CrdOwner } from "../config/types";
import { kubeconfigOutput } from "./kubeconfig";
import { maintenancePolicy } from "./maintenancePolicy";

export interface GkeClusterArgs {
    cluster: ClusterConfig;
    /** "gke" turns on GKE's managed Gateway API, which then owns the Gateway API CRDs. */
    crdOwner: CrdOwner;
    /** Google Cloud Managed Service for Prometheus' managed collection (`monitoring`, default on); always stated, never left to GKE. */
    managedPrometheus?: boolean;
}

/**
 * The cluster's monitoring: managed collection as configured, and system metrics. The component list is explicit
 * because the provider sends it whenever `monitoringConfig` is set (an empty list when unset), and the GKE API reads
 * an empty list as "disable all monitoring".
 */
export function clusterMonitoringConfig(managedPrometheus: boolean) {
    return { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: managedPrometheus } };
}

/** Roles a GKE node needs and nothing more (logging, monitoring, metadata), per GKE's hardening guide. */
const NODE_SERVICE_ACCOUNT_ROLES = ["roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"];

const OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

/**
 * The zonal GKE cluster, its least-privilege node service account, the CPU node pool and a Kubernetes provider for
 * everything in-cluster. The TPU pool is a separate component so that nothing waiting on this one waits for TPUs.
 */
export class GkeCluster extends pulumi.ComponentResource {
    readonly cluster: gcp.container.Cluster;
    readonly nodeServiceAccount: gcp.serviceaccount.Account;
    /** The node service account's role grants: any node pool using the account waits for them. */
    readonly nodeRoleBindings: gcp.projects.IAMMember[];
    readonly cpuPool: gcp.container.NodePool;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;

    constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:gke:GkeCluster", name, {}, opts);
        const c = args.cluster;

        this.nodeServiceAccount = new gcp.serviceaccount.Account(
            `${name}-nodes`,
            {
                project: c.project,
                accountId: nodeServiceAccountId(c.name),
                displayName: `GKE nodes of ${c.name}`,
            },
            { parent: this },
        );
        this.nodeRoleBindings = NODE_SERVICE_ACCOUNT_ROLES.map(
            (role) =>
                new gcp.projects.IAMMember(
                    `${name}-nodes-${role.split("/")[1]}`,
                    { project: c.project, role, member: this.nodeServiceAccount.member },
                    { parent: this },
                ),
        );

        this.cluster = new gcp.container.Cluster(
            `${name}-cluster`,
            {
                project: c.project,
                name: c.name,
                location: c.zone,
                // Node pools are managed as their own resources; the default pool is created and removed at once.
                removeDefaultNodePool: true,
                initialNodeCount: 1,
                networkingMode: "VPC_NATIVE",
                ipAllocationPolicy: {},
                // Dataplane V2 enforces NetworkPolicies; it can only be chosen at creation.
                datapathProvider: "ADVANCED_DATAPATH",
                releaseChannel: { channel: c.releaseChannel },
                minMasterVersion: c.minMasterVersion,
                workloadIdentityConfig: { workloadPool: `${c.project}.svc.id.goog` },
                addonsConfig: {
                    horizontalPodAutoscaling: { disabled: false },
                    httpLoadBalancing: { disabled: false },
                },
                gatewayApiConfig: { channel: args.crdOwner === "gke" ? "CHANNEL_STANDARD" : "CHANNEL_DISABLED" },
                monitoringConfig: clusterMonitoringConfig(args.managedPrometheus ?? true),
                deletionProtection: c.deletionProtection,
                // Automatic upgrades only in the configured weekly window, outside exclusions (README, "Upgrades of the pools").
                maintenancePolicy: maintenancePolicy(c.maintenance),
            },
            { parent: this, customTimeouts: { create: "30m", update: "30m", delete: "30m" } },
        );

        this.cpuPool = new gcp.container.NodePool(
            `${name}-cpu`,
            {
                project: c.project,
                cluster: this.cluster.name,
                location: c.zone,
                name: "cpu-pool",
                initialNodeCount: c.cpuPool.initialNodeCount,
                autoscaling: { minNodeCount: c.cpuPool.minNodes, maxNodeCount: c.cpuPool.maxNodes },
                management: { autoRepair: true, autoUpgrade: true },
                nodeConfig: {
                    machineType: c.cpuPool.machineType,
                    diskSizeGb: c.cpuPool.diskSizeGb,
                    serviceAccount: this.nodeServiceAccount.email,
                    oauthScopes: OAUTH_SCOPES,
                    workloadMetadataConfig: { mode: "GKE_METADATA" },
                    shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
                },
            },
            // The autoscaler owns the node count once the pool exists.
            {
                parent: this,
                dependsOn: this.nodeRoleBindings,
                // A fixed pool name: a replacement (a new zone or cluster) must delete the old pool first. Machine type
                // and disk size change in place.
                deleteBeforeReplace: true,
                ignoreChanges: ["initialNodeCount"],
                customTimeouts: { create: "30m", update: "30m", delete: "30m" },
            },
        );

        this.kubeconfig = kubeconfigOutput(
            pulumi.interpolate`gke_${c.project}_${c.zone}_${this.cluster.name}`,
            this.cluster.endpoint,
            this.cluster.masterAuth.clusterCaCertificate.apply((ca) => ca ?? ""),
        );

        this.provider = new k8s.Provider(
            `${name}-k8s`,
            // deleteUnreachable is opt-in: an unreachable cluster is also what an expired gcloud login looks like, and
            // forgetting every in-cluster object then skips the waits that release the gateway's load balancer. Unset
            // (not false) by default, so PULUMI_K8S_DELETE_UNREACHABLE=true still works for one command.
            {
                kubeconfig: this.kubeconfig,
                enableServerSideApply: true,
                ...(c.deleteUnreachable ? { deleteUnreachable: true } : {}),
            },
            { parent: this },
        );

        this.registerOutputs({ clusterName: this.cluster.name, kubeconfig: this.kubeconfig });
    }
}

/** Service account IDs are 6-30 characters, start with a letter and end alphanumeric. */
export function nodeServiceAccountId(clusterName: string): string {
    const suffix = "-nodes";
    const stem = clusterName.slice(0, 30 - suffix.length).replace(/-+$/, "");
    return `${stem}${suffix}`;
}

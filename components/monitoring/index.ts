import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { StackConfig } from "../../config/types";
import { alertPolicies } from "./alerts";
import { collectionObjects } from "./collection";
import { dashboardDefinition } from "./dashboard";
import { queries } from "./queries";

export interface MonitoringArgs {
    config: StackConfig;
    provider: k8s.Provider;
    /** The workload Namespace's name as created: the objects in it are created after it and deleted before it. */
    workloadNamespace: pulumi.Input<string>;
    /** The platform (cert-manager's CA issuer, the gateway namespace): the Certificate and PodMonitorings wait for it. */
    platformReady: pulumi.Input<pulumi.Resource>[] | pulumi.Resource[];
}

/** The Cloud Monitoring console page of a dashboard, from its resource name `projects/<number>/dashboards/<id>`. */
export function dashboardUrl(dashboardName: string, project: string): string {
    const id = dashboardName.split("/").pop();
    return `https://console.cloud.google.com/monitoring/dashboards/builder/${id}?project=${project}`;
}

/**
 * Observability (`monitoring = true`, the default): Managed Prometheus scrapes vLLM, the EPP and the gateway's
 * Envoy (see collection.ts), a Cloud Monitoring dashboard shows them, and with `alerts = true` three alert policies
 * notify a channel. With `monitoring = false` the component creates nothing and its outputs are undefined.
 */
export class Monitoring extends pulumi.ComponentResource {
    /** The dashboard in the Cloud console. */
    readonly dashboardUrl?: pulumi.Output<string>;
    /** PromQL for vLLM's prefix-cache hit rate, ready to paste into Metrics Explorer's PromQL tab. */
    readonly cacheHitRateQuery?: string;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tpu-inference:monitoring:Monitoring", name, {}, pulumi.mergeOptions(opts, { providers: [args.provider] }));
        const { config } = args;
        if (!config.monitoring.enabled) {
            this.registerOutputs({});
            return;
        }
        const o = collectionObjects(config);
        const ns = args.workloadNamespace;
        const inNs = <T extends { metadata?: pulumi.Input<object> }>(obj: T): T => ({ ...obj, metadata: { ...(obj.metadata as object), namespace: ns } });
        const afterPlatform = { parent: this, dependsOn: args.platformReady };

        const reader = new k8s.core.v1.ServiceAccount(`${name}-metrics-reader`, inNs(o.metricsReader), { parent: this });
        // The token controller fills the Secret only for an existing ServiceAccount: nothing in the data orders them.
        new k8s.core.v1.Secret(`${name}-metrics-reader-token`, inNs(o.metricsReaderToken), { parent: this, dependsOn: [reader] });
        new k8s.rbac.v1.ClusterRole(`${name}-metrics-reader-role`, o.metricsReaderRole, { parent: this });
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-metrics-reader-binding`, o.metricsReaderBinding, { parent: this });
        new k8s.rbac.v1.Role(`${name}-collector-secrets`, inNs(o.collectorSecretsRole), { parent: this });
        new k8s.rbac.v1.RoleBinding(`${name}-collector-secrets`, inNs(o.collectorSecretsBinding), { parent: this });
        new k8s.apiextensions.CustomResource(`${name}-metrics-ca`, inNs(o.metricsCa), afterPlatform);
        const pm = o.podMonitorings;
        new k8s.apiextensions.CustomResource(`${name}-podmonitoring-vllm`, inNs(pm.vllm), afterPlatform);
        new k8s.apiextensions.CustomResource(`${name}-podmonitoring-epp`, inNs(pm.epp), afterPlatform);
        // In the gateway's namespace, which the platform creates (or which exists, with installOperators = false).
        new k8s.apiextensions.CustomResource(`${name}-podmonitoring-gateway`, pm.gateway, afterPlatform);

        const project = config.cluster.project;
        const dashboard = new gcp.monitoring.Dashboard(
            `${name}-dashboard`,
            { project, dashboardJson: JSON.stringify(dashboardDefinition(config)) },
            { parent: this },
        );
        for (const [key, policy] of Object.entries(config.monitoring.alerts ? alertPolicies(config, config.monitoring.alerts) : {})) {
            new gcp.monitoring.AlertPolicy(`${name}-alert-${key.replace(/[A-Z0-9]+/g, (c) => `-${c.toLowerCase()}`)}`, policy, { parent: this });
        }

        this.dashboardUrl = dashboard.id.apply((id) => dashboardUrl(id, project));
        this.cacheHitRateQuery = queries(config).cacheHitRate;
        this.registerOutputs({ dashboardUrl: this.dashboardUrl, cacheHitRateQuery: this.cacheHitRateQuery });
    }
}

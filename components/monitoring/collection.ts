import * as k8s from "@pulumi/kubernetes";
import {
    ENVOY_PROMETHEUS_PATH,
    ISTIO_PORTS,
    MANAGED_PROMETHEUS,
    PORTS,
    POD_LABELS,
    kserveNames,
    monitoringNames,
    stackLabels,
} from "../../config/names";
import { StackConfig } from "../../config/types";
import { Certificate } from "../../crds/certManager";
import { MONITORING_API_VERSION, POD_MONITORING_KIND, PodMonitoring, ScrapeEndpoint } from "../../crds/podMonitoring";
import { caBundleCertificate } from "../platform/pki";
import { METRICS } from "./metrics";

/**
 * What Google Cloud Managed Service for Prometheus needs to scrape the three components, as pure data:
 *
 * - vLLM (HTTPS on 8000, KServe's CA-signed certificate): verified against KServe's CA, which a cert-manager
 *   Certificate from the same ClusterIssuer brings into the workload namespace (its Secret's `ca.crt`), under the
 *   name the certificate carries (the workload Service's).
 * - The EPP (plain HTTP on 9090): the pinned EPP authenticates /metrics (`--metrics-endpoint-auth`, default true)
 *   with a TokenReview and authorizes `get` on the non-resource URL /metrics with a SubjectAccessReview. The
 *   collector presents the token of a ServiceAccount bound to exactly that permission.
 * - The gateway's Envoy: `/stats/prometheus` on 15090, kept to the two Istio request metrics the dashboard reads
 *   (Envoy exposes thousands of series per pod, and Managed Prometheus bills per sample).
 *
 * The managed collector has no access to Secrets: a Role lets its ServiceAccount read the two Secrets these
 * PodMonitorings name, and nothing else. The component puts the workload-namespace objects into the Namespace
 * resource's output, so they are created after it.
 */

export interface CollectionObjects {
    podMonitorings: { vllm: PodMonitoring; epp: PodMonitoring; gateway: PodMonitoring };
    metricsReader: k8s.core.v1.ServiceAccountArgs;
    metricsReaderToken: k8s.core.v1.SecretArgs;
    metricsReaderRole: k8s.rbac.v1.ClusterRoleArgs;
    metricsReaderBinding: k8s.rbac.v1.ClusterRoleBindingArgs;
    collectorSecretsRole: k8s.rbac.v1.RoleArgs;
    collectorSecretsBinding: k8s.rbac.v1.RoleBindingArgs;
    metricsCa: Certificate;
}

/** Key of a ServiceAccount token Secret holding the token (filled by the token controller). */
const TOKEN_KEY = "token";
/** Key of a cert-manager Secret holding the issuing CA's certificate. */
const CA_KEY = "ca.crt";

function podMonitoring(name: string, namespace: string, selector: Record<string, string>, endpoint: ScrapeEndpoint): PodMonitoring {
    return {
        apiVersion: MONITORING_API_VERSION,
        kind: POD_MONITORING_KIND,
        metadata: { name, namespace, labels: stackLabels("monitoring") },
        spec: { selector: { matchLabels: selector }, endpoints: [endpoint] },
    };
}

export function collectionObjects(config: StackConfig): CollectionObjects {
    const w = config.workload;
    const kserve = kserveNames(w);
    const names = monitoringNames(w, config.gateway);
    const labels = stackLabels("monitoring");
    const interval = `${config.monitoring.scrapeIntervalSeconds}s`;
    const gatewayKeep = Object.keys(METRICS.gateway.metrics).join("|");

    const vllm = podMonitoring(names.vllmPodMonitoring, w.namespace, { ...kserve.appLabel, ...POD_LABELS.workloadComponent }, {
        port: PORTS.vllm,
        scheme: "https",
        path: "/metrics",
        interval,
        tls: { ca: { secret: { name: names.metricsCa, key: CA_KEY } }, serverName: names.vllmServerName },
    });
    const epp = podMonitoring(names.eppPodMonitoring, w.namespace, { ...kserve.appLabel, ...POD_LABELS.schedulerComponent }, {
        port: PORTS.eppMetrics,
        scheme: "http",
        path: "/metrics",
        interval,
        authorization: { type: "Bearer", credentials: { secret: { name: names.metricsReaderToken, key: TOKEN_KEY } } },
    });
    const gateway = podMonitoring(names.gatewayPodMonitoring, config.gateway.namespace, { [POD_LABELS.gatewayNameKey]: config.gateway.name }, {
        port: ISTIO_PORTS.sidecarEnvoyMetrics,
        scheme: "http",
        path: ENVOY_PROMETHEUS_PATH,
        interval,
        // Histograms keep their _bucket/_sum/_count series.
        metricRelabeling: [{ action: "keep", sourceLabels: ["__name__"], regex: `(${gatewayKeep})(_bucket|_sum|_count)?` }],
    });

    const inWorkload = (name: string) => ({ name, namespace: w.namespace, labels });
    const collector = { kind: "ServiceAccount", name: MANAGED_PROMETHEUS.collectorServiceAccount, namespace: MANAGED_PROMETHEUS.namespace };
    const metricsCa = caBundleCertificate(names.metricsCa, w.namespace);
    return {
        podMonitorings: { vllm, epp, gateway },
        metricsReader: { metadata: inWorkload(names.metricsReader) },
        metricsReaderToken: {
            metadata: { ...inWorkload(names.metricsReaderToken), annotations: { "kubernetes.io/service-account.name": names.metricsReader } },
            type: "kubernetes.io/service-account-token",
        },
        metricsReaderRole: {
            metadata: { name: names.metricsReaderClusterRole, labels },
            rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }],
        },
        metricsReaderBinding: {
            metadata: { name: names.metricsReaderClusterRole, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: names.metricsReaderClusterRole },
            subjects: [{ kind: "ServiceAccount", name: names.metricsReader, namespace: w.namespace }],
        },
        collectorSecretsRole: {
            metadata: inWorkload(names.collectorSecrets),
            rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [names.metricsReaderToken, names.metricsCa], verbs: ["get", "list", "watch"] }],
        },
        collectorSecretsBinding: {
            metadata: inWorkload(names.collectorSecrets),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.collectorSecrets },
            subjects: [collector],
        },
        metricsCa: { ...metricsCa, metadata: { ...metricsCa.metadata, labels } },
    };
}

import { describe, expect, it } from "vitest";
import { collectionObjects } from "../../components/monitoring/collection";
import { validateCustomResource } from "../../crds";
import { durationMs, podMonitoringSchema } from "../../crds/podMonitoring";
import { stackConfig } from "../workload/fixtures";

const LABELS = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "tpu-inference", "app.kubernetes.io/component": "monitoring" };

describe("what Managed Prometheus scrapes (default config)", () => {
    const o = () => collectionObjects(stackConfig());

    it("scrapes vLLM over HTTPS on 8000, verifying KServe's certificate against KServe's CA", () => {
        // Rows: "KServe workload pod labels", "vLLM serves HTTPS on 8000 with KServe's CA-signed certificate",
        // "workload certificate DNS SANs include <svc>-kserve-workload-svc.<ns>.svc".
        expect(o().podMonitorings.vllm).toEqual({
            apiVersion: "monitoring.googleapis.com/v1",
            kind: "PodMonitoring",
            metadata: { name: "qwen-3b-tpu-svc-vllm", namespace: "rhaii-inference", labels: LABELS },
            spec: {
                selector: { matchLabels: { "app.kubernetes.io/name": "qwen-3b-tpu-svc", "app.kubernetes.io/component": "llminferenceservice-workload" } },
                endpoints: [
                    {
                        port: 8000,
                        scheme: "https",
                        path: "/metrics",
                        interval: "30s",
                        tls: { ca: { secret: { name: "qwen-3b-tpu-svc-metrics-ca", key: "ca.crt" } }, serverName: "qwen-3b-tpu-svc-kserve-workload-svc.rhaii-inference.svc" },
                    },
                ],
            },
        });
    });

    it("scrapes the EPP's authenticated /metrics on 9090 with the metrics reader's token", () => {
        // Rows: "EPP /metrics authn/authz (--metrics-endpoint-auth default true)", "EPP metrics port 9090, plain HTTP",
        // "PodMonitoring authorization.credentials.secret (same namespace)".
        expect(o().podMonitorings.epp.spec).toEqual({
            selector: { matchLabels: { "app.kubernetes.io/name": "qwen-3b-tpu-svc", "app.kubernetes.io/component": "llminferenceservice-router-scheduler" } },
            endpoints: [
                {
                    port: 9090,
                    scheme: "http",
                    path: "/metrics",
                    interval: "30s",
                    authorization: { type: "Bearer", credentials: { secret: { name: "qwen-3b-tpu-svc-metrics-reader-token", key: "token" } } },
                },
            ],
        });
        expect(o().podMonitorings.epp.metadata).toEqual({ name: "qwen-3b-tpu-svc-epp", namespace: "rhaii-inference", labels: LABELS });
    });

    it("scrapes the gateway's Envoy stats on 15090 and keeps only the Istio request metrics", () => {
        // Rows: "Istio gateway pod label gateway.networking.k8s.io/gateway-name", "Envoy Prometheus stats on 15090 /stats/prometheus".
        expect(o().podMonitorings.gateway).toEqual({
            apiVersion: "monitoring.googleapis.com/v1",
            kind: "PodMonitoring",
            metadata: { name: "inference-gateway-envoy", namespace: "opendatahub", labels: LABELS },
            spec: {
                selector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "inference-gateway" } },
                endpoints: [
                    {
                        port: 15090,
                        scheme: "http",
                        path: "/stats/prometheus",
                        interval: "30s",
                        metricRelabeling: [{ action: "keep", sourceLabels: ["__name__"], regex: "(istio_requests_total|istio_request_duration_milliseconds)(_bucket|_sum|_count)?" }],
                    },
                ],
            },
        });
        const keep = new RegExp(`^${o().podMonitorings.gateway.spec.endpoints[0].metricRelabeling![0].regex}$`);
        for (const kept of ["istio_requests_total", "istio_request_duration_milliseconds_bucket"]) expect(keep.test(kept), kept).toBe(true);
        for (const dropped of ["envoy_cluster_upstream_rq_total", "istio_requests_total_extra", "istio_build"]) expect(keep.test(dropped), dropped).toBe(false);
    });

    it("gives the metrics reader exactly get on the non-resource URL /metrics", () => {
        // Row: "EPP /metrics authn/authz": SubjectAccessReview on verb get, path /metrics.
        expect(o().metricsReader).toEqual({ metadata: { name: "qwen-3b-tpu-svc-metrics-reader", namespace: "rhaii-inference", labels: LABELS } });
        expect(o().metricsReaderToken).toEqual({
            metadata: {
                name: "qwen-3b-tpu-svc-metrics-reader-token",
                namespace: "rhaii-inference",
                labels: LABELS,
                annotations: { "kubernetes.io/service-account.name": "qwen-3b-tpu-svc-metrics-reader" },
            },
            type: "kubernetes.io/service-account-token",
        });
        expect(o().metricsReaderRole).toEqual({
            metadata: { name: "rhaii-inference-qwen-3b-tpu-svc-metrics-reader", labels: LABELS },
            rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }],
        });
        expect(o().metricsReaderBinding).toEqual({
            metadata: { name: "rhaii-inference-qwen-3b-tpu-svc-metrics-reader", labels: LABELS },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "rhaii-inference-qwen-3b-tpu-svc-metrics-reader" },
            subjects: [{ kind: "ServiceAccount", name: "qwen-3b-tpu-svc-metrics-reader", namespace: "rhaii-inference" }],
        });
    });

    it("lets the managed collector read the two Secrets its PodMonitorings name, and no other", () => {
        // Rows: "GMP collector ServiceAccount gmp-system/collector has no Secret access", "collector reads referenced Secrets via a Role".
        expect(o().collectorSecretsRole.rules).toEqual([
            { apiGroups: [""], resources: ["secrets"], resourceNames: ["qwen-3b-tpu-svc-metrics-reader-token", "qwen-3b-tpu-svc-metrics-ca"], verbs: ["get", "list", "watch"] },
        ]);
        expect(o().collectorSecretsBinding).toEqual({
            metadata: { name: "qwen-3b-tpu-svc-gmp-collector-secrets", namespace: "rhaii-inference", labels: LABELS },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "qwen-3b-tpu-svc-gmp-collector-secrets" },
            subjects: [{ kind: "ServiceAccount", name: "collector", namespace: "gmp-system" }],
        });
        const referenced = [
            o().podMonitorings.vllm.spec.endpoints[0].tls!.ca!.secret!.name,
            o().podMonitorings.epp.spec.endpoints[0].authorization!.credentials!.secret!.name,
        ];
        expect([...(o().collectorSecretsRole.rules as { resourceNames: string[] }[])[0].resourceNames].sort()).toEqual(referenced.sort());
    });

    it("brings KServe's CA into the workload namespace with a Certificate from KServe's CA issuer", () => {
        expect(o().metricsCa).toMatchObject({
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: "qwen-3b-tpu-svc-metrics-ca", namespace: "rhaii-inference", labels: LABELS },
            spec: { secretName: "qwen-3b-tpu-svc-metrics-ca", issuerRef: { name: "opendatahub-ca-issuer", kind: "ClusterIssuer", group: "cert-manager.io" } },
        });
        expect(validateCustomResource(o().metricsCa)).toEqual({ valid: true });
    });

    it("produces PodMonitorings valid against the prometheus-engine v0.17.2 CRD model", () => {
        for (const pm of Object.values(o().podMonitorings)) expect(validateCustomResource(pm), pm.metadata.name).toEqual({ valid: true });
    });

    it("follows the scrape interval and every configured name", () => {
        const c = collectionObjects(
            stackConfig({ serviceName: "llama", namespace: "team-a", gatewayName: "gw", gatewayNamespace: "edge", metricsScrapeIntervalSeconds: 60 }),
        );
        const text = JSON.stringify(c);
        for (const stale of ["qwen-3b-tpu-svc", "rhaii-inference", "inference-gateway", "opendatahub\"", "30s"]) expect(text).not.toContain(stale);
        expect(c.podMonitorings.vllm.spec.endpoints[0]).toMatchObject({ interval: "60s", tls: { serverName: "llama-kserve-workload-svc.team-a.svc" } });
        expect(c.podMonitorings.gateway.metadata).toMatchObject({ name: "gw-envoy", namespace: "edge" });
        expect(c.podMonitorings.gateway.spec.selector).toEqual({ matchLabels: { "gateway.networking.k8s.io/gateway-name": "gw" } });
        expect(c.metricsReaderRole.metadata).toMatchObject({ name: "team-a-llama-metrics-reader" });
    });
});

describe("PodMonitoring model (prometheus-engine v0.17.2 CRD)", () => {
    const valid = () => collectionObjects(stackConfig()).podMonitorings.epp;
    const withEndpoint = (patch: Record<string, unknown>) => ({ ...valid(), spec: { ...valid().spec, endpoints: [{ ...valid().spec.endpoints[0], ...patch }] } });
    const problems = (obj: unknown) => {
        const r = validateCustomResource(obj);
        return r.valid ? [] : r.problems;
    };

    it("refuses what the CRD refuses", () => {
        // Row: "PodMonitoring v1 CRD schema and CEL rules".
        expect(problems(withEndpoint({ timeout: "31s" }))).toEqual(["spec.endpoints.0: scrape timeout must not be greater than scrape interval"]);
        expect(problems(withEndpoint({ timeout: "30s" }))).toEqual([]);
        expect(problems(withEndpoint({ interval: "30 seconds" }))).toEqual(["spec.endpoints.0.interval: must be a positive Prometheus duration such as 30s or 1m"]);
        expect(problems(withEndpoint({ port: 0 }))).toHaveLength(1);
        expect(problems(withEndpoint({ scheme: "grpc" }))).toHaveLength(1);
        expect(problems(withEndpoint({ authorization: { type: "Basic" } }))).toEqual(['spec.endpoints.0.authorization.type: authorization type cannot be "Basic"']);
        // Namespace is not allowed on a PodMonitoring's secret references.
        expect(problems(withEndpoint({ authorization: { credentials: { secret: { name: "s", key: "k", namespace: "other" } } } }))).toHaveLength(1);
        expect(problems(withEndpoint({ metricRelabeling: [{ action: "replace", targetLabel: "namespace", replacement: "x" }] }))).toEqual([
            "spec.endpoints.0.metricRelabeling.0.targetLabel: cannot relabel onto a protected label",
        ]);
        expect(problems(withEndpoint({ metricRelabeling: [{ action: "labeldrop" }] }))).toEqual(["spec.endpoints.0.metricRelabeling.0: labeldrop needs a regex"]);
        expect(problems(withEndpoint({ tls: { cert: { secret: { name: "c", key: "tls.crt" } } } }))).toEqual([
            "spec.endpoints.0.tls: client cert and client key must be provided together",
        ]);
        expect(problems(withEndpoint({ basicAuth: { username: "u" } }))).toHaveLength(1);
        expect(problems({ ...valid(), spec: { ...valid().spec, endpoints: [] } })).toHaveLength(1);
        expect(problems({ ...valid(), spec: { endpoints: valid().spec.endpoints } })).toHaveLength(1);
        expect(problems({ ...valid(), spec: { ...valid().spec, targetLabels: { metadata: ["zone"] } } })).toHaveLength(1);
    });

    it("accepts the optional fields a user may add", () => {
        const rich = {
            ...withEndpoint({ timeout: "10s", params: { format: ["prometheus"] }, interval: "1m30s" }),
            spec: {
                ...withEndpoint({}).spec,
                filterRunning: true,
                limits: { samples: 10000 },
                targetLabels: { metadata: ["pod", "node"], fromPod: [{ from: "app", to: "app" }] },
            },
        };
        expect(podMonitoringSchema.safeParse(rich).success).toBe(true);
    });
});

describe("PodMonitoring model: values the CRD allows and refuses", () => {
    const base = () => collectionObjects(stackConfig()).podMonitorings.gateway;
    const ok = (endpoint: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => {
        const pm = base();
        return podMonitoringSchema.safeParse({ ...pm, spec: { ...pm.spec, ...spec, endpoints: [{ ...pm.spec.endpoints[0], ...endpoint }] } }).success;
    };

    it("measures Prometheus durations", () => {
        expect([durationMs("30s"), durationMs("1m30s"), durationMs("2h"), durationMs("1d"), durationMs("1w"), durationMs("1y"), durationMs("250ms")]).toEqual([
            30_000, 90_000, 7_200_000, 86_400_000, 604_800_000, 31_536_000_000, 250,
        ]);
        for (const d of ["30s", "1m30s", "2h", "1d", "1w", "1y", "500ms", "1h5m10s", "10y", "12w", "10d", "24h", "90m", "1500ms"]) expect(ok({ interval: d, timeout: undefined }), d).toBe(true);
        for (const d of ["", "0s", "30", "30x", "x30s", "30s5m", "30s ", "1.5s"]) expect(ok({ interval: d }), d).toBe(false);
    });

    it("accepts every relabeling action, TLS version and metadata label of the CRD's enums, and nothing else", () => {
        for (const action of ["replace", "lowercase", "uppercase", "keep", "drop", "keepequal", "dropequal", "hashmod", "labeldrop", "labelkeep"]) {
            expect(ok({ metricRelabeling: [{ action, regex: "x" }] }), action).toBe(true);
        }
        expect(ok({ metricRelabeling: [{ action: "labelmap", regex: "x" }] })).toBe(false);
        for (const v of ["TLS10", "TLS11", "TLS12", "TLS13"]) expect(ok({ tls: { minVersion: v, maxVersion: v } }), v).toBe(true);
        expect(ok({ tls: { minVersion: "TLS14" } })).toBe(false);
        expect(ok({ tls: { maxVersion: "SSL3" } })).toBe(false);
        expect(ok({ tls: { cert: { secret: { name: "c", key: "tls.crt" } }, key: { secret: { name: "c", key: "tls.key" } } } })).toBe(true);
        expect(ok({ tls: { key: { secret: { name: "c", key: "tls.key" } } } })).toBe(false);
        for (const m of ["container", "node", "pod", "top_level_controller_name", "top_level_controller_type"]) expect(ok({}, { targetLabels: { metadata: [m] } }), m).toBe(true);
    });

    it("checks label names, ports and selectors", () => {
        expect(ok({ metricRelabeling: [{ sourceLabels: ["ok_1", "__name__"], targetLabel: "my_label" }] })).toBe(true);
        for (const bad of ["a-b", "9a", " x", "x "]) {
            expect(ok({ metricRelabeling: [{ sourceLabels: [bad] }] }), bad).toBe(false);
            expect(ok({ metricRelabeling: [{ targetLabel: bad }] }), bad).toBe(false);
        }
        expect(ok({ port: "metrics" })).toBe(true);
        expect(ok({ port: "m".repeat(253) })).toBe(true);
        expect(ok({ port: "m".repeat(254) })).toBe(false);
        expect(ok({ port: "" })).toBe(false);
        expect(ok({ port: 65535 })).toBe(true);
        expect(ok({ port: 65536 })).toBe(false);
        expect(ok({}, { selector: { matchExpressions: [{ key: "app", operator: "In", values: ["a"] }] } })).toBe(true);
        expect(ok({}, { selector: { matchExpressions: [{ key: "app" }] } })).toBe(false);
        expect(ok({}, { selector: { matchExpressions: [{ key: "app", operator: "Exists", extra: 1 }] } })).toBe(false);
    });
});

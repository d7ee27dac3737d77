/**
 * Every name one object uses to find another, derived in one place.
 *
 * KServe's LLMInferenceService controller (RHOAI 3.4 EA1) names its children after the service; Istio names
 * Envoy clusters and routes after those children. EnvoyFilters, HTTPRoutes, NetworkPolicies, outputs and the
 * verify tool all take their names from here, so renaming the service or namespace cannot leave a stale reference.
 */

/** Kubernetes object names and label values are limited to 63 characters. */
export const MAX_NAME_LENGTH = 63;

/** Suffixes the KServe controller appends to the service name. The longest decides how long the name may be. */
export const KSERVE_CHILD_SUFFIXES = {
    httpRoute: "-kserve-route",
    inferencePool: "-inference-pool",
    eppDeployment: "-kserve-router-scheduler",
    eppService: "-epp-service",
    workloadDeployment: "-kserve",
    workloadService: "-kserve-workload-svc",
    selfSignedCerts: "-kserve-self-signed-certs",
} as const;

/** The longest service name whose KServe children all stay within 63 characters (unhashed, so findable). */
export const MAX_SERVICE_NAME_LENGTH =
    MAX_NAME_LENGTH - Math.max(...Object.values(KSERVE_CHILD_SUFFIXES).map((s) => s.length));

/** Ports of the objects KServe creates. */
export const PORTS = {
    vllm: 8000,
    eppGrpc: 9002,
    eppHealth: 9003,
    eppMetrics: 9090,
    eppZmq: 5557,
} as const;

/** Rule order of the HTTPRoute KServe generates; Envoy route names end in these indices. */
export const KSERVE_ROUTE_RULES = {
    completions: 0,
    chatCompletions: 1,
    catchAll: 2,
} as const;

/** Pod labels KServe puts on the pods it creates. */
export const POD_LABELS = {
    workloadComponent: { "app.kubernetes.io/component": "llminferenceservice-workload" },
    schedulerComponent: { "app.kubernetes.io/component": "llminferenceservice-router-scheduler" },
    kserveWorkload: { "kserve.io/component": "workload" },
    /** Gateway pods created by Istio for a Gateway carry this label with the Gateway's name. */
    gatewayNameKey: "gateway.networking.k8s.io/gateway-name",
} as const;

export interface ServiceRef {
    namespace: string;
    serviceName: string;
}

/** Names of everything KServe creates for one LLMInferenceService, and how Istio refers to them. */
export function kserveNames(ref: ServiceRef) {
    const { namespace: ns, serviceName: svc } = ref;
    const child = (suffix: string) => `${svc}${suffix}`;
    const fqdn = (service: string) => `${service}.${ns}.svc.cluster.local`;
    const s = KSERVE_CHILD_SUFFIXES;
    const httpRoute = child(s.httpRoute);
    const eppService = child(s.eppService);
    const pathPrefix = `/${ns}/${svc}`;
    return {
        namespace: ns,
        serviceName: svc,
        httpRoute,
        inferencePool: child(s.inferencePool),
        eppDeployment: child(s.eppDeployment),
        eppService,
        eppServiceFqdn: fqdn(eppService),
        workloadDeployment: child(s.workloadDeployment),
        workloadService: child(s.workloadService),
        selfSignedCerts: child(s.selfSignedCerts),
        /** Istio's outbound cluster for the EPP's gRPC port (used by ext_proc). */
        eppCluster: `outbound|${PORTS.eppGrpc}||${fqdn(eppService)}`,
        /** Envoy route names: `<namespace>.<HTTPRoute name>.<rule index>`. */
        envoyRoute: (rule: number) => `${ns}.${httpRoute}.${rule}`,
        /** Path prefix the KServe route matches on the gateway. */
        pathPrefix,
        paths: {
            health: `${pathPrefix}/health`,
            models: `${pathPrefix}/v1/models`,
            completions: `${pathPrefix}/v1/completions`,
            chatCompletions: `${pathPrefix}/v1/chat/completions`,
        },
        /** ServiceAccount of the vLLM pods, created by the stack: it carries the model download credentials. */
        workloadServiceAccount: `${svc}-workload-sa`,
        /** Selector matching every pod of this service (workload and scheduler). */
        appLabel: { "app.kubernetes.io/name": svc },
    };
}

export type KserveNames = ReturnType<typeof kserveNames>;

/**
 * Base URL clients use through the gateway: HTTPS on the gateway's HTTPS port (the port is left out when it is
 * 443), or plain HTTP for a platform team's Gateway whose listeners the stack does not know.
 */
export function baseUrl(gatewayAddress: string, ref: ServiceRef, https?: { port: number }): string {
    const host = gatewayAddress.includes(":") ? `[${gatewayAddress}]` : gatewayAddress;
    if (!https) return `http://${host}${kserveNames(ref).pathPrefix}`;
    return `https://${host}${https.port === 443 ? "" : `:${https.port}`}${kserveNames(ref).pathPrefix}`;
}

/** Stack outputs clients read (the commands' setup line, `npm run verify`): index.ts exports them under these names. */
export const STACK_OUTPUTS = {
    baseUrl: "baseUrl",
    caCertificate: "caCertificate",
    clientTokens: "clientTokens",
} as const;

/** The `iss` of the tokens the stack signs: one issuer per project and stack. */
export function stackIssuer(project: string, stack: string): string {
    return `${project}/${stack}`;
}

/** Names of the objects this stack creates itself. */
export const STACK_NAMES = {
    /** The namespaced LLMInferenceServiceConfig KServe looks up to override the scheduler. */
    schedulerConfig: "kserve-config-llm-scheduler",
    istio: "default",
    istioNamespace: "istio-system",
    istioCni: "default",
    /** GKE lets node-critical pods run only in kube-system. */
    istioCniNamespace: "kube-system",
    /** The Red Hat registry pull Secret, in every namespace that pulls from registry.redhat.io (the guide's name). */
    pullSecret: "rhaiis-pull-secret",
    /** The Hugging Face token Secret in the workload namespace (the guide's name). */
    huggingfaceTokenSecret: "huggingface-token",
    /** The cluster-scoped GKE ComputeClass the vLLM pods select in computeClass mode (GKE forbids names starting gke or autopilot). */
    tpuComputeClass: "tpu-inference-v6e",
} as const;

/** Labels on every object the stack creates (Kubernetes recommended labels). */
export function stackLabels(component: string, partOf = "tpu-inference"): Record<string, string> {
    return {
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": partOf,
        "app.kubernetes.io/component": component,
    };
}

/* Names fixed by the upstream charts and operators the platform installs: how one of their objects finds another. */


/**
 * The PKI the KServe EA1 chart (rhaii-on-xks `charts/kserve`) expects: its webhook Certificate asks the
 * ClusterIssuer `opendatahub-ca-issuer`; its controller signs workload certificates with the CA Secret
 * `cert-manager/opendatahub-ca` (env SERVICE_CA_SIGNING_SECRET_*); DestinationRules it creates make the gateway
 * verify workloads against `/var/run/secrets/opendatahub/ca.crt` (ISTIO_CA_CERTIFICATE_PATH).
 */
export const KSERVE_PKI = {
    selfSignedIssuer: "opendatahub-selfsigned-issuer",
    caCertificate: "opendatahub-ca",
    caSecret: "opendatahub-ca",
    caIssuer: "opendatahub-ca-issuer",
    /** Directory in the gateway's istio-proxy container holding `ca.crt`. */
    gatewayCaMountPath: "/var/run/secrets/opendatahub",
    gatewayCaFile: "ca.crt",
} as const;

/** Objects of the KServe EA1 chart the stack refers to (its controller's ServiceAccount: config/compatibility.ts). */
export const KSERVE_CHART = {
    /** Label rhaii-on-xks puts on the inference gateway's infrastructure. */
    gatewayLabel: { "serving.kserve.io/gateway": "kserve-ingress-gateway" },
    /** The controller's webhook Service, which the stack's validating webhooks call (components/platform/kserveWebhooks.ts). */
    webhookService: "kserve-webhook-server-service",
    /** cert-manager Certificate in the KServe namespace whose CA the cainjector puts into the webhooks' `caBundle`. */
    webhookCertificate: "kserve-webhook-server",
} as const;

/** Objects the Sail operator creates for the `Istio` named `default` (InPlace update strategy). */
export const ISTIO_CONTROL_PLANE = {
    istiodDeployment: "istiod",
    sidecarInjectorWebhook: "istio-sidecar-injector",
} as const;

/** The Sail operator leaves a resource it manages alone while it carries this annotation. */
export const SAIL_IGNORE_ANNOTATION = "sailoperator.io/ignore";

/** Helm release names; fixed so reruns and adopted objects refer to the same release. */
export const RELEASE_NAMES = {
    certManager: "cert-manager",
    sailOperator: "sail-operator",
    leaderWorkerSet: "lws",
    kserve: "kserve",
} as const;

/* What the KServe EA1 controller's templates (kserve-config-llm-template, -scheduler, -router-route) fix, and this stack's pods and routes must agree with. */


/** Container the controller merges the service's `template` / `router.scheduler.template` into (strategic merge by name). */
export const MAIN_CONTAINER = "main";

/** Where the storage initializer puts the model (`spec.model.uri`) in the workload pod. */
export const MODEL_MOUNT_PATH = "/mnt/models";

/**
 * Where the controller mounts the `<service>-kserve-self-signed-certs` Secret in both the workload and the EPP
 * (`tls-certs` volume of its templates). The stack only reads these files; the Secret belongs to KServe.
 */
export const KSERVE_TLS_DIR = "/var/run/kserve/tls";
export const KSERVE_TLS_CERT = `${KSERVE_TLS_DIR}/tls.crt`;
export const KSERVE_TLS_KEY = `${KSERVE_TLS_DIR}/tls.key`;

/** The InferencePool's kind; its API group follows the mesh (config/compatibility.ts, `workload.inferencePool`). */
export const INFERENCE_POOL_KIND = "InferencePool";

/**
 * CustomResourceDefinitions (`<plural>.<group>`) of the kinds the workload creates or routes to. With
 * `installOperators = false` the platform reads each one, so a cluster without it fails at preview, naming it,
 * before anything is applied.
 */
export function workloadCrds(inferencePoolGroup: string) {
    return {
        llmInferenceService: "llminferenceservices.serving.kserve.io",
        envoyFilter: "envoyfilters.networking.istio.io",
        httpRoute: "httproutes.gateway.networking.k8s.io",
        inferencePool: `inferencepools.${inferencePoolGroup}`,
    };
}

/** Objects the inference Gateway refers to by name: its parameters ConfigMap and the Secret holding KServe's CA. */
export function gatewayNames(gateway: { name: string }) {
    return {
        /** ConfigMap referenced by `spec.infrastructure.parametersRef`. */
        parameters: `${gateway.name}-config`,
        /** Certificate and Secret carrying the KServe CA's `ca.crt` into the gateway namespace. */
        caBundle: `${gateway.name}-ca-bundle`,
        /** Volume name of that Secret in the gateway pod. */
        caVolume: "opendatahub-ca",
        /** cert-manager Certificate and Secret of the HTTPS listener (issued by the KServe CA). */
        tls: `${gateway.name}-tls`,
        /** RequestAuthentication verifying client JWTs, and the AuthorizationPolicy admitting only the service's API. */
        requestAuthentication: `${gateway.name}-jwt`,
        authorizationPolicy: `${gateway.name}-clients`,
        httpsListener: "https",
        httpListener: "http",
    };
}

/* What the workload's objects use to find objects of Kubernetes, GKE, Istio, Envoy and the model download. */

/** Label the API server puts on every Namespace, holding its name: how a namespaceSelector picks one namespace. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** kube-dns pods on GKE (Dataplane V2 clusters keep the label) and the port pods resolve names on. */
export const KUBE_DNS = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, port: 53 } as const;

/** Ports of the Istio control plane and sidecars that NetworkPolicies open. */
export const ISTIO_PORTS = {
    /** istiod xDS over mTLS and the CA (certificate signing): what every sidecar dials. */
    istiodXds: 15012,
    /** Sidecar's merged Prometheus endpoint (app + Envoy), the target of Istio's scrape annotations. */
    sidecarMergedMetrics: 15020,
    /** Envoy's own Prometheus stats. */
    sidecarEnvoyMetrics: 15090,
} as const;

/** Istio injects its sidecar into every pod of a namespace carrying this label (the EPP and vLLM pods). */
export const SIDECAR_INJECTION_LABEL = { "istio-injection": "enabled" } as const;

/**
 * Key of the Hugging Face token in its Secret. KServe's storage initializer, which downloads `hf://` models before
 * vLLM starts, reads credentials from the Secrets of the pod's ServiceAccount under this key; vLLM reads the same
 * value from the environment variable `HF_TOKEN_ENV`.
 */
export const HF_TOKEN_KEY = "HF_TOKEN";
export const HF_TOKEN_ENV = "HF_TOKEN";

/**
 * Google Cloud Managed Service for Prometheus on GKE (prometheus-engine v0.17.2 `manifests/operator.yaml`): the
 * collector DaemonSet's namespace, ServiceAccount and pod selector label (the selector the manifest marks
 * immutable), and the Prometheus port Envoy serves its stats on in Istio's gateway pods.
 */
export const MANAGED_PROMETHEUS = {
    namespace: "gmp-system",
    collectorServiceAccount: "collector",
    collectorPodLabels: { "app.kubernetes.io/name": "collector" },
} as const;

/** Envoy's own Prometheus endpoint in Istio proxies (the bootstrap's prometheus_stats listener). */
export const ENVOY_PROMETHEUS_PATH = "/stats/prometheus";

/** Objects the monitoring component creates, and the names scraped series carry (`job` = the PodMonitoring's name). */
export function monitoringNames(ref: ServiceRef, gateway: { name: string }) {
    const { namespace: ns, serviceName: svc } = ref;
    return {
        vllmPodMonitoring: `${svc}-vllm`,
        eppPodMonitoring: `${svc}-epp`,
        /** In the gateway's namespace: one gateway serves one service (see the ext-proc EnvoyFilter). */
        gatewayPodMonitoring: `${gateway.name}-envoy`,
        /** ServiceAccount whose token the collector presents to the EPP's authenticated /metrics. */
        metricsReader: `${svc}-metrics-reader`,
        metricsReaderToken: `${svc}-metrics-reader-token`,
        /** Cluster-scoped: the namespace keeps two stacks' roles apart. */
        metricsReaderClusterRole: `${ns}-${svc}-metrics-reader`,
        /** Role and RoleBinding letting the collector read exactly the two Secrets its PodMonitorings name. */
        collectorSecrets: `${svc}-gmp-collector-secrets`,
        /** cert-manager Certificate whose Secret's `ca.crt` is KServe's CA: the collector verifies vLLM with it. */
        metricsCa: `${svc}-metrics-ca`,
        /** The name vLLM's certificate carries (KServe's workload Service), verified by the collector. */
        vllmServerName: `${svc}${KSERVE_CHILD_SUFFIXES.workloadService}.${ns}.svc`,
    };
}

/** Names Istio gives what it generates in the gateway's Envoy, which the stack's EnvoyFilters match or point at. */
export const ENVOY_FILTER_NAMES = {
    extProc: "envoy.filters.http.ext_proc",
    tlsTransportSocket: "envoy.transport_sockets.tls",
} as const;

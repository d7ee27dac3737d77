import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULT_SOURCES } from "../../config/versions";
import { GATEWAY, ROUTE_NAMESPACES } from "./gatewayFixture";
import { KSERVE_PKI, STACK_NAMES, gatewayNames } from "../../config/names";
import { kserveWebhookArgs } from "../../components/platform/kserveWebhooks";
import { lwsCrdKeepPatchArgs } from "../../components/platform/leaderWorkerSet";
import { certificateSchema, clusterIssuerSchema } from "../../crds/certManager";
import { gatewaySchema } from "../../crds/gateway";
import { istioPatchSchema, istioSchema } from "../../crds/istio";
import { istioCniSchema } from "../../crds/sail";
import { FOREGROUND_DELETION, PATCH_FIELD_MANAGER, awaitAnnotations, patchAnnotations } from "../../components/platform/annotations";
import {
    certManagerValues,
    kserveValues,
    leaderWorkerSetValues,
    mergeValues,
    releaseArgs,
    sailOperatorValues,
} from "../../components/platform/charts";
import { addressFromStatus, gatewayDeploymentOverlay, gatewayObject, gatewayParameters } from "../../components/platform/gatewayObjects";
import {
    GKE_CNI_PATHS,
    ISTIOD_ENV,
    RESTARTED_AT_ANNOTATION,
    cniExcludedNamespaces,
    existingIstioPatchValues,
    injectorWebhookIgnorePatchArgs,
    istioCniObject,
    istioObject,
    istioPatchObject,
    istiodRestartPatchArgs,
    valuesHash,
} from "../../components/platform/mesh";
import { caBundleCertificate, caCertificate, caIssuer, selfSignedIssuer } from "../../components/platform/pki";

describe("Helm release arguments", () => {
    it("take chart, version and namespace from the source, with the repository only for repository charts", () => {
        const repoChart = releaseArgs({ name: "cert-manager", source: DEFAULT_SOURCES.certManager, values: { a: 1 }, timeoutSeconds: 600 });
        expect(repoChart).toEqual({
            name: "cert-manager",
            chart: "cert-manager",
            version: "v1.15.2",
            repositoryOpts: { repo: "https://charts.jetstack.io" },
            namespace: "cert-manager",
            createNamespace: false,
            values: { a: 1 },
            skipAwait: false,
            waitForJobs: true,
            timeout: 600,
            skipCrds: false,
        });
        const ociChart = releaseArgs({ name: "kserve", source: DEFAULT_SOURCES.kserve, values: {}, timeoutSeconds: 900 });
        expect(ociChart.chart).toBe("oci://ghcr.io/opendatahub-io/kserve-rhaii-xks");
        expect(ociChart.version).toBe("3.4.0-ea.1-dev-8a30e66");
        expect(ociChart.namespace).toBe("opendatahub");
        expect(ociChart).not.toHaveProperty("repositoryOpts");
        const ociOverride = releaseArgs({ name: "sail-operator", source: { ...DEFAULT_SOURCES.sailOperator, chart: "oci://quay.io/x/sail" }, values: {}, timeoutSeconds: 1 });
        expect(ociOverride.chart).toBe("oci://quay.io/x/sail");
        expect(ociOverride).not.toHaveProperty("repositoryOpts");
    });

    it("install cert-manager's CRDs with the chart and keep leader election in its namespace", () => {
        expect(certManagerValues("cert-manager")).toEqual({ crds: { enabled: true, keep: true }, global: { leaderElection: { namespace: "cert-manager" } } });
        expect(certManagerValues("cert-manager", "pull")).toEqual({
            crds: { enabled: true, keep: true },
            global: { leaderElection: { namespace: "cert-manager" }, imagePullSecrets: [{ name: "pull" }] },
        });
    });

    it("reference the pull secret in each chart's own format, and only when there is one", () => {
        expect(sailOperatorValues()).toEqual({});
        expect(sailOperatorValues("pull")).toEqual({ imagePullSecrets: ["pull"] });
        expect(leaderWorkerSetValues()).toEqual({});
        expect(leaderWorkerSetValues("pull")).toEqual({ imagePullSecrets: [{ name: "pull" }] });
        expect(kserveValues()).toEqual({});
    });

    it("pass the stack's values unchanged when stack config adds none", () => {
        const values = certManagerValues("cert-manager", "pull");
        expect(mergeValues(values, {})).toEqual(values);
        const args = releaseArgs({ name: "cert-manager", source: DEFAULT_SOURCES.certManager, values, timeoutSeconds: 600 });
        expect(args.values).toEqual(values);
    });

    it("deep-merge the stack config's values over the stack's: nested keys overridden, siblings kept, arrays replaced", () => {
        const stack = certManagerValues("cert-manager", "pull");
        const user = {
            global: { leaderElection: { namespace: "kube-system" }, imagePullSecrets: [{ name: "mirror" }], priorityClassName: "critical" },
            image: { repository: "registry.example.com/cert-manager-controller" },
        };
        const merged = releaseArgs({ name: "cert-manager", source: { ...DEFAULT_SOURCES.certManager, values: user }, values: stack, timeoutSeconds: 600 }).values;
        expect(merged).toEqual({
            crds: { enabled: true, keep: true },
            global: { leaderElection: { namespace: "kube-system" }, imagePullSecrets: [{ name: "mirror" }], priorityClassName: "critical" },
            image: { repository: "registry.example.com/cert-manager-controller" },
        });
        // Only the overridden key of a nested object changes.
        expect(mergeValues(stack, { global: { leaderElection: { namespace: "kube-system" } } })).toEqual({
            crds: { enabled: true, keep: true },
            global: { leaderElection: { namespace: "kube-system" }, imagePullSecrets: [{ name: "pull" }] },
        });
        // Neither side is modified.
        expect(stack).toEqual(certManagerValues("cert-manager", "pull"));
        expect(user.global.imagePullSecrets).toEqual([{ name: "mirror" }]);
    });

    it("let a value replace an object or a scalar whole, and keep a null (Helm's key deletion)", () => {
        expect(mergeValues({ a: { b: 1 }, c: 2 }, { a: "flat", c: { d: 3 } })).toEqual({ a: "flat", c: { d: 3 } });
        expect(mergeValues({ a: { b: 1, c: 2 } }, { a: { b: null } })).toEqual({ a: { b: null, c: 2 } });
        expect(mergeValues({ list: [1, 2, 3] }, { list: [4] })).toEqual({ list: [4] });
    });

    it("give KServe exactly the stack config's values on top of its own empty ones", () => {
        const user = { controller: { image: { repository: "registry.example.com/rhoai/kserve-controller", tag: "3.4" } } };
        const args = releaseArgs({ name: "kserve", source: { ...DEFAULT_SOURCES.kserve, values: user }, values: kserveValues(), timeoutSeconds: 900 });
        expect(args.values).toEqual(user);
    });
});

describe("KServe PKI", () => {
    it("chains a self-signed bootstrap issuer, a 10-year CA in cert-manager's namespace and the CA issuer KServe names", () => {
        const selfSigned = clusterIssuerSchema.parse(selfSignedIssuer());
        const ca = certificateSchema.parse(caCertificate("cert-manager"));
        const issuer = clusterIssuerSchema.parse(caIssuer());
        expect(selfSigned.metadata.name).toBe("opendatahub-selfsigned-issuer");
        expect(selfSigned.spec).toEqual({ selfSigned: {} });
        expect(ca.metadata).toMatchObject({ name: "opendatahub-ca", namespace: "cert-manager" });
        expect(ca.spec).toEqual({
            secretName: "opendatahub-ca",
            isCA: true,
            commonName: "opendatahub-ca",
            duration: "87600h",
            renewBefore: "2160h",
            privateKey: { algorithm: "RSA", size: 4096 },
            issuerRef: { name: "opendatahub-selfsigned-issuer", kind: "ClusterIssuer", group: "cert-manager.io" },
        });
        expect(issuer.metadata.name).toBe("opendatahub-ca-issuer");
        expect(issuer.spec).toEqual({ ca: { secretName: ca.spec.secretName } });
        for (const o of [selfSigned, ca, issuer]) {
            expect(o.metadata.annotations).toMatchObject({ "pulumi.com/waitFor": "condition=Ready" });
        }
    });

    it("issues the gateway's CA bundle from the CA issuer into the gateway namespace", () => {
        const bundle = certificateSchema.parse(caBundleCertificate("inference-gateway-ca-bundle", "opendatahub"));
        expect(bundle.metadata).toMatchObject({ name: "inference-gateway-ca-bundle", namespace: "opendatahub" });
        expect(bundle.spec.issuerRef).toEqual({ name: KSERVE_PKI.caIssuer, kind: "ClusterIssuer", group: "cert-manager.io" });
        expect(bundle.spec.secretName).toBe("inference-gateway-ca-bundle");
        expect(bundle.spec.isCA).toBeUndefined();
    });
});

describe("Istio control plane", () => {
    it("is created with CNI on and the Gateway API / Inference Extension flags, in istio-system, at the configured version", () => {
        const istio = istioSchema.parse(istioObject("v1.27.3"));
        expect(istio.metadata.name).toBe("default");
        expect(istio.spec.namespace).toBe("istio-system");
        expect(istio.spec.version).toBe("v1.27.3");
        expect(istio.spec.values?.pilot?.cni).toEqual({ enabled: true });
        expect(istio.spec.values?.pilot?.env).toEqual({
            PILOT_ENABLE_GATEWAY_API: "true",
            PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER: "true",
            ENABLE_GATEWAY_API_INFERENCE_EXTENSION: "true",
        });
        expect(istio.spec.values?.global).toBeUndefined();
        expect(istio.metadata.annotations).toEqual(awaitAnnotations("condition=Ready", 900));
    });

    it("names the pull secret in global.imagePullSecrets when there is one", () => {
        expect(istioObject("v1.27-latest", "pull").spec.values?.global).toEqual({ imagePullSecrets: ["pull"] });
    });

    it("patches an existing Istio with CNI and the flags only, under the stack's field manager, forced", () => {
        const patch = istioPatchSchema.parse(istioPatchObject());
        expect(patch.metadata.name).toBe("default");
        expect(patch.spec).toEqual({ values: { pilot: { cni: { enabled: true }, env: { ...ISTIOD_ENV } } } });
        expect(patch.metadata.annotations).toMatchObject({ "pulumi.com/patchFieldManager": PATCH_FIELD_MANAGER, "pulumi.com/patchForce": "true" });
        // The creator's version and namespace are not touched.
        expect(patch.spec).not.toHaveProperty("version");
        expect(patch.spec).not.toHaveProperty("namespace");
    });

    it("restarts istiod with an annotation that changes only when the patched values change", () => {
        const args = istiodRestartPatchArgs(existingIstioPatchValues());
        expect(args.metadata).toMatchObject({ name: "istiod", namespace: "istio-system", annotations: patchAnnotations() });
        const hash = (args.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations[RESTARTED_AT_ANNOTATION];
        expect(hash).toMatch(/^[0-9a-f]{16}$/);
        expect(hash).toBe(valuesHash(existingIstioPatchValues()));
        // Key order does not matter; a changed value does.
        expect(valuesHash({ a: 1, b: { c: "x", d: "y" } })).toBe(valuesHash({ b: { d: "y", c: "x" }, a: 1 }));
        expect(valuesHash({ pilot: { cni: { enabled: false } } })).not.toBe(valuesHash({ pilot: { cni: { enabled: true } } }));
    });

    it("marks the sidecar injector webhook ignored by Sail", () => {
        expect(injectorWebhookIgnorePatchArgs().metadata).toEqual({
            name: "istio-sidecar-injector",
            annotations: { ...patchAnnotations(), "sailoperator.io/ignore": "true" },
        });
    });
});

describe("Istio CNI", () => {
    const excluded = cniExcludedNamespaces({ certManager: "cert-manager", kserve: "opendatahub" });

    it("excludes the guide's namespaces, taken from config", () => {
        expect(excluded).toEqual(["istio-system", "kube-system", "cert-manager", "opendatahub"]);
        expect(cniExcludedNamespaces({ certManager: "certs", kserve: "kube-system" })).toEqual(["istio-system", "kube-system", "certs"]);
    });

    it("runs in kube-system with GKE's CNI directories", () => {
        const cni = istioCniSchema.parse(istioCniObject("v1.27.3", excluded));
        expect(cni.metadata.name).toBe("default");
        expect(cni.spec.namespace).toBe(STACK_NAMES.istioCniNamespace);
        expect(cni.spec.namespace).toBe("kube-system");
        expect(cni.spec.version).toBe("v1.27.3");
        expect(cni.spec.values?.cni).toEqual({ cniBinDir: "/home/kubernetes/bin", cniConfDir: "/etc/cni/net.d", excludeNamespaces: excluded });
        expect(GKE_CNI_PATHS).toEqual({ cniBinDir: "/home/kubernetes/bin", cniConfDir: "/etc/cni/net.d" });
        expect(cni.spec.values?.global).toBeUndefined();
        expect(istioCniObject("v1.27.3", excluded, "pull").spec.values?.global).toEqual({ imagePullSecrets: ["pull"] });
    });

    it("sets no toleration: the CRD has no such field (the chart default tolerates the TPU taint)", () => {
        const cni = istioCniObject("v1.27.3", excluded);
        const withToleration = { ...cni, spec: { ...cni.spec, values: { ...cni.spec.values, cni: { ...cni.spec.values?.cni, tolerations: [] } } } };
        expect(istioCniSchema.safeParse(withToleration).success).toBe(false);
        expect(JSON.stringify(cni)).not.toContain("toleration");
    });
});

describe("Inference Gateway", () => {
    it("is an istio-class Gateway with one HTTPS listener admitting routes only from the workload namespace", () => {
        const gw = gatewaySchema.parse(gatewayObject(GATEWAY, ROUTE_NAMESPACES));
        expect(gw.metadata).toMatchObject({ name: "inference-gateway", namespace: "opendatahub" });
        expect(gw.spec.gatewayClassName).toBe("istio");
        expect(gw.spec.listeners).toEqual([
            {
                name: "https",
                port: 443,
                protocol: "HTTPS",
                tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "inference-gateway-tls" }] },
                allowedRoutes: { namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["rhaii-inference"] }] } } },
            },
        ]);
        expect(gatewayObject({ ...GATEWAY, httpsPort: 8443, className: "my-istio" }, ROUTE_NAMESPACES).spec).toMatchObject({
            gatewayClassName: "my-istio",
            listeners: [{ port: 8443 }],
        });
    });

    it("waits for its address and is deleted in the foreground", () => {
        const gw = gatewayObject(GATEWAY, ROUTE_NAMESPACES);
        expect(gw.metadata.annotations).toEqual({
            "pulumi.com/waitFor": "jsonpath={.status.addresses[0].value}",
            "pulumi.com/timeoutSeconds": "900",
            "pulumi.com/deletionPropagationPolicy": "foreground",
        });
        expect(FOREGROUND_DELETION).toEqual({ "pulumi.com/deletionPropagationPolicy": "foreground" });
    });

    it("references its parameters ConfigMap and carries KServe's gateway label", () => {
        const gw = gatewayObject(GATEWAY, ROUTE_NAMESPACES);
        expect(gw.spec.infrastructure).toEqual({
            labels: { "serving.kserve.io/gateway": "kserve-ingress-gateway" },
            parametersRef: { group: "", kind: "ConfigMap", name: "inference-gateway-config" },
        });
        expect(gatewayParameters(GATEWAY).metadata).toMatchObject({ name: gw.spec.infrastructure?.parametersRef?.name, namespace: "opendatahub" });
    });

    it("mounts only ca.crt of the CA bundle at KServe's CA path in istio-proxy", () => {
        const overlay = parse(gatewayParameters(GATEWAY).data.deployment);
        expect(overlay).toEqual(gatewayDeploymentOverlay(GATEWAY));
        const pod = overlay.spec.template.spec;
        expect(pod.volumes).toEqual([
            { name: "opendatahub-ca", secret: { secretName: gatewayNames(GATEWAY).caBundle, items: [{ key: "ca.crt", path: "ca.crt" }] } },
        ]);
        expect(pod.containers).toEqual([
            { name: "istio-proxy", volumeMounts: [{ name: "opendatahub-ca", mountPath: "/var/run/secrets/opendatahub", readOnly: true }] },
        ]);
        expect(`${pod.containers[0].volumeMounts[0].mountPath}/${pod.volumes[0].secret.items[0].path}`).toBe("/var/run/secrets/opendatahub/ca.crt");
        expect(pod.imagePullSecrets).toBeUndefined();
        expect(parse(gatewayParameters(GATEWAY, "pull").data.deployment).spec.template.spec.imagePullSecrets).toEqual([{ name: "pull" }]);
    });
});

describe("Gateway address", () => {
    it("is the first address in the Gateway's status", () => {
        const status = { addresses: [{ type: "IPAddress", value: "203.0.113.7" }, { type: "IPAddress", value: "203.0.113.8" }] };
        expect(addressFromStatus(status, "opendatahub/inference-gateway")).toBe("203.0.113.7");
    });

    it("fails with the Gateway's name when there is none yet", () => {
        expect(() => addressFromStatus({ addresses: [] }, "opendatahub/inference-gateway")).toThrow(/Gateway opendatahub\/inference-gateway has no address/);
        expect(() => addressFromStatus(undefined, "ingress/gw")).toThrow(/Gateway ingress\/gw has no address/);
    });
});

describe("KServe's validating webhooks, owned by the stack", () => {
    // docs/UPSTREAM.md row "KServe EA1 webhooks": rhaii-on-xks charts/kserve/files/webhooks.yaml at the chart's commit.
    it("validate LLMInferenceServices on create and update, through KServe's webhook Service and cert-manager's CA", () => {
        const hooks = kserveWebhookArgs("opendatahub");
        expect(Object.keys(hooks)).toEqual(["llminferenceservice", "llminferenceserviceconfig"]);
        expect(hooks.llminferenceservice).toEqual({
            metadata: {
                name: "tpu-inference-llminferenceservice.serving.kserve.io",
                labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "tpu-inference", "app.kubernetes.io/component": "kserve" },
                annotations: { "cert-manager.io/inject-ca-from": "opendatahub/kserve-webhook-server" },
            },
            webhooks: [
                {
                    name: "llminferenceservice.kserve-webhook-server.validator",
                    admissionReviewVersions: ["v1", "v1beta1"],
                    clientConfig: {
                        service: { name: "kserve-webhook-server-service", namespace: "opendatahub", path: "/validate-serving-kserve-io-v1alpha1-llminferenceservice" },
                    },
                    failurePolicy: "Fail",
                    sideEffects: "None",
                    rules: [{ apiGroups: ["serving.kserve.io"], apiVersions: ["v1alpha1"], operations: ["CREATE", "UPDATE"], resources: ["llminferenceservices"] }],
                },
            ],
        });
    });

    it("validate LLMInferenceServiceConfigs on create, update and delete, in the configured KServe namespace", () => {
        const config = kserveWebhookArgs("kserve-system").llminferenceserviceconfig as any;
        expect(config.metadata.name).toBe("tpu-inference-llminferenceserviceconfig.serving.kserve.io");
        expect(config.metadata.annotations).toEqual({ "cert-manager.io/inject-ca-from": "kserve-system/kserve-webhook-server" });
        expect(config.webhooks[0].clientConfig.service).toEqual({
            name: "kserve-webhook-server-service",
            namespace: "kserve-system",
            path: "/validate-serving-kserve-io-v1alpha1-llminferenceserviceconfig",
        });
        expect(config.webhooks[0].rules[0]).toEqual({
            apiGroups: ["serving.kserve.io"],
            apiVersions: ["v1alpha1"],
            operations: ["CREATE", "UPDATE", "DELETE"],
            resources: ["llminferenceserviceconfigs"],
        });
        expect(config.webhooks[0].name).toBe("llminferenceserviceconfig.kserve-webhook-server.validator");
    });

    it("turns off Helm's hooks for a release only when asked", () => {
        const base = { name: "kserve", source: DEFAULT_SOURCES.kserve, values: {}, timeoutSeconds: 900 };
        expect(releaseArgs({ ...base, hooks: false })).toMatchObject({ disableWebhooks: true, disableCRDHooks: true });
        expect(releaseArgs(base)).not.toHaveProperty("disableWebhooks");
        expect(releaseArgs(base)).not.toHaveProperty("disableCRDHooks");
    });
});

describe("LeaderWorkerSet CRD across chart upgrades", () => {
    // docs/UPSTREAM.md row "LWS 0.8 CRD move": lws charts/lws README (v0.10.0) and helm pkg/kube/client.go prune check.
    it("annotates the live CRD to be kept by Helm, under the platform's field manager", () => {
        expect(lwsCrdKeepPatchArgs()).toEqual({
            metadata: {
                name: "leaderworkersets.leaderworkerset.x-k8s.io",
                annotations: {
                    "pulumi.com/patchFieldManager": "tpu-inference-platform",
                    "pulumi.com/patchForce": "true",
                    "helm.sh/resource-policy": "keep",
                },
            },
        });
    });
});

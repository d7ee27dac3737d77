import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { TEST_SECRETS } from "../helpers/stack";
import { CapturedStack } from "../../tools/render/capture";
import { PLATFORM_CR_TYPES, customResource, dependencyClosure, descendants, runPlatform, validateCaptured } from "./harness";
import { AUTHORIZATION_POLICY, CERTIFICATE, CLUSTER_ISSUER, CONFIG_FILE, GATEWAY, ISTIO, ISTIO_CNI, NAMESPACE, RELEASE, REQUEST_AUTHENTICATION, SECRET } from "../helpers/types";


describe("Platform with the default config", () => {
    let s: CapturedStack;
    beforeAll(async () => {
        s = await runPlatform();
    });
    const release = (name: string) => s.one(RELEASE, name);

    describe("charts, from the pinned sources", () => {
        it("installs cert-manager from jetstack v1.15.2 into cert-manager with its CRDs", () => {
            expect(release("platform-cert-manager-release").inputs).toMatchObject({
                name: "cert-manager",
                chart: "cert-manager",
                repositoryOpts: { repo: "https://charts.jetstack.io" },
                version: "v1.15.2",
                namespace: "cert-manager",
                createNamespace: false,
                skipAwait: false,
                values: { crds: { enabled: true, keep: true }, global: { leaderElection: { namespace: "cert-manager" } } },
            });
        });

        it("installs the Sail operator 1.27.3 into sail-operator", () => {
            expect(release("platform-mesh-operator").inputs).toMatchObject({
                name: "sail-operator",
                chart: "sail-operator",
                repositoryOpts: { repo: "https://istio-ecosystem.github.io/sail-operator" },
                version: "1.27.3",
                namespace: "sail-operator",
                skipAwait: false,
            });
        });

        it("installs LeaderWorkerSet 0.7.0 from its OCI chart into lws-system", () => {
            const lws = release("platform-lws-release").inputs;
            expect(lws).toMatchObject({ name: "lws", chart: "oci://registry.k8s.io/lws/charts/lws", version: "0.7.0", namespace: "lws-system", skipAwait: false });
            expect(lws.repositoryOpts).toBeUndefined();
        });

        it("installs the KServe EA1 chart into opendatahub", () => {
            expect(release("platform-kserve-release").inputs).toMatchObject({
                name: "kserve",
                chart: "oci://ghcr.io/opendatahub-io/kserve-rhaii-xks",
                version: "3.4.0-ea.1-dev-8a30e66",
                namespace: "opendatahub",
                skipAwait: false,
                skipCrds: false,
                values: {},
            });
        });

        // docs/UPSTREAM.md rows "KServe EA1 webhooks", "Helm uninstall order" and "helm.v3.Release hooks".
        it("keeps the LWS CRD through a chart upgrade with an annotation put on after the release", () => {
            const keep = s.one("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch", "platform-lws-crd-keep");
            expect(keep.dependsOn).toContain("platform-lws-release");
            expect((keep.inputs.metadata as any).annotations["helm.sh/resource-policy"]).toBe("keep");
        });

        it("installs KServe without Helm hooks and owns its two validating webhooks, after the release", () => {
            expect(release("platform-kserve-release").inputs).toMatchObject({ disableWebhooks: true, disableCRDHooks: true });
            // Only KServe: the other charts' hooks (e.g. cert-manager's startupapicheck) still run.
            for (const other of ["platform-cert-manager-release", "platform-mesh-operator", "platform-lws-release"]) {
                expect(release(other).inputs.disableWebhooks, other).toBeUndefined();
            }
            const hooks = s.byType("kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration");
            expect(hooks.map((h) => h.name).sort()).toEqual(["platform-kserve-webhook-llminferenceservice", "platform-kserve-webhook-llminferenceserviceconfig"]);
            for (const h of hooks) expect(h.dependsOn, h.name).toContain("platform-kserve-release");
        });

        it("creates the workload only after the webhooks, so it is validated and, on destroy, deleted first", async () => {
            const whole = await import("../helpers/stack").then((m) => m.runStack());
            const service = whole.one("kubernetes:serving.kserve.io/v1alpha1:LLMInferenceService");
            expect(service.dependsOn).toEqual(expect.arrayContaining(["platform-kserve-webhook-llminferenceservice", "platform-kserve-webhook-llminferenceserviceconfig"]));
        });

        it("applies the Gateway API v1.4.0 and Inference Extension v1.2.0 manifests", () => {
            expect(s.one(CONFIG_FILE, "platform-crds-gateway-api").inputs.file).toBe(
                "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.0/standard-install.yaml",
            );
            expect(s.one(CONFIG_FILE, "platform-crds-inference-extension").inputs.file).toBe(
                "https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.2.0/manifests.yaml",
            );
        });
    });

    describe("namespaces and the pull secret", () => {
        it("creates each operator namespace once, and never kube-system", () => {
            const names = s.byType(NAMESPACE).map((n) => (n.inputs.metadata as { name: string }).name).sort();
            expect(names).toEqual(["cert-manager", "istio-system", "lws-system", "opendatahub", "sail-operator"]);
        });

        it("copies the pull secret into no platform namespace: every default source pulls public images", () => {
            // The secret is configured (TEST_SECRETS), but jetstack, Sail, registry.k8s.io and the KServe dev chart
            // (docs/UPSTREAM.md row "KServe dev chart images") pull nothing from registry.redhat.io.
            // The one Secret the platform touches is the CA bundle it reads for the caCertificate output.
            expect(s.byType(SECRET).filter((x) => x.name.startsWith("platform-") && !x.read)).toEqual([]);
            const everything = JSON.stringify(s.resources.map((r) => r.inputs));
            expect(everything).not.toContain(JSON.parse(TEST_SECRETS.redhatPullSecret).auths["registry.redhat.io"].auth);
            expect(everything).not.toContain("rhaiis-pull-secret");
        });

        it("references it from no Istio, IstioCNI, gateway or chart values", () => {
            expect(s.one(ISTIO).inputs).not.toMatchObject({ spec: { values: { global: { imagePullSecrets: expect.anything() } } } });
            expect(s.one(ISTIO_CNI).inputs).not.toMatchObject({ spec: { values: { global: { imagePullSecrets: expect.anything() } } } });
            expect(release("platform-mesh-operator").inputs.values).toEqual({});
            expect(release("platform-lws-release").inputs.values).toEqual({});
            expect(s.byType("kubernetes:core/v1:ServiceAccount").filter((r) => r.name.startsWith("platform-"))).toEqual([]);
            expect(release("platform-kserve-release").inputs.values).toEqual({});
        });
    });

    describe("mesh", () => {
        it("creates Istio `default` with CNI on from the start and IstioCNI in kube-system with GKE paths", () => {
            expect(s.one(ISTIO).inputs).toMatchObject({
                metadata: { name: "default" },
                spec: { namespace: "istio-system", version: "v1.27.3", values: { pilot: { cni: { enabled: true }, env: { ENABLE_GATEWAY_API_INFERENCE_EXTENSION: "true" } } } },
            });
            expect(s.one(ISTIO_CNI).inputs).toMatchObject({
                metadata: { name: "default" },
                spec: {
                    namespace: "kube-system",
                    version: "v1.27.3",
                    values: { cni: { cniBinDir: "/home/kubernetes/bin", cniConfDir: "/etc/cni/net.d", excludeNamespaces: ["istio-system", "kube-system", "cert-manager", "opendatahub"] } },
                },
            });
        });

        it("does not restart or patch istiod: the configuration is right from the start", () => {
            expect(s.byType("kubernetes:apps/v1:DeploymentPatch")).toHaveLength(0);
            expect(s.byType("kubernetes:sailoperator.io/v1:IstioPatch")).toHaveLength(0);
        });

        it("marks the injector webhook ignored once the control plane is Ready", () => {
            const patch = s.one("kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfigurationPatch");
            expect(patch.inputs).toMatchObject({ metadata: { name: "istio-sidecar-injector", annotations: { "sailoperator.io/ignore": "true" } } });
            expect(patch.dependsOn).toContain(s.one(ISTIO).name);
        });
    });

    describe("gateway", () => {
        it("creates inference-gateway in opendatahub, class istio, HTTPS on 443 from the workload namespace only, foreground deletion", () => {
            const gw = customResource(s, "gateway.networking.k8s.io/v1", "Gateway", "inference-gateway", "opendatahub").inputs;
            expect(gw).toMatchObject({
                metadata: {
                    annotations: {
                        "pulumi.com/waitFor": "jsonpath={.status.addresses[0].value}",
                        "pulumi.com/deletionPropagationPolicy": "foreground",
                    },
                },
                spec: {
                    gatewayClassName: "istio",
                    listeners: [
                        {
                            name: "https",
                            port: 443,
                            protocol: "HTTPS",
                            tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "inference-gateway-tls" }] },
                            allowedRoutes: { namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["rhaii-inference"] }] } } },
                        },
                    ],
                    infrastructure: { parametersRef: { kind: "ConfigMap", name: "inference-gateway-config" } },
                },
            });
        });

        it("gives istio-proxy the KServe CA from a certificate of the CA issuer", () => {
            const params = s.one("kubernetes:core/v1:ConfigMap", "platform-gateway-parameters").inputs as { data: { deployment: string } };
            const pod = parse(params.data.deployment).spec.template.spec;
            expect(pod.volumes[0].secret.secretName).toBe("inference-gateway-ca-bundle");
            expect(pod.containers[0].volumeMounts[0].mountPath).toBe("/var/run/secrets/opendatahub");
            expect(customResource(s, "cert-manager.io/v1", "Certificate", "inference-gateway-ca-bundle", "opendatahub").inputs).toMatchObject({
                spec: { secretName: "inference-gateway-ca-bundle", issuerRef: { name: "opendatahub-ca-issuer", kind: "ClusterIssuer" } },
            });
        });

        it("exports the address read from the Gateway's status", () => {
            expect(s.outputs.gatewayIp).toBe("192.0.2.10");
        });
    });

    describe("dependency graph", () => {
        it("hangs every platform resource under the Platform, which depends on the CPU pool and not on the TPU pool", () => {
            const platform = s.one("tpu-inference:platform:Platform");
            expect(platform.dependsOn).toEqual(["gke-cpu"]);
            const inPlatform = descendants(s, "platform");
            const kubernetes = s.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes");
            expect(kubernetes.length).toBeGreaterThan(20);
            for (const r of kubernetes) expect(inPlatform).toContain(r);
            for (const r of inPlatform) {
                expect(dependencyClosure(s, r.name)).not.toContain("tpu");
                expect(dependencyClosure(s, r.name)).not.toContain("tpu-pool");
                expect(r.dependsOn).not.toContain("tpu");
            }
        });

        it("creates every in-cluster resource with the cluster's provider", () => {
            for (const r of descendants(s, "platform").filter((x) => x.custom && x.type.startsWith("kubernetes:"))) expect(r.provider, r.name).toBeTruthy();
        });

        it("makes custom resources wait for their CRDs and operators (so destroy deletes them while the operator runs)", () => {
            const sail = "platform-mesh-operator";
            const crds = ["platform-crds-gateway-api", "platform-crds-inference-extension"];
            expect(s.one(ISTIO).dependsOn).toEqual(expect.arrayContaining([sail, "platform-ns-istio-system", ...crds]));
            expect(s.one(ISTIO_CNI).dependsOn).toEqual(expect.arrayContaining([sail]));
            for (const issuer of s.byType(CLUSTER_ISSUER)) expect(issuer.dependsOn).toContain("platform-cert-manager-release");
            for (const cert of s.byType(CERTIFICATE)) expect(dependencyClosure(s, cert.name)).toContain("platform-cert-manager-release");
            expect(s.one(CLUSTER_ISSUER, "platform-cert-manager-ca-issuer").dependsOn).toContain("platform-cert-manager-ca");
            expect(s.one(CERTIFICATE, "platform-cert-manager-ca").dependsOn).toContain("platform-cert-manager-selfsigned-issuer");
            const gw = s.one(GATEWAY).dependsOn;
            expect(gw).toEqual(
                expect.arrayContaining([
                    "platform-mesh-istio",
                    "platform-gateway-parameters",
                    "platform-gateway-ca-bundle",
                    "platform-gateway-jwt",
                    "platform-gateway-clients",
                    "platform-ns-opendatahub",
                    ...crds,
                ]),
            );
        });

        it("installs KServe after cert-manager's CA issuer, the CRDs, the mesh CRDs and LeaderWorkerSet", () => {
            expect(release("platform-kserve-release").dependsOn).toEqual(
                expect.arrayContaining([
                    "platform-cert-manager-ca-issuer",
                    "platform-crds-gateway-api",
                    "platform-crds-inference-extension",
                    "platform-mesh-operator",
                    "platform-lws-release",
                    "platform-ns-opendatahub",
                ]),
            );
            expect(dependencyClosure(s, "platform-kserve-release")).toContain("platform-cert-manager-release");
        });

        it("installs every release into a namespace the stack created first", () => {
            for (const r of s.byType(RELEASE)) {
                const ns = r.inputs.namespace as string;
                expect(r.dependsOn, r.name).toContain(`platform-ns-${ns}`);
            }
        });

        it("keeps the CRDs free of dependents' edges: nothing they need is deleted after them", () => {
            for (const file of s.byType(CONFIG_FILE)) expect(file.dependsOn).toEqual([]);
            // Everything using the kinds depends on them, so on destroy they are deleted first and the CRDs last.
            for (const user of ["platform-mesh-istio", "platform-gateway-inference-gateway", "platform-kserve-release"]) {
                const closure = dependencyClosure(s, user);
                for (const file of s.byType(CONFIG_FILE)) expect(closure, user).toContain(file.name);
            }
        });

        it("exposes KServe and its webhooks, the Gateway, the CRDs and the mesh as `ready`", () => {
            expect(s.outputs.ready).toEqual([
                "platform-kserve-release",
                "platform-kserve-webhook-llminferenceservice",
                "platform-kserve-webhook-llminferenceserviceconfig",
                "platform-gateway-inference-gateway",
                "platform-crds-gateway-api",
                "platform-crds-inference-extension",
                "platform-mesh-istio",
                "platform-mesh-istio-cni",
            ]);
        });
    });

    it("renders only custom resources valid against their zod models", () => {
        const rendered = s.resources.filter((r) => PLATFORM_CR_TYPES.includes(r.type));
        expect(rendered.map((r) => r.type).sort()).toEqual(
            [GATEWAY, ISTIO, ISTIO_CNI, CLUSTER_ISSUER, CLUSTER_ISSUER, CERTIFICATE, CERTIFICATE, CERTIFICATE, REQUEST_AUTHENTICATION, AUTHORIZATION_POLICY].sort(),
        );
        for (const r of rendered) expect(validateCaptured(r), r.name).toEqual({ valid: true });
        // Any other custom resource type under the platform would be unmodelled.
        const builtIn = /^kubernetes:(core|apps|helm\.sh|yaml|admissionregistration\.k8s\.io|apiextensions\.k8s\.io)\//;
        const others = descendants(s, "platform").filter((r) => r.custom && r.type.startsWith("kubernetes:") && !builtIn.test(r.type) && !PLATFORM_CR_TYPES.includes(r.type));
        expect(others.map((r) => r.type)).toEqual([]);
    });
});

import { describe, expect, it } from "vitest";
import { RawConfig, StackConfigError, closestKey, parseConfig } from "../config";
import { readVllmArg } from "../config/vllmArgs";
import { RenderUsageError, parseStackFile, readStackConfig } from "../tools/render/render";

/**
 * One bad value, one message: each row is a stack config with a single mistake and the exact message it gets, before
 * any resource is registered. Rows naming an upstream fact cite their row in docs/UPSTREAM.md:
 * "vLLM arg parser" and "vLLM flags" (vllmExtraArgs), "TPU page size" (block size), "Istio gateway ports",
 * "Istio gateway names", "Istio GatewayClasses", "Model URI shapes", "KServe dev chart images" (pull secret).
 */
const SECRETS = {
    redhatPullSecret: JSON.stringify({ auths: { "registry.redhat.io": { auth: "eDp5" } } }),
    huggingfaceToken: "hf_abc",
};

function raw(values: Record<string, string | undefined>, secretKeys: string[] = Object.keys(SECRETS), otherKeys: string[] = []): RawConfig {
    return { values: { project: "my-project", ...SECRETS, ...values }, secretKeys: new Set(secretKeys), otherKeys, stack: "test" };
}

function problems(config: RawConfig): string[] {
    try {
        parseConfig(config);
    } catch (err) {
        expect(err).toBeInstanceOf(StackConfigError);
        return (err as StackConfigError).problems;
    }
    throw new Error("config was accepted");
}

const BAD: Array<[string, Record<string, string | undefined>, string]> = [
    ["project unset", { project: undefined }, "tpu-inference:project is not set: must be a Google Cloud project ID (6-30 lower-case letters, digits or '-', starting with a letter) (pulumi config set project <value>)"],
    ["project empty", { project: "" }, "tpu-inference:project is empty: must be a Google Cloud project ID (6-30 lower-case letters, digits or '-', starting with a letter)"],
    ["project not an ID", { project: "My Project" }, "tpu-inference:project = \"My Project\": must be a Google Cloud project ID (6-30 lower-case letters, digits or '-', starting with a letter)"],
    ["zone without TPU v6e", { zone: "europe-west4-b" }, "tpu-inference:zone = \"europe-west4-b\": does not offer TPU v6e; zones that do: europe-west4-a, us-east5-a, us-east5-b, us-east1-d, us-central1-b, us-south1-a, asia-northeast1-b"],
    ["zone empty", { zone: "" }, "tpu-inference:zone is empty: does not offer TPU v6e; zones that do: europe-west4-a, us-east5-a, us-east5-b, us-east1-d, us-central1-b, us-south1-a, asia-northeast1-b; remove it to take the default (pulumi config rm zone)"],
    ["cluster name too long", { clusterName: "a-cluster-name-that-is-far-too-long-for-gke" }, "tpu-inference:clusterName = \"a-cluster-name-that-is-far-too-long-for-gke\": must be a GKE cluster name (lower-case letters, digits and '-', starting with a letter, at most 40 characters)"],
    ["release channel lower case", { releaseChannel: "regular" }, "tpu-inference:releaseChannel = \"regular\": must be one of RAPID, REGULAR, STABLE, EXTENDED, UNSPECIFIED"],
    ["GKE version below TPU v6e", { minMasterVersion: "1.30" }, "tpu-inference:minMasterVersion = \"1.30\": must be a GKE version at least 1.31.2-gke.1115000 (TPU v6e minimum), e.g. 1.33"],
    ["GKE version not a version", { minMasterVersion: "latest" }, "tpu-inference:minMasterVersion = \"latest\": must be a GKE version at least 1.31.2-gke.1115000 (TPU v6e minimum), e.g. 1.33"],
    ["deletion protection yes", { deletionProtection: "yes" }, "tpu-inference:deletionProtection = \"yes\": must be true or false"],
    ["deletion protection empty", { deletionProtection: "" }, "tpu-inference:deletionProtection is empty: must be true or false; remove it to take the default (pulumi config rm deletionProtection)"],
    ["CPU machine type GPU", { cpuMachineType: "a2-highgpu-1g" }, "tpu-inference:cpuMachineType = \"a2-highgpu-1g\": must be a Compute Engine CPU machine type such as n1-standard-4 or e2-standard-8 (series e2, n1, n2, n2d, n4, n4d, c2, c2d, c3, c3d, c4, c4a, c4d, t2a, t2d, h3, m1, m2, m3, m4, z3; not an accelerator type such as a2-, g2- or ct6e-)"],
    ["CPU machine type TPU", { cpuMachineType: "ct6e-standard-4t" }, "tpu-inference:cpuMachineType = \"ct6e-standard-4t\": must be a Compute Engine CPU machine type such as n1-standard-4 or e2-standard-8 (series e2, n1, n2, n2d, n4, n4d, c2, c2d, c3, c3d, c4, c4a, c4d, t2a, t2d, h3, m1, m2, m3, m4, z3; not an accelerator type such as a2-, g2- or ct6e-)"],
    ["CPU machine type unknown series", { cpuMachineType: "x9-standard-4" }, "tpu-inference:cpuMachineType = \"x9-standard-4\": must be a Compute Engine CPU machine type such as n1-standard-4 or e2-standard-8 (series e2, n1, n2, n2d, n4, n4d, c2, c2d, c3, c3d, c4, c4a, c4d, t2a, t2d, h3, m1, m2, m3, m4, z3; not an accelerator type such as a2-, g2- or ct6e-)"],
    ["CPU machine type missing count", { cpuMachineType: "n2-standard" }, "tpu-inference:cpuMachineType = \"n2-standard\": must be a Compute Engine CPU machine type such as n1-standard-4 or e2-standard-8 (series e2, n1, n2, n2d, n4, n4d, c2, c2d, c3, c3d, c4, c4a, c4d, t2a, t2d, h3, m1, m2, m3, m4, z3; not an accelerator type such as a2-, g2- or ct6e-)"],
    ["CPU nodes not a number", { cpuNodeCount: "two" }, "tpu-inference:cpuNodeCount = \"two\": must be a whole number from 1 to 100"],
    ["CPU min above max", { cpuMinNodes: "4", cpuMaxNodes: "3" }, "tpu-inference:cpuMinNodes = 4: must not exceed cpuMaxNodes (3)"],
    ["CPU initial outside range", { cpuNodeCount: "9" }, "tpu-inference:cpuNodeCount = 9: must lie within cpuMinNodes..cpuMaxNodes (2..5)"],
    ["CPU disk too small", { cpuDiskSizeGb: "5" }, "tpu-inference:cpuDiskSizeGb = 5: must be a whole number from 10 to 65536"],
    ["TPU machine type v5e", { tpuMachineType: "ct5lp-hightpu-4t" }, "tpu-inference:tpuMachineType = \"ct5lp-hightpu-4t\": must be a single-host TPU v6e machine type: ct6e-standard-1t, ct6e-standard-4t, ct6e-standard-8t"],
    ["replicas negative", { replicas: "-1" }, "tpu-inference:replicas = -1: must be a whole number from 0 to 64"],
    ["replicas fraction", { replicas: "2.5" }, "tpu-inference:replicas = \"2.5\": must be a whole number from 0 to 64"],
    ["replicas empty", { replicas: "" }, "tpu-inference:replicas is empty: must be a whole number from 0 to 64; remove it to take the default (pulumi config rm replicas)"],
    ["replicas above the bound", { replicas: "65" }, "tpu-inference:replicas = 65: must be a whole number from 0 to 64"],
    ["surge above 8", { tpuSurgeNodes: "9" }, "tpu-inference:tpuSurgeNodes = 9: must be a whole number from 0 to 8"],
    ["spot with reservation", { tpuSpot: "true", tpuReservation: "my-res" }, "tpu-inference:tpuReservation = \"my-res\": cannot be combined with tpuSpot = true (Spot VMs do not consume reservations)"],
    ["reservation not a name", { tpuReservation: "My_Res" }, "tpu-inference:tpuReservation = \"My_Res\": must be a reservation name (lower-case letters, digits and '-')"],
    ["install operators typo", { installOperators: "flase" }, "tpu-inference:installOperators = \"flase\": must be true or false"],
    ["crd owner unknown", { crdOwner: "me" }, "tpu-inference:crdOwner = \"me\": must be one of stack, gke"],
    ["mesh flavor unknown", { meshFlavor: "linkerd" }, "tpu-inference:meshFlavor = \"linkerd\": must be one of istio, ossm"],
    ["plain http chart repository", { certManagerChartRepo: "http://charts.jetstack.io" }, "tpu-inference:certManagerChartRepo = \"http://charts.jetstack.io\": must be an https:// Helm repository URL, an oci:// registry path, or empty for an oci:// chart (plain http:// is refused: anyone on the path could swap the chart)"],
    ["oci repository with an oci chart", { kserveChartRepo: "oci://ghcr.io/opendatahub-io" }, "tpu-inference:kserveChartRepo = \"oci://ghcr.io/opendatahub-io\": is joined with kserveChart, which is already a full oci:// reference (oci://ghcr.io/opendatahub-io/kserve-rhaii-xks): set kserveChartRepo to \"\" (pulumi config set kserveChartRepo \"\") or kserveChart to the bare chart name"],
    ["empty repository with a bare chart", { kserveChart: "kserve" }, "tpu-inference:kserveChart = \"kserve\": must be an oci:// reference when kserveChartRepo is empty"],
    ["chart version range", { certManagerVersion: "^1.15" }, "tpu-inference:certManagerVersion = \"^1.15\": must be an exact chart version such as 1.2.3 or v1.2.3 (a range would install a different chart on a later run)"],
    ["chart version not a version", { leaderWorkerSetVersion: "latest" }, "tpu-inference:leaderWorkerSetVersion = \"latest\": must be an exact chart version such as 1.2.3 or v1.2.3 (a range would install a different chart on a later run)"],
    ["chart version untested", { leaderWorkerSetVersion: "0.8.0" }, "tpu-inference:leaderWorkerSetVersion = \"0.8.0\": this LeaderWorkerSet chart version is not one this stack is tested with (0.7.0); set allowUntestedVersions = true to use it anyway (see README, \"Upgrades\")"],
    ["sail version untested", { sailOperatorVersion: "1.28.0", istioVersion: "v1.28.0" }, "tpu-inference:sailOperatorVersion = \"1.28.0\": this Sail operator chart version is not one this stack is tested with (1.27.3); set allowUntestedVersions = true to use it anyway (see README, \"Upgrades\")"],
    ["kserve untested", { kserveVersion: "3.5.0" }, "tpu-inference:kserveVersion = \"3.5.0\": is not a KServe chart this stack is tested with (3.4.0-ea.1-dev-<commit>); set allowUntestedVersions = true to use it anyway (see README, \"Upgrades\")"],
    ["kserve Red Hat build", { kserveVersion: "3.4.0-ea.1+8a30e66" }, "tpu-inference:kserveVersion = \"3.4.0-ea.1+8a30e66\": RHOAI 3.4 EA1, Red Hat build (registry.redhat.io images) cannot be deployed by this stack: its controller image is on registry.redhat.io and the pre-rendered chart takes no values, so the pod cannot be given a pull secret before it starts (Helm's adoption of a pre-created ServiceAccount drops its imagePullSecrets); use the -dev- build of the same commit, or install KServe yourself and set installOperators = false"],
    ["chart values not an object", { kserveChartValues: "[1,2]" }, "tpu-inference:kserveChartValues = \"[1,2]\": must be a JSON object of Helm values, e.g. {\"image\":{\"repository\":\"registry.example.com/controller\"}}"],
    ["istio version not deployed by sail", { istioVersion: "v1.28.0" }, "tpu-inference:istioVersion = \"v1.28.0\": must be one the Sail operator 1.27.3 deploys and this stack supports: v1.27-latest, v1.27.3, v1.27.2, v1.27.1, v1.27.0"],
    ["istio version malformed", { istioVersion: "1.27" }, "tpu-inference:istioVersion = \"1.27\": must be an Istio version such as v1.27.3 or v1.27-latest"],
    ["gateway API CRDs over http", { gatewayApiCrdsUrl: "http://example.com/crds.yaml" }, "tpu-inference:gatewayApiCrdsUrl = \"http://example.com/crds.yaml\": must be an https:// URL of a YAML manifest"],
    ["inference extension CRDs untested", { inferenceExtensionCrdsUrl: "https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.4.0/manifests.yaml" }, "tpu-inference:inferenceExtensionCrdsUrl = \"v1.4.0\": with RHOAI 3.4 EA1, dev build (public quay.io/ghcr.io images), this Inference Extension release is not one this stack is tested with (v1.2.0); set allowUntestedVersions = true to use it anyway (see README, \"Upgrades\")"],
    ["gateway name starting with a digit", { gatewayName: "1gw" }, "tpu-inference:gatewayName = \"1gw\": must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending alphanumeric): Istio names the gateway's Service after it"],
    ["gateway child names past 63", { gatewayName: "an-inference-gateway-whose-name-is-long-enough-to-overflow-x" }, "tpu-inference:gatewayName = \"an-inference-gateway-whose-name-is-long-enough-to-overflow-x\": makes names longer than 63 characters: an-inference-gateway-whose-name-is-long-enough-to-overflow-x-istio, an-inference-gateway-whose-name-is-long-enough-to-overflow-x-config, an-inference-gateway-whose-name-is-long-enough-to-overflow-x-ca-bundle, an-inference-gateway-whose-name-is-long-enough-to-overflow-x-tls, an-inference-gateway-whose-name-is-long-enough-to-overflow-x-jwt, an-inference-gateway-whose-name-is-long-enough-to-overflow-x-clients (Istio names the gateway's Deployment and Service <gatewayName>-<gatewayClassName>)"],
    ["gateway class of GKE", { gatewayClassName: "gke-l7-rilb" }, "tpu-inference:gatewayClassName = \"gke-l7-rilb\": must be istio: the Istio the stack installs serves that GatewayClass, and the stack's EnvoyFilters configure Istio's gateway"],
    ["gateway class waypoint without operators", { gatewayClassName: "istio-waypoint", installOperators: "false" }, "tpu-inference:gatewayClassName = \"istio-waypoint\": must be the platform Istio's ingress GatewayClass (usually istio), not GKE's gke-* or Istio's istio-remote, istio-waypoint, istio-east-west: the stack's EnvoyFilters configure an Istio ingress gateway"],
    ["gateway port Istio status", { gatewayPort: "15021" }, "tpu-inference:gatewayPort = 15021: must be a port from 1 to 65535 other than the Istio gateway pod's own (15000, 15020, 15021, 15090)"],
    ["gateway port Envoy admin", { gatewayPort: "15000" }, "tpu-inference:gatewayPort = 15000: must be a port from 1 to 65535 other than the Istio gateway pod's own (15000, 15020, 15021, 15090)"],
    ["gateway port zero", { gatewayPort: "0" }, "tpu-inference:gatewayPort = 0: must be a port from 1 to 65535 other than the Istio gateway pod's own (15000, 15020, 15021, 15090)"],
    ["gateway namespace kube-system", { gatewayNamespace: "kube-system" }, "tpu-inference:gatewayNamespace = \"kube-system\": must not be a system or operator namespace (default, kube-system, kube-public, kube-node-lease, istio-system, gmp-system, gmp-public)"],
    ["workload namespace upper case", { namespace: "RHAII_inference" }, "tpu-inference:namespace = \"RHAII_inference\": must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending alphanumeric, at most 63 characters)"],
    ["workload namespace of an operator", { namespace: "cert-manager" }, "tpu-inference:namespace = \"cert-manager\": must not be a system or operator namespace (default, kube-system, kube-public, kube-node-lease, istio-system, gmp-system, gmp-public, cert-manager, sail-operator, lws-system, opendatahub)"],
    ["workload namespace the gateway's", { namespace: "gw", gatewayNamespace: "gw" }, "tpu-inference:namespace = \"gw\": must differ from gatewayNamespace (the workload namespace has its own lifecycle and Istio injection)"],
    ["service name past KServe's limit", { serviceName: "a-service-name-that-is-too-long-for-kserve" }, "tpu-inference:serviceName = \"a-service-name-that-is-too-long-for-kserve\": must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter) of at most 38 characters: KServe's child names (<name>-kserve-self-signed-certs, ...) must stay within 63"],
    ["service name starting with a digit", { serviceName: "3b-qwen" }, "tpu-inference:serviceName = \"3b-qwen\": must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter) of at most 38 characters: KServe's child names (<name>-kserve-self-signed-certs, ...) must stay within 63"],
    ["model URI gs", { modelUri: "gs://bucket/model" }, "tpu-inference:modelUri = \"gs://bucket/model\": must be a model URI the KServe LLMInferenceService controller accepts: hf://<org>/<model>[:<revision>], s3://<bucket>[/<path>], pvc://<claim>[/<path>], oci://<registry>/<repository>[:<tag>]"],
    ["model URI hf without org", { modelUri: "hf://Qwen2.5-3B-Instruct" }, "tpu-inference:modelUri = \"hf://Qwen2.5-3B-Instruct\": must have the form hf://<org>/<model>[:<revision>]"],
    ["model URI hf with a path", { modelUri: "hf://Qwen/Qwen2.5/extra" }, "tpu-inference:modelUri = \"hf://Qwen/Qwen2.5/extra\": must have the form hf://<org>/<model>[:<revision>]"],
    ["model URI s3 without bucket", { modelUri: "s3://" }, "tpu-inference:modelUri = \"s3://\": must have the form s3://<bucket>[/<path>]"],
    ["model name with a space", { modelName: "my model" }, "tpu-inference:modelName = \"my model\": must be a non-empty served model name without spaces"],
    ["vLLM image with spaces", { vllmImage: "not an image" }, "tpu-inference:vllmImage = \"not an image\": must be a container image reference such as registry/repo:tag"],
    ["max model len too small", { maxModelLen: "64" }, "tpu-inference:maxModelLen = 64: must be a whole number from 128 to 131072"],
    ["dtype half", { dtype: "half" }, "tpu-inference:dtype = \"half\": must be one of bfloat16, float32, auto"],
    ["tensor parallel 3 of 4 chips", { tensorParallelSize: "3" }, "tpu-inference:tensorParallelSize = 3: must divide the 4 TPU chips of ct6e-standard-4t (allowed: 1, 2, 4)"],
    ["extra args not a list", { vllmExtraArgs: "--foo" }, "tpu-inference:vllmExtraArgs = \"--foo\": must be a list of strings (pulumi config set --path 'vllmExtraArgs[0]' --flag=value)"],
    ["extra args empty", { vllmExtraArgs: "" }, "tpu-inference:vllmExtraArgs is empty: must be a list of strings (pulumi config set --path 'vllmExtraArgs[0]' --flag=value); remove it to take the default (pulumi config rm vllmExtraArgs)"],
    ["managed flag", { vllmExtraArgs: "[\"--max-model-len=4096\"]" }, "tpu-inference:vllmExtraArgs = \"--max-model-len=4096\": --max-model-len is set by the stack: use config key maxModelLen"],
    ["managed flag with underscores", { vllmExtraArgs: "[\"--max_model_len=4096\"]" }, "tpu-inference:vllmExtraArgs = \"--max_model_len=4096\": vLLM reads --max_model_len as --max-model-len, which is set by the stack: use config key maxModelLen"],
    ["managed flag abbreviated", { vllmExtraArgs: "[\"--max-model=4096\"]" }, "tpu-inference:vllmExtraArgs = \"--max-model=4096\": vLLM reads --max-model as --max-model-len, which is set by the stack: use config key maxModelLen"],
    ["managed flag with its value after a space", { vllmExtraArgs: "[\"--max-num-seqs 64\"]" }, "tpu-inference:vllmExtraArgs = \"--max-num-seqs 64\": --max-num-seqs is set by the stack: use config key maxNumSeqs"],
    ["flag and value after a space", { vllmExtraArgs: "[\"--seed 7\"]" }, "tpu-inference:vllmExtraArgs = \"--seed 7\": vLLM's parser takes an entry with a space as the model to serve, not as --seed and its value: write --seed=<value>"],
    ["value in its own entry", { vllmExtraArgs: "[\"--seed\", \"7\"]" }, "tpu-inference:vllmExtraArgs = \"7\": each entry must be one long flag, --flag or --flag=value (a value in its own entry, or a short option, is not read the way it looks)"],
    ["short option", { vllmExtraArgs: "[\"-tp=2\"]" }, "tpu-inference:vllmExtraArgs = \"-tp=2\": each entry must be one long flag, --flag or --flag=value (a value in its own entry, or a short option, is not read the way it looks)"],
    ["host", { vllmExtraArgs: "[\"--host=127.0.0.1\"]" }, "tpu-inference:vllmExtraArgs = \"--host=127.0.0.1\": --host would bind vLLM to one address, while KServe's Service, the probes and the gateway reach it on the pod IP"],
    ["port abbreviated", { vllmExtraArgs: "[\"--por=9000\"]" }, "tpu-inference:vllmExtraArgs = \"--por=9000\": vLLM reads --por as --port, which is fixed at 8000: KServe's Service, the probes and the gateway reach vLLM there"],
    ["api key", { vllmExtraArgs: "[\"--api-key=secret\"]" }, "tpu-inference:vllmExtraArgs = \"--api-key=secret\": --api-key makes vLLM demand a key that the gateway, the EPP and clients do not send: every request would get 401"],
    ["ssl client certificates", { vllmExtraArgs: "[\"--ssl-cert-reqs=2\"]" }, "tpu-inference:vllmExtraArgs = \"--ssl-cert-reqs=2\": --ssl-cert-reqs belongs to vLLM's TLS, which the stack sets up with KServe's certificate (the gateway presents no client certificate)"],
    ["config file", { vllmExtraArgs: "[\"--config=/etc/vllm.yaml\"]" }, "tpu-inference:vllmExtraArgs = \"--config=/etc/vllm.yaml\": --config reads flags from a YAML file in the pod, which could set any flag the stack owns unseen: put the flags in vllmExtraArgs"],
    ["prefix caching off", { vllmExtraArgs: "[\"--no-enable-prefix-caching\"]" }, "tpu-inference:vllmExtraArgs = \"--no-enable-prefix-caching\": --no-enable-prefix-caching turns prefix caching off, which the prefix-cache-aware routing exists for"],
    ["block size", { vllmExtraArgs: "[\"--block-size=64\"]" }, "tpu-inference:vllmExtraArgs = \"--block-size=64\": --block-size is ignored on TPU: vLLM's TPU backend sets the block size from max_model_len and max_num_seqs (128 tokens for maxModelLen = 2048, maxNumSeqs = 128); change maxModelLen instead"],
    ["deprecated request logging flag", { vllmExtraArgs: "[\"--disable-log-requests\"]" }, "tpu-inference:vllmExtraArgs = \"--disable-log-requests\": --disable-log-requests is a deprecated no-op in vLLM v0.11.2 (request logging is off by default; --enable-log-requests turns it on): remove it"],
    ["metrics off", { vllmExtraArgs: "[\"--disable_log_stats\"]" }, "tpu-inference:vllmExtraArgs = \"--disable_log_stats\": vLLM reads --disable_log_stats as --disable-log-stats, which turns off vLLM's Prometheus metrics, which the EPP's load-aware scorer and autoTune read"],
    ["headless", { vllmExtraArgs: "[\"--headless\"]" }, "tpu-inference:vllmExtraArgs = \"--headless\": --headless runs vLLM without its API server: nothing would serve requests"],
    ["ambiguous abbreviation", { vllmExtraArgs: "[\"--max=8\"]" }, "tpu-inference:vllmExtraArgs = \"--max=8\": --max is an ambiguous abbreviation (--max-cpu-loras, --max-cudagraph-capture-size, --max-log-len, --max-logprobs, ...): vLLM would exit at start"],
    ["unknown flag", { vllmExtraArgs: "[\"--gpu-memory-utilisation=0.9\"]" }, "tpu-inference:vllmExtraArgs = \"--gpu-memory-utilisation=0.9\": --gpu-memory-utilisation is not a flag of vLLM v0.11.2 (the tested vllmImage): vLLM would exit at start (\"unrecognized arguments\"); set allowUntestedVersions = true to use it anyway (see README, \"Upgrades\")"],
    ["probe delay past the wait", { probeInitialDelaySeconds: "600", readyTimeoutMinutes: "10" }, "tpu-inference:probeInitialDelaySeconds = 600: must be shorter than readyTimeoutMinutes (10 min = 600 s), or pulumi up always times out"],
    ["ready timeout empty", { readyTimeoutMinutes: "" }, "tpu-inference:readyTimeoutMinutes is empty: must be a whole number from 5 to 240; remove it to take the default (pulumi config rm readyTimeoutMinutes)"],
    ["EPP image untested tag", { eppImage: "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0" }, "tpu-inference:eppImage = \"v0.6.0\": this EPP (llm-d-inference-scheduler) image tag is not one this stack is tested with (v0.7.0, v0.7.1); set allowUntestedVersions = true to use it anyway (see README, \"Upgrades\")"],
    ["prefix cache weight 0", { prefixCacheWeight: "0" }, "tpu-inference:prefixCacheWeight = 0: must be a whole number from 1 to 100: the prefix-cache scorer is what makes routing cache-aware"],
    ["pinned block size not vLLM's", { prefixBlockSizeTokens: "64" }, "tpu-inference:prefixBlockSizeTokens = 64: must equal the block size vLLM uses on TPU, 128 tokens for maxModelLen = 2048 and maxNumSeqs = 128 (or 0 to let the EPP read it)"],
    ["pinned block size not vLLM's for a long context", { prefixBlockSizeTokens: "256", maxModelLen: "32768" }, "tpu-inference:prefixBlockSizeTokens = 256: must equal the block size vLLM uses on TPU, 32 tokens for maxModelLen = 32768 and maxNumSeqs = 128 (or 0 to let the EPP read it)"],
    ["lru capacity negative", { lruCapacityPerServer: "-5" }, "tpu-inference:lruCapacityPerServer = -5: must be a whole number from 0 to 10000000"],
    ["unknown key", { replica: "2" }, "tpu-inference:replica is not a config key of this project: did you mean tpu-inference:replicas?"],
    ["unknown key in other case", { ModelURI: "hf://Qwen/Qwen2.5-3B-Instruct" }, "tpu-inference:ModelURI is not a config key of this project: did you mean tpu-inference:modelUri?"],
    ["unknown key far from any", { colour: "blue" }, "tpu-inference:colour is not a config key of this project: see README, \"Configuration\""],
    ["retired key", { prefixBlockSize: "64" }, "tpu-inference:prefixBlockSize is no longer a config key: it was the prefix-cache scorer's block size in characters, which the pinned EPP (GIE v1.4.0) refuses at start-up; remove it (the EPP then reads vLLM's block size itself) or set prefixBlockSizeTokens"],
    ["pull secret missing", { redhatPullSecret: undefined }, "tpu-inference:redhatPullSecret is not set, but vllmImage pull from registry.redhat.io: set it with `pulumi config set --secret redhatPullSecret < auth.json` (a Docker config JSON with an \"auths\" entry)"],
    ["pull secret empty", { redhatPullSecret: "" }, "tpu-inference:redhatPullSecret is not set, but vllmImage pull from registry.redhat.io: set it with `pulumi config set --secret redhatPullSecret < auth.json` (a Docker config JSON with an \"auths\" entry)"],
    ["pull secret malformed", { redhatPullSecret: "user:password" }, "tpu-inference:redhatPullSecret = [secret]: must be a Docker config JSON document with an \"auths\" object"],
    ["token missing for hf", { huggingfaceToken: undefined }, "tpu-inference:huggingfaceToken is not set, but modelUri is a Hugging Face model: set it with `pulumi config set --secret huggingfaceToken hf_...`"],
    // The gateway edge (issue 10).
    ["HTTPS port of the proxy itself", { gatewayHttpsPort: "15021" }, 'tpu-inference:gatewayHttpsPort = 15021: must be a port from 1 to 65535 other than the Istio gateway pod\'s own (15000, 15020, 15021, 15090)'],
    ["plain HTTP on the HTTPS port", { gatewayPlainHttp: "true", gatewayPort: "443" }, "tpu-inference:gatewayPort = 443: must differ from gatewayHttpsPort (443) when gatewayPlainHttp is true"],
    ["exposure not a mode", { gatewayExposure: "private" }, 'tpu-inference:gatewayExposure = "private": must be one of external, internal'],
    ["source range without a prefix", { gatewaySourceRanges: '["203.0.113.7"]' }, 'tpu-inference:gatewaySourceRanges = ["203.0.113.7"]: must be a list of distinct CIDRs such as 203.0.113.0/24 or 2001:db8::/32'],
    ["source range twice", { gatewaySourceRanges: '["10.0.0.0/8","10.0.0.0/8"]' }, 'tpu-inference:gatewaySourceRanges = ["10.0.0.0/8","10.0.0.0/8"]: must be a list of distinct CIDRs such as 203.0.113.0/24 or 2001:db8::/32'],
    ["hostname with a scheme", { gatewayHostname: "https://llm.example.com" }, 'tpu-inference:gatewayHostname = "https://llm.example.com": must be a DNS name (lower-case labels separated by dots)'],
    ["client name with a slash", { authClients: '["team/a"]' }, 'tpu-inference:authClients = ["team/a"]: must be a list of distinct client names, DNS-1123 labels such as ci or team-a'],
    ["no client", { authClients: "[]" }, "tpu-inference:authClients = []: must name at least one client when the stack issues the tokens (authIssuer unset): no client could call the service"],
    ["issuer without keys", { authIssuer: "https://id.example.com" }, 'tpu-inference:authJwksUri = "": must be set with authIssuer (https://id.example.com): the gateway verifies that issuer\'s tokens with its JSON Web Key Set'],
    ["keys without issuer", { authJwksUri: "https://id.example.com/jwks.json" }, 'tpu-inference:authIssuer = "": must be set with authJwksUri: it names the issuer (`iss`) whose tokens those keys verify'],
    ["keys over plain HTTP", { authIssuer: "https://id.example.com", authJwksUri: "http://id.example.com/jwks.json" }, 'tpu-inference:authJwksUri = "http://id.example.com/jwks.json": must be an https:// URL'],
];

describe("every bad value gets one message naming key, value and what is allowed", () => {
    it("has at least 60 distinct bad configs", () => {
        expect(new Set(BAD.map(([, v]) => JSON.stringify(v, (_k, x: unknown) => (x === undefined ? null : x)))).size).toBe(BAD.length);
        expect(BAD.length).toBeGreaterThanOrEqual(60);
    });

    it.each(BAD)("%s", (_name, values, message) => {
        expect(problems(raw(values))).toEqual([message]);
    });
});

describe("keys the program would never read", () => {
    it("names the key a misspelt namespace most likely meant; provider namespaces are theirs", () => {
        expect(problems(raw({}, undefined, ["tpu-inferense:replicas", "gcp:project", "kubernetes:context", "aws:region"]))).toEqual([
            "tpu-inferense:replicas is not in this project's namespace (tpu-inference), so the program never reads it: did you mean tpu-inference:replicas?",
        ]);
        expect(problems(raw({}, undefined, ["tpu:zone"]))).toEqual([
            "tpu:zone is not in this project's namespace (tpu-inference), so the program never reads it: did you mean tpu-inference:zone?",
        ]);
        expect(problems(raw({}, undefined, ["tpu-inferenc:colour"]))[0]).toBe(
            'tpu-inferenc:colour is not in this project\'s namespace (tpu-inference), so the program never reads it: see README, "Configuration"',
        );
    });

    it("suggests a key within a quarter of its length, case-insensitively", () => {
        expect(closestKey("replica")).toBe("replicas");
        expect(closestKey("MAXMODELLEN")).toBe("maxModelLen");
        expect(closestKey("gatewayPrt")).toBe("gatewayPort");
        expect(closestKey("prefixBlockSizeToken")).toBe("prefixBlockSizeTokens");
        expect(closestKey("zzz")).toBeUndefined();
        expect(closestKey("colour")).toBeUndefined();
    });
});

describe("secrecy", () => {
    it("refuses a plain key set with --secret without echoing its value", () => {
        const ps = problems(raw({ modelUri: "hf://Private/model-x" }, [...Object.keys(SECRETS), "modelUri"]));
        expect(ps).toEqual([
            "tpu-inference:modelUri is set with --secret, but it is not a secret key: the stack would put its value in plain text (resource inputs, the LLMInferenceService, rendered manifests); set it without --secret (pulumi config set modelUri <value>)",
        ]);
        expect(ps.join()).not.toContain("Private");
        // The key's own rule does not run either: its value would be in that message.
        expect(problems(raw({ namespace: "Bad Name" }, [...Object.keys(SECRETS), "namespace"])).join()).not.toContain("Bad Name");
    });

    it("refuses a secret in plain text, but an empty secret is unset", () => {
        expect(problems(raw({}, ["redhatPullSecret"]))).toEqual(["tpu-inference:huggingfaceToken is stored in plain text: set it with `pulumi config set --secret huggingfaceToken`"]);
        expect(() => parseConfig(raw({ huggingfaceToken: "", modelUri: "pvc://models/qwen" }, ["redhatPullSecret"]))).not.toThrow();
    });
});

describe("vLLM's reading of an entry (upstream rows \"vLLM arg parser\", \"vLLM flags\")", () => {
    it("turns _ into - before the first dot, resolves unique prefixes and spots a space", () => {
        expect(readVllmArg("--max_num_batched_tokens=8192")).toEqual({ spelled: "--max_num_batched_tokens", matches: ["--max-num-batched-tokens"], spaced: false });
        expect(readVllmArg("--compilation_config.level=3")).toEqual({ spelled: "--compilation_config.level", matches: ["--compilation-config"], spaced: false });
        expect(readVllmArg("--enforce-eag")).toEqual({ spelled: "--enforce-eag", matches: ["--enforce-eager"], spaced: false });
        expect(readVllmArg("--seed 7")).toEqual({ spelled: "--seed", matches: ["--seed"], spaced: true });
        expect(readVllmArg("--no-enable-prefix-caching")?.matches).toEqual(["--no-enable-prefix-caching"]);
        // An exact flag wins over longer ones it is a prefix of.
        expect(readVllmArg("--model=x")?.matches).toEqual(["--model"]);
        expect(readVllmArg("--model-impl=vllm")?.matches).toEqual(["--model-impl"]);
        expect(readVllmArg("--override-generation-config={\"temperature\": 0.5}")?.matches).toEqual(["--override-generation-config"]);
        expect(readVllmArg("seed")).toBeUndefined();
        expect(readVllmArg("-q=awq")).toBeUndefined();
        expect(readVllmArg("--")).toBeUndefined();
    });

    it("accepts flags vLLM knows, and unknown ones with allowUntestedVersions", () => {
        const args = ["--enable-chunked-prefill", "--gpu-memory-utilization=0.9", "--seed=7", "--max_num_batched_tokens=8192", "--override-generation-config={\"temperature\": 0.5}"];
        expect(parseConfig(raw({ vllmExtraArgs: JSON.stringify(args) })).workload.vllm.extraArgs).toEqual(args);
        expect(parseConfig(raw({ vllmExtraArgs: JSON.stringify(["--new-flag=1"]), allowUntestedVersions: "true" })).workload.vllm.extraArgs).toEqual(["--new-flag=1"]);
        // A stack-owned flag stays refused with the opt-out.
        expect(problems(raw({ vllmExtraArgs: JSON.stringify(["--port=9000"]), allowUntestedVersions: "true" }))).toHaveLength(1);
    });

    it("names the block size vLLM will use when --block-size is given", () => {
        expect(problems(raw({ vllmExtraArgs: JSON.stringify(["--block-size=16"]), maxModelLen: "4096", maxNumSeqs: "64" }))[0]).toContain("(256 tokens for maxModelLen = 4096, maxNumSeqs = 64)");
    });
});

describe("one root cause, one message", () => {
    it("does not derive a second message from a key that already failed", () => {
        // cpuMaxNodes fails its own rule: the range checks that read it stay silent.
        expect(problems(raw({ cpuMaxNodes: "0", cpuNodeCount: "3" }))).toEqual(["tpu-inference:cpuMaxNodes = 0: must be a whole number from 1 to 100"]);
        // The range is wrong once: the initial count is not blamed for it too.
        expect(problems(raw({ cpuMinNodes: "4", cpuMaxNodes: "3", cpuNodeCount: "2" }))).toEqual(["tpu-inference:cpuMinNodes = 4: must not exceed cpuMaxNodes (3)"]);
        // A bad machine type is not also a bad tensor parallel size.
        expect(problems(raw({ tpuMachineType: "v5e", tensorParallelSize: "3" }))).toHaveLength(1);
        // A malformed model URI does not also ask for a token.
        expect(problems(raw({ modelUri: "hf://x", huggingfaceToken: undefined }))).toEqual(["tpu-inference:modelUri = \"hf://x\": must have the form hf://<org>/<model>[:<revision>]"]);
    });

    it("still reports independent mistakes together", () => {
        const ps = problems(raw({ zone: "mars-1a", replicas: "-2", tpuMachineType: "x", namespace: "Bad" }));
        expect(ps).toHaveLength(4);
        expect(() => parseConfig(raw({ zone: "mars-1a", replicas: "-2" }))).toThrow(/^Invalid stack configuration \(2 problems\):\n  - /);
    });
});

describe("good configs", () => {
    const fromStackFile = (stack: string) => {
        const input = readStackConfig(stack);
        const strip = (k: string) => k.replace("tpu-inference:", "");
        const values = Object.fromEntries(Object.entries(input.config).map(([k, v]) => [strip(k), v]));
        return parseConfig({ values, secretKeys: new Set(input.secretKeys.map(strip)), stack });
    };

    it("the dev stack file", () => {
        const c = fromStackFile("dev");
        expect(c.cluster).toMatchObject({ project: "my-gcp-project", zone: "europe-west4-a", region: "europe-west4" });
        expect(c.workload).toMatchObject({ replicas: 3, networkPolicies: true });
    });

    it("a scale-to-zero stack", () => {
        const c = parseConfig(raw({ replicas: "0", tpuSurgeNodes: "0" }));
        expect(c.cluster.tpuPool).toMatchObject({ nodeCount: 0, surgeNodes: 0 });
    });

    it("an installOperators=false stack with the platform's own gateway class and untested KServe", () => {
        const c = parseConfig(raw({ installOperators: "false", kserveVersion: "3.4.0-ea.2", gatewayClassName: "platform-istio", certManagerVersion: "v1.16.0" }));
        expect(c.operators.install).toBe(false);
        expect(c.gateway.className).toBe("platform-istio");
    });

    it("every key as the Pulumi CLI passes it: defaults merged in as strings", async () => {
        const { CONFIG_KEYS } = await import("../config/schema");
        const values = Object.fromEntries(
            CONFIG_KEYS.filter((k) => k.default !== undefined).map((k) => [k.key, Array.isArray(k.default) ? JSON.stringify(k.default) : String(k.default)]),
        );
        const c = parseConfig({ values: { ...values, project: "my-project", ...SECRETS }, secretKeys: new Set(Object.keys(SECRETS)), stack: "cli" });
        expect(c.workload.vllm.extraArgs).toEqual([]);
        expect(c.cluster.minMasterVersion).toBeUndefined();
        expect(c.workload.scheduler).toMatchObject({ blockSizeTokens: undefined, lruCapacityPerServer: undefined });
    });

    it("a pinned block size equal to vLLM's, and a repository-less oci:// chart", () => {
        const c = parseConfig(raw({ prefixBlockSizeTokens: "128", certManagerChartRepo: "", certManagerChart: "oci://quay.io/jetstack/charts/cert-manager" }));
        expect(c.workload.scheduler.blockSizeTokens).toBe(128);
        expect(c.operators.sources.certManager).toMatchObject({ repo: "", chart: "oci://quay.io/jetstack/charts/cert-manager" });
    });
});

describe("render's own input", () => {
    const read = (text: string) => () => parseStackFile(text, "Pulumi.dev.yaml");

    it("names the file and position of a YAML error in one line", () => {
        expect(read("config:\n  tpu-inference:replicas: 1\n  tpu-inference:replicas: 2\n")).toThrow(new RenderUsageError("Pulumi.dev.yaml:3:3: not valid YAML: Map keys must be unique"));
        expect(read("config:\n  a: 1\n   b: 2\n")).toThrow(/^Pulumi\.dev\.yaml:2:6: not valid YAML: [^\n]+$/);
        expect(read("config: [1]\n")).toThrow("Pulumi.dev.yaml: config must be a map of keys to values");
    });

    it("puts a key without a namespace in the project's, as the Pulumi CLI does (upstream row \"Pulumi stack config namespace\")", () => {
        expect(read('config:\n  replicas: "2"\n  gcp:project: x\n')()).toEqual({ "tpu-inference:replicas": "2", "gcp:project": "x" });
        expect(read("description: no config\n")()).toEqual({});
    });
});

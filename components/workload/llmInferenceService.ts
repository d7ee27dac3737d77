import {
    HF_TOKEN_ENV,
    HF_TOKEN_KEY,
    KSERVE_TLS_CERT,
    KSERVE_TLS_KEY,
    kserveNames,
    MAIN_CONTAINER,
    MODEL_MOUNT_PATH,
    PORTS,
    stackLabels,
} from "../../config/names";
import { TPU_NODE_LABELS, TPU_RESOURCE, TPU_TAINT } from "../../config/tpu";
import { StackConfig } from "../../config/types";
import {
    Container,
    EnvVar,
    KSERVE_API_VERSION,
    LLM_INFERENCE_SERVICE_KIND,
    LLMInferenceService,
    PodSpec,
    Probe,
} from "../../crds/kserve";
import { computeClassSelection } from "../capacity/computeClass";
import { schedulerTemplate } from "./schedulerConfig";

/**
 * The LLMInferenceService of the guide's step 5, as typed data: vLLM on single-host TPU v6e with prefix caching,
 * KServe's router (HTTPRoute, InferencePool, EPP) bound to the stack's Gateway, and a readiness wait for `pulumi up`.
 */

/**
 * vLLM's OpenAI server (`vllm serve`, as in KServe's own template), started directly, without a shell. The EA1
 * template `kserve-config-llm-template` runs `/bin/bash -c <script>` with the whole vLLM command line in `args[0]`
 * (the guide's "KServe wraps this with /bin/bash -c"). `command` and `args` are atomic lists in the controller's
 * strategic merge, so setting both replaces KServe's script entirely: the pod runs exactly this argv, each flag one
 * element, so extra args from config need no shell quoting and cannot inject shell code. The price is that the
 * flags KServe's script would add (served name, port, TLS) are set here, explicitly.
 *
 * The model path is the `--model` flag: the EA1 controller only adds the storage initializer and a read-only mount
 * at `/mnt/models` for it and leaves `args` alone (docs/UPSTREAM.md row "KServe storage initializer").
 *
 * Not set, on purpose: `PJRT_DEVICE=TPU` (vLLM's TPU worker sets it itself) and a request-logging flag (vLLM v0.11.2,
 * the pinned RHAIIS 3.2.5 image, logs no requests by default; `--disable-log-requests` is a deprecated no-op), see
 * docs/UPSTREAM.md rows "vLLM PJRT_DEVICE" and "vLLM request logging".
 */
export const VLLM_COMMAND = ["vllm", "serve"];

/**
 * Seconds the startup probe allows after its initial delay: weights, then the first XLA compilation (minutes on
 * v6e). A constant on purpose: tying it to `readyTimeoutMinutes` would make a change of how long `pulumi up` waits
 * roll every TPU pod.
 */
export const STARTUP_BUDGET_SECONDS = 30 * 60;
const STARTUP_PERIOD_SECONDS = 10;

/**
 * vLLM flags: the guide's tunables from config, prefix caching on, cached-token counts in every response
 * (`usage.prompt_tokens_details.cached_tokens`, the server-side proof of a cache hit), HTTPS with the certificate
 * KServe mounts (`--enable-ssl-refresh`, as in KServe's own template, picks up the certificate when KServe rotates
 * it). Not the guide's `--dtype=half`: bfloat16 is the TPU-native type and the default.
 */
export function vllmArgs(config: StackConfig): string[] {
    const { vllm, model } = config.workload;
    return [
        `--model=${MODEL_MOUNT_PATH}`,
        `--served-model-name=${model.name}`,
        `--port=${PORTS.vllm}`,
        `--tensor-parallel-size=${vllm.tensorParallelSize}`,
        `--max-model-len=${vllm.maxModelLen}`,
        `--max-num-seqs=${vllm.maxNumSeqs}`,
        `--dtype=${vllm.dtype}`,
        "--enable-prefix-caching",
        "--enable-prompt-tokens-details",
        "--enable-ssl-refresh",
        `--ssl-certfile=${KSERVE_TLS_CERT}`,
        `--ssl-keyfile=${KSERVE_TLS_KEY}`,
        ...vllm.extraArgs,
    ];
}

const httpsGet = (path: string) => ({ path, port: PORTS.vllm, scheme: "HTTPS" as const });

/**
 * Probes over vLLM's HTTPS port. The startup probe carries the configured initial delay and a long budget (TPU
 * init, weights, XLA compilation); liveness and readiness start only once it has passed, so they can be strict
 * without killing a pod that is still compiling. Readiness asks `/v1/models`: the OpenAI server is up and serving
 * the model, not just the process.
 */
export function vllmProbes(config: StackConfig): { startupProbe: Probe; livenessProbe: Probe; readinessProbe: Probe } {
    return {
        startupProbe: {
            httpGet: httpsGet("/health"),
            initialDelaySeconds: config.workload.vllm.probeInitialDelaySeconds,
            periodSeconds: STARTUP_PERIOD_SECONDS,
            timeoutSeconds: 5,
            successThreshold: 1,
            failureThreshold: Math.ceil(STARTUP_BUDGET_SECONDS / STARTUP_PERIOD_SECONDS),
        },
        livenessProbe: {
            httpGet: httpsGet("/health"),
            initialDelaySeconds: 0,
            periodSeconds: 30,
            timeoutSeconds: 10,
            successThreshold: 1,
            failureThreshold: 5,
        },
        readinessProbe: {
            httpGet: httpsGet("/v1/models"),
            initialDelaySeconds: 0,
            periodSeconds: 10,
            timeoutSeconds: 10,
            successThreshold: 1,
            failureThreshold: 3,
        },
    };
}

/** Names of the Secrets (and the ServiceAccount carrying them) the pods reference; absent when not configured. */
export interface SecretRefs {
    pullSecret?: string;
    huggingfaceToken?: string;
    serviceAccount?: string;
}

export function vllmContainer(config: StackConfig, secrets: SecretRefs): Container {
    const chips = String(config.cluster.tpuPool.chips);
    const env: EnvVar[] = secrets.huggingfaceToken
        ? [{ name: HF_TOKEN_ENV, valueFrom: { secretKeyRef: { name: secrets.huggingfaceToken, key: HF_TOKEN_KEY } } }]
        : [];
    return {
        name: MAIN_CONTAINER,
        image: config.workload.vllm.image,
        command: [...VLLM_COMMAND],
        args: vllmArgs(config),
        ...(env.length > 0 ? { env } : {}),
        // Whole node per replica: GKE schedules TPU chips only as the full slice of the host.
        resources: { requests: { [TPU_RESOURCE]: chips }, limits: { [TPU_RESOURCE]: chips } },
        ...vllmProbes(config),
    };
}

/**
 * The workload PodSpec. Both TPU node labels are selected (GKE Warden rejects TPU pods that miss either), the TPU
 * taint is tolerated. No TPU_* environment: single-host slices need none (the guide's are copied from multi-host).
 *
 * In computeClass mode the pods also select the stack's ComputeClass (components/capacity/computeClass.ts).
 *
 * Termination: on SIGTERM vLLM's launcher cancels its server task and awaits uvicorn's shutdown (docs/UPSTREAM.md
 * "vLLM SIGTERM"; that uvicorn lets running responses finish is UNVERIFIED); `vllmTerminationGracePeriodSeconds`
 * (120 s by default, KServe's template has 30) bounds it before the kubelet kills the pod: a 2048-token completion.
 *
 * XLA compile cache: vLLM keeps it under $HOME, which KServe's template puts on an emptyDir (`/home`), so it
 * survives container restarts within a pod. A cache that survives a new pod would need a PVC or a bucket per
 * node pool, new infrastructure this stack does not create.
 */
export function workloadTemplate(config: StackConfig, secrets: SecretRefs): PodSpec {
    const tpu = config.cluster.tpuPool;
    const computeClass = computeClassSelection(config.cluster);
    return {
        nodeSelector: {
            [TPU_NODE_LABELS.accelerator]: tpu.accelerator,
            [TPU_NODE_LABELS.topology]: tpu.topology,
            ...computeClass.nodeSelector,
        },
        tolerations: [{ key: TPU_TAINT.key, operator: "Equal", value: TPU_TAINT.value, effect: TPU_TAINT.effect }, ...computeClass.tolerations],
        terminationGracePeriodSeconds: config.workload.vllm.terminationGracePeriodSeconds,
        ...(secrets.serviceAccount ? { serviceAccountName: secrets.serviceAccount } : {}),
        containers: [vllmContainer(config, secrets)],
        ...(secrets.pullSecret ? { imagePullSecrets: [{ name: secrets.pullSecret }] } : {}),
    };
}

/**
 * How `pulumi up` waits. With replicas, the provider waits (and reports progress) until the service's `Ready`
 * condition is True at the current generation, within `readyTimeoutMinutes`: KServe sets it once its workload
 * Deployment is Available (every replica's readiness probe passes) and the router (route, pool, EPP) is ready.
 * With 0 replicas there is nothing to wait for: no pod can serve the model, and whether the controller calls an
 * empty Deployment "available" is its detail, so the stack does not wait and `pulumi up` finishes at once.
 */
export function readinessAnnotations(config: StackConfig): Record<string, string> {
    if (config.workload.replicas === 0) return { "pulumi.com/skipAwait": "true" };
    return {
        "pulumi.com/waitFor": "condition=Ready",
        "pulumi.com/timeoutSeconds": String(readyTimeoutSeconds(config)),
    };
}

export function readyTimeoutSeconds(config: StackConfig): number {
    return config.workload.vllm.readyTimeoutMinutes * 60;
}

export function llmInferenceService(config: StackConfig, secrets: SecretRefs): LLMInferenceService {
    const w = config.workload;
    const names = kserveNames(w);
    return {
        apiVersion: KSERVE_API_VERSION,
        kind: LLM_INFERENCE_SERVICE_KIND,
        metadata: {
            name: names.serviceName,
            namespace: names.namespace,
            labels: stackLabels("inference-service"),
            annotations: readinessAnnotations(config),
        },
        spec: {
            model: { uri: w.model.uri, name: w.model.name },
            replicas: w.replicas,
            parallelism: { tensor: w.vllm.tensorParallelSize },
            router: {
                route: {},
                gateway: { refs: [{ name: config.gateway.name, namespace: config.gateway.namespace }] },
                scheduler: { template: schedulerTemplate(config, secrets.pullSecret) },
            },
            template: workloadTemplate(config, secrets),
        },
    };
}

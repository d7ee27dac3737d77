import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

/**
 * Runs the real Pulumi program under the SDK's mocks and records what would reach the engine: every resource
 * registration with its type, name, parent, dependencies and inputs (secrets redacted), and the stack outputs.
 * Shared by `npm run render` and the tests, so both see exactly what `pulumi up` would send.
 */

export interface CapturedResource {
    type: string;
    name: string;
    urn: string;
    /** Logical name of the parent resource (absent for the root stack). */
    parent?: string;
    /** Logical names of the resources this one depends on: explicit `dependsOn` plus those implied by inputs. */
    dependsOn: string[];
    /** Inputs as sent to the engine; secret values are replaced by "[secret]". */
    inputs: Record<string, unknown>;
    /** Paths (dot-separated) of inputs that were secret. */
    secretPaths: string[];
    /** Path -> digest of each secret value, so tests can see a secret change without seeing the secret (never rendered). */
    secretDigests: Record<string, string>;
    custom: boolean;
    /** Logical name of the explicit provider, if any. */
    provider?: string;
    /** True for `Resource.get` reads of existing objects. */
    read?: boolean;
}

export interface CapturedStack {
    resources: CapturedResource[];
    /** Stack outputs; secret outputs are "[secret]". */
    outputs: Record<string, unknown>;
    /** Names of stack outputs that are secret. */
    secretOutputs: string[];
    /** Output path -> digest of each secret output value: a test sees a secret change (or not) without seeing it. */
    secretOutputDigests: Record<string, string>;
    byType(type: string): CapturedResource[];
    /** The one resource of `type` (named `name`, if given); throws when there is not exactly one. */
    one(type: string, name?: string): CapturedResource;
}

export type MockState = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;

export interface CaptureOptions {
    project: string;
    stack: string;
    /** Fully qualified config (`project:key` -> string value, as the engine passes it). */
    config: Record<string, string>;
    /** Fully qualified keys set as secrets. */
    secretKeys?: string[];
    /** Loads the program; its exports become stack outputs. */
    load: () => Promise<unknown>;
    /** Extra state the mock cloud reports for a resource (e.g. a Gateway's address). */
    mockState?: MockState;
}

export const SECRET = "[secret]";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

interface Recorder {
    resources: CapturedResource[];
    urnToName: Map<string, string>;
    stackOutputs?: Record<string, unknown>;
}

let current: Recorder | undefined;
let patched = false;

/** Wraps the mock monitor once so every registration is also recorded (the SDK's mock args omit parents and dependencies). */
function patchMonitor(): void {
    if (patched) return;
    patched = true;
    const proto = MockMonitor.prototype as unknown as Record<string, (req: any, cb: (err: any, res: any) => void) => Promise<void> | void>;
    const register = proto.registerResource;
    proto.registerResource = async function (this: MockMonitor, req: any, cb: (err: any, res: any) => void) {
        return register.call(this, req, (err: any, res: any) => {
            if (!err && current) record(current, req, res.getUrn(), false);
            cb(err, res);
        });
    };
    const read = proto.readResource;
    proto.readResource = async function (this: MockMonitor, req: any, cb: (err: any, res: any) => void) {
        return read.call(this, req, (err: any, res: any) => {
            if (!err && current) record(current, req, res.getUrn(), true);
            cb(err, res);
        });
    };
    const outputs = proto.registerResourceOutputs;
    proto.registerResourceOutputs = function (this: MockMonitor, req: any, cb: (err: any, res: any) => void) {
        if (current && req.getUrn().includes("::pulumi:pulumi:Stack::")) {
            current.stackOutputs = req.getOutputs()?.toJavaScript() ?? {};
        }
        return outputs.call(this, req, cb);
    };
}

function record(rec: Recorder, req: any, urn: string, isRead: boolean): void {
    const name: string = req.getName();
    rec.urnToName.set(urn, name);
    const secretPaths: string[] = [];
    const secretDigests: Record<string, string> = {};
    const raw = (isRead ? req.getProperties() : req.getObject())?.toJavaScript() ?? {};
    const inputs = redact(raw, "", secretPaths, secretDigests) as Record<string, unknown>;
    const deps: string[] = isRead ? [] : (req.getDependenciesList() as string[]);
    const parentUrn: string = req.getParent();
    const providerRef: string = req.getProvider() ?? "";
    rec.resources.push({
        type: req.getType(),
        name,
        urn,
        parent: parentUrn ? parentUrn : undefined,
        dependsOn: deps,
        inputs,
        secretPaths,
        secretDigests,
        custom: isRead ? true : req.getCustom(),
        provider: providerRef ? providerRef.slice(0, providerRef.lastIndexOf("::")) : undefined,
        read: isRead || undefined,
    });
}

/** Replaces secret values with "[secret]" (a secret map keeps its keys), unknowns with "[unknown]" and resource references with their URN. */
export function redact(value: unknown, path: string, secretPaths: string[], digests: Record<string, string> = {}): unknown {
    if (Array.isArray(value)) return value.map((v, i) => redact(v, `${path}[${i}]`, secretPaths, digests));
    if (value === UNKNOWN) return "[unknown]";
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            secretPaths.push(path);
            digests[path] = createHash("sha256").update(JSON.stringify(obj.value)).digest("hex").slice(0, 16);
            // A secret map keeps its keys (a Secret's data keys are not secret, and manifests stay valid).
            const inner = obj.value;
            if (inner && typeof inner === "object" && !Array.isArray(inner)) {
                return Object.fromEntries(Object.keys(inner as object).map((k) => [k, SECRET]));
            }
            return SECRET;
        }
        if (obj[SIG_KEY] === RESOURCE_SIG) return { resource: obj.urn };
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) out[k] = redact(v, path ? `${path}.${k}` : k, secretPaths, digests);
        return out;
    }
    return value;
}

/** What the fake cloud's CA bundle Secret holds as `ca.crt` (a stand-in, not a certificate). */
export const MOCK_CA_PEM = "-----BEGIN CERTIFICATE-----\nbW9jay1rc2VydmUtY2E=\n-----END CERTIFICATE-----\n";

/** Fake cloud: echoes inputs back as state, with a few computed fields the program reads. */
function defaultState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    switch (args.type) {
        case "gcp:container/cluster:Cluster":
            return {
                endpoint: "192.0.2.1",
                masterAuth: { clusterCaCertificate: Buffer.from("mock-cluster-ca").toString("base64") },
                selfLink: `https://container.googleapis.com/v1/projects/${args.inputs.project}/zones/${args.inputs.location}/clusters/${args.inputs.name}`,
            };
        case "gcp:serviceaccount/account:Account":
            return { email: `${args.inputs.accountId}@${args.inputs.project}.iam.gserviceaccount.com`, member: `serviceAccount:${args.inputs.accountId}@${args.inputs.project}.iam.gserviceaccount.com` };
        case "kubernetes:gateway.networking.k8s.io/v1:Gateway":
            return { status: { addresses: [{ type: "IPAddress", value: "192.0.2.10" }] } };
        // The API server as pods reach it: the `kubernetes` Service and the EndpointSlice behind it.
        case "kubernetes:core/v1:Service":
            return args.id === "default/kubernetes" ? { spec: { clusterIP: "192.0.2.20", ports: [{ name: "https", port: 443, protocol: "TCP" }] } } : {};
        // The gateway's CA bundle as cert-manager writes it: the stack reads only its public `ca.crt`.
        case "kubernetes:core/v1:Secret":
            return typeof args.id === "string" && args.id.endsWith("-ca-bundle") ? { data: { "ca.crt": Buffer.from(MOCK_CA_PEM).toString("base64") } } : {};
        // Random bytes the fake cloud derives from the resource's name: stable across runs, like a value in state.
        case "random:index/randomBytes:RandomBytes": {
            const bytes = createHash("sha256").update(`mock-random:${args.name}`).digest().subarray(0, Number(args.inputs.length));
            return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
        }
        case "kubernetes:discovery.k8s.io/v1:EndpointSlice":
            return args.id === "default/kubernetes"
                ? { addressType: "IPv4", endpoints: [{ addresses: ["192.0.2.30"] }], ports: [{ name: "https", port: 443, protocol: "TCP" }] }
                : {};
        default:
            return {};
    }
}

/** Runs the program once under mocks. Each call uses a fresh mock monitor; run programs one at a time. */
export async function captureProgram(opts: CaptureOptions): Promise<CapturedStack> {
    patchMonitor();
    const rec: Recorder = { resources: [], urnToName: new Map() };
    current = rec;
    try {
        pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => ({
                    id: args.id || `${args.name}-id`,
                    state: { ...args.inputs, ...defaultState(args), ...(opts.mockState?.(args) ?? {}) },
                }),
                call: (args) => args.inputs,
            },
            opts.project,
            opts.stack,
            false,
        );
        // A program that throws (bad config) is reported as its own error, not as the SDK's rejected stack outputs.
        let programError: unknown;
        await pulumi.runtime.runInPulumiStack(async () => {
            try {
                return await opts.load();
            } catch (err) {
                programError = err;
                return {};
            }
        });
        const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
        if (waitForRPCs) await waitForRPCs();
        if (programError !== undefined) throw programError;
    } finally {
        current = undefined;
    }
    const nameOf = (urn: string) => rec.urnToName.get(urn) ?? urn;
    const resources = rec.resources
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .map((r) => ({
            ...r,
            parent: r.parent && !r.parent.includes("::pulumi:pulumi:Stack::") ? nameOf(r.parent) : undefined,
            dependsOn: [...new Set(r.dependsOn.map(nameOf))].sort(),
            provider: r.provider ? nameOf(r.provider) : undefined,
        }));
    const secretOutputs: string[] = [];
    const secretOutputDigests: Record<string, string> = {};
    const outputs = redact(rec.stackOutputs ?? {}, "", secretOutputs, secretOutputDigests) as Record<string, unknown>;
    const byType = (type: string) => resources.filter((r) => r.type === type);
    return {
        resources,
        outputs,
        secretOutputs,
        secretOutputDigests,
        byType,
        one(type, name) {
            const found = byType(type).filter((r) => name === undefined || r.name === name);
            if (found.length !== 1) {
                throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
            }
            return found[0];
        },
    };
}

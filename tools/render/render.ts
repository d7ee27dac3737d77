import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { YAMLError, parse, stringify } from "yaml";
import { CONFIG_KEYS } from "../../config/schema";
import { PROJECT_NAME } from "../../config";
import { CapturedResource, CapturedStack, MockState, captureProgram } from "./capture";

export const ROOT = join(__dirname, "..", "..");

/** Stand-ins for secrets a stack file does not hold (render never needs the real ones: secrets are redacted). */
const SECRET_STAND_INS: Record<string, string> = {
    redhatPullSecret: JSON.stringify({ auths: { "registry.redhat.io": { auth: "cmVuZGVyOnJlbmRlcg==" } } }),
    huggingfaceToken: "hf_render",
};

/** A render that cannot start (no such stack file): reported as one line, exit code 2. */
export class RenderUsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RenderUsageError";
    }
}

export interface StackInput {
    config: Record<string, string>;
    secretKeys: string[];
}

/** Reads Pulumi.<stack>.yaml as the engine would hand it to the program (values as strings, secrets flagged). */
export function readStackConfig(stack: string, root = ROOT): StackInput {
    const file = join(root, `Pulumi.${stack}.yaml`);
    if (!existsSync(file)) {
        throw new RenderUsageError(`no stack file Pulumi.${stack}.yaml in ${root}: pick another --stack, or create it (npm run pulumi -- config set project <gcp-project> --stack ${stack})`);
    }
    return stackInputFrom(parseStackFile(readFileSync(file, "utf8"), `Pulumi.${stack}.yaml`));
}

/**
 * The `config:` map of a stack file, read as the Pulumi CLI reads it: a key without a namespace belongs to the
 * project (upstream row "Pulumi stack config namespace"). YAML errors (duplicate keys, bad indentation) become one
 * line naming the file and position.
 */
export function parseStackFile(text: string, file: string): Record<string, unknown> {
    let doc: unknown;
    try {
        doc = parse(text) ?? {};
    } catch (err) {
        if (!(err instanceof YAMLError)) throw err;
        const at = err.linePos?.[0];
        throw new RenderUsageError(`${file}${at ? `:${at.line}:${at.col}` : ""}: not valid YAML: ${err.message.split(" at line ")[0].split("\n")[0]}`);
    }
    const config = (doc as { config?: unknown }).config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new RenderUsageError(`${file}: config must be a map of keys to values`);
    }
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${PROJECT_NAME}:${k}`, v]));
}

/** Turns a stack file's `config:` map into engine form; secret keys the file lacks get stand-ins. */
export function stackInputFrom(values: Record<string, unknown>): StackInput {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(values)) {
        if (value && typeof value === "object" && "secure" in (value as object)) {
            const short = key.replace(`${PROJECT_NAME}:`, "");
            config[key] = SECRET_STAND_INS[short] ?? "[secret]";
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    for (const k of CONFIG_KEYS.filter((c) => c.secret)) {
        const full = `${PROJECT_NAME}:${k.key}`;
        if (!(full in config)) {
            config[full] = SECRET_STAND_INS[k.key];
            secretKeys.push(full);
        }
    }
    return { config, secretKeys };
}

/** Runs a program (index.ts by default) under mocks with the given engine config. */
export function runProgram(input: StackInput, stack: string, mockState?: MockState, program = join(ROOT, "index")): Promise<CapturedStack> {
    return captureProgram({
        project: PROJECT_NAME,
        stack,
        config: input.config,
        secretKeys: input.secretKeys,
        // Test runners load TypeScript through import() (and reset their own module cache); plain Node (tsx) through
        // require, whose cache is cleared so that a second run in one process registers its resources again.
        load: process.env.VITEST ? () => import(program) : async () => requireFresh(program),
        mockState,
    });
}

function requireFresh(program: string): unknown {
    for (const file of Object.keys(require.cache)) {
        if (file.startsWith(ROOT) && !file.includes("node_modules")) delete require.cache[file];
    }
    return require(program);
}

/** `kubernetes:apps/v1:Deployment` -> { apiVersion: "apps/v1", kind: "Deployment" }; core group -> "v1". */
export function kubernetesKind(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+)\/([^/:]+):(\w+)$/.exec(type);
    if (!m) return undefined;
    const [, group, version, kind] = m;
    return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

/** The top-level component a resource belongs to (the file it is rendered into). */
function componentOf(r: CapturedResource, byName: Map<string, CapturedResource>): string {
    let cur = r;
    while (cur.parent && byName.has(cur.parent)) cur = byName.get(cur.parent)!;
    return cur.name;
}

/** A manifest for each Kubernetes object and Helm release, grouped per top-level component. */
export function manifestsByComponent(stack: CapturedStack): Map<string, unknown[]> {
    const byName = new Map(stack.resources.map((r) => [r.name, r]));
    const files = new Map<string, unknown[]>();
    const sorted = [...stack.resources].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    for (const r of sorted) {
        if (!r.type.startsWith("kubernetes:") || r.type === "pulumi:providers:kubernetes" || r.read) continue;
        const doc = manifestOf(r);
        if (!doc) continue;
        const file = componentOf(r, byName);
        files.set(file, [...(files.get(file) ?? []), doc]);
    }
    return files;
}

function manifestOf(r: CapturedResource): unknown {
    const { inputs } = r;
    // Helm releases and upstream manifest bundles render on the cluster, not here: resources.json lists their
    // chart, version, repository, values and URLs. The YAML files hold only Kubernetes objects, for `kubectl diff`.
    if (r.type.startsWith("kubernetes:helm.sh/") || r.type.startsWith("kubernetes:yaml/")) return undefined;
    const kind = kubernetesKind(r.type);
    if (!kind) return undefined;
    const { apiVersion, kind: k, metadata, ...rest } = inputs as Record<string, unknown>;
    return { apiVersion: apiVersion ?? kind.apiVersion, kind: k ?? kind.kind, metadata, ...rest };
}

/** resources.json entries: what `pulumi up` would register. */
export function resourceEntries(stack: CapturedStack) {
    return [...stack.resources]
        .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name))
        .map((r) => ({ type: r.type, name: r.name, parent: r.parent ?? null, dependsOn: r.dependsOn, inputs: r.inputs, ...(r.read ? { read: true } : {}) }));
}

/** The files a render writes, path -> content. */
export function renderFiles(stack: CapturedStack): Map<string, string> {
    const files = new Map<string, string>();
    files.set("resources.json", JSON.stringify(resourceEntries(stack), null, 2) + "\n");
    files.set("outputs.json", JSON.stringify(stack.outputs, null, 2) + "\n");
    for (const [component, docs] of manifestsByComponent(stack)) {
        const body = docs.map((d) => stringify(d, { lineWidth: 0, sortMapEntries: false })).join("---\n");
        files.set(`${component}.yaml`, `# Rendered by \`npm run render\` from the component "${component}"; do not edit.\n${body}`);
    }
    return files;
}

/** Writes a render into `outDir`, replacing what an earlier render left there. */
export function writeRender(outDir: string, files: Map<string, string>): void {
    if (existsSync(outDir)) {
        for (const f of readdirSync(outDir)) if (f.endsWith(".yaml") || f.endsWith(".json")) rmSync(join(outDir, f));
    }
    mkdirSync(outDir, { recursive: true });
    for (const [name, content] of files) writeFileSync(join(outDir, name), content);
}

import { join } from "node:path";
import { CustomResourceCheck, validateCustomResource } from "../../crds";
import { CapturedResource, CapturedStack } from "../../tools/render/capture";
import { RunStackOptions, runStack } from "../helpers/stack";

/** Runs platformProgram.ts (cluster, pools, Platform) instead of index.ts. */
export function runPlatform(opts: RunStackOptions = {}): Promise<CapturedStack> {
    return runStack({ ...opts, program: join(__dirname, "platformProgram") });
}

/**
 * Runs a program that must fail on a resource (e.g. a read of something missing) and returns the run's error. The
 * SDK also rejects each output promise of that resource, which nothing in the program awaits; those rejections are
 * collected and returned here, instead of failing the test file as unhandled, so the test can check them too.
 */
export async function runFailure(run: () => Promise<unknown>): Promise<{ error: Error; unhandled: Error[] }> {
    const previous = process.listeners("unhandledRejection");
    const unhandled: Error[] = [];
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", (reason) => unhandled.push(reason instanceof Error ? reason : new Error(String(reason))));
    try {
        await run();
    } catch (err) {
        return { error: err as Error, unhandled };
    } finally {
        // Node reports a rejection once the microtask queue drains; let it, before the test runner's listeners return.
        await new Promise((resolve) => setTimeout(resolve, 50));
        process.removeAllListeners("unhandledRejection");
        for (const listener of previous) process.on("unhandledRejection", listener);
    }
    throw new Error("expected the program to fail, but it ran");
}

/** Names of the resource's ancestors, nearest first. */
export function ancestors(s: CapturedStack, r: CapturedResource): string[] {
    const byName = new Map(s.resources.map((x) => [x.name, x]));
    const out: string[] = [];
    let cur = r.parent;
    while (cur && !out.includes(cur)) {
        out.push(cur);
        cur = byName.get(cur)?.parent;
    }
    return out;
}

/** Every resource under the named component (at any depth). */
export function descendants(s: CapturedStack, component: string): CapturedResource[] {
    return s.resources.filter((r) => ancestors(s, r).includes(component));
}

/** The custom resource of this apiVersion/kind, by metadata.name (and namespace when given). */
export function customResource(s: CapturedStack, apiVersion: string, kind: string, name: string, namespace?: string): CapturedResource {
    const type = `kubernetes:${apiVersion}:${kind}`;
    const found = s.byType(type).filter((r) => {
        const meta = r.inputs.metadata as { name?: string; namespace?: string } | undefined;
        return meta?.name === name && (namespace === undefined || meta?.namespace === namespace);
    });
    if (found.length !== 1) throw new Error(`expected one ${type} ${namespace ? `${namespace}/` : ""}${name}, found ${found.length}`);
    return found[0];
}

/** Transitive closure of `dependsOn` (explicit and implied): everything that must exist before `name`. */
export function dependencyClosure(s: CapturedStack, name: string): Set<string> {
    const byName = new Map(s.resources.map((x) => [x.name, x]));
    const seen = new Set<string>();
    const stack = [...(byName.get(name)?.dependsOn ?? [])];
    while (stack.length > 0) {
        const next = stack.pop()!;
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(...(byName.get(next)?.dependsOn ?? []));
    }
    return seen;
}

/** The custom resource kinds the platform renders (a Patch type is a server-side-apply patch of that kind). */
export const PLATFORM_CR_TYPES = [
    "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    "kubernetes:sailoperator.io/v1:Istio",
    "kubernetes:sailoperator.io/v1:IstioPatch",
    "kubernetes:sailoperator.io/v1:IstioCNI",
    "kubernetes:cert-manager.io/v1:ClusterIssuer",
    "kubernetes:cert-manager.io/v1:Certificate",
    "kubernetes:security.istio.io/v1:RequestAuthentication",
    "kubernetes:security.istio.io/v1:AuthorizationPolicy",
];

/** Validates a captured custom resource (or patch) against the stack's zod model registry (crds/index.ts). */
export function validateCaptured(r: CapturedResource): CustomResourceCheck {
    return validateCustomResource(r.inputs, r.type.endsWith("Patch"));
}

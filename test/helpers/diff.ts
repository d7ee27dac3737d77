import { CapturedStack } from "../../tools/render/capture";

/**
 * Paths (`type name: input.path`) whose values differ between two runs; resources present in one run only appear
 * as `+`/`-`. Secret inputs compare by digest (`secret:path`), so a changed secret shows without being seen.
 */
export function inputDiff(a: CapturedStack, b: CapturedStack): string[] {
    const key = (r: { type: string; name: string }) => `${r.type} ${r.name}`;
    const comparable = (r: CapturedStack["resources"][number]) => ({ ...r.inputs, ...prefixed(r.secretDigests) });
    const mapA = new Map(a.resources.map((r) => [key(r), comparable(r)]));
    const mapB = new Map(b.resources.map((r) => [key(r), comparable(r)]));
    const out: string[] = [];
    for (const k of new Set([...mapA.keys(), ...mapB.keys()])) {
        if (!mapA.has(k)) out.push(`+ ${k}`);
        else if (!mapB.has(k)) out.push(`- ${k}`);
        else walk(mapA.get(k), mapB.get(k), "", (p) => out.push(`${k}: ${p}`));
    }
    return out.sort();
}

function walk(x: unknown, y: unknown, path: string, report: (p: string) => void): void {
    if (x && y && typeof x === "object" && typeof y === "object" && Array.isArray(x) === Array.isArray(y)) {
        const keys = new Set([...Object.keys(x as object), ...Object.keys(y as object)]);
        for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k, report);
        return;
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) report(path);
}

function prefixed(digests: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(digests).map(([path, digest]) => [`secret:${path}`, digest]));
}

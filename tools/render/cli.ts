import { join, resolve } from "node:path";
import { Command } from "commander";
import { ROOT, readStackConfig, renderFiles, runProgram, writeRender } from "./render";

// `npm run render -- [--stack dev] [--out manifests/dev]`: what `pulumi up` would create, with no cloud and no CLI.
async function main(): Promise<void> {
    const cli = new Command()
        .name("render")
        .description("Render every resource and Kubernetes object the stack would create, offline (Pulumi mocks).")
        .option("-s, --stack <name>", "stack whose Pulumi.<stack>.yaml config is used", "dev")
        .option("-o, --out <dir>", "output directory (default: manifests/<stack>)")
        .parse();
    const { stack, out } = cli.opts<{ stack: string; out?: string }>();
    const outDir = resolve(out ?? join(ROOT, "manifests", stack));
    const captured = await runProgram(readStackConfig(stack), stack);
    const files = renderFiles(captured);
    writeRender(outDir, files);
    console.log(`rendered ${captured.resources.length} resources of stack "${stack}" into ${outDir} (${[...files.keys()].join(", ")})`);
}

main().catch((err: Error) => {
    // Config and usage errors already say what to do; anything else keeps its stack for debugging.
    const expected = err.name === "StackConfigError" || err.name === "RenderUsageError";
    console.error(expected ? err.message : err.stack ?? String(err));
    process.exit(err.name === "RenderUsageError" ? 2 : 1);
});

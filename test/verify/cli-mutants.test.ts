/**
 * The verify command line without a server: its help text (golden), every argument validator's message and
 * boundary, the usage errors, progress only on an interactive stderr, and the stack-output reader.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { intIn, main, numberIn } from "../../tools/verify/cli";
import { createProgress } from "../../tools/verify/progress";
import { pulumiStackOutput, pulumiStackUrl } from "../../tools/verify/stack";
import { golden, runCli, withSim } from "./helpers";



describe("verify --help", () => {
    it("prints every option with its description and default", async () => {
        const help = await runCli(["--help"]);
        expect(help.code).toBe(0);
        golden("verify-help.txt", help.out);
        const compare = await runCli(["compare", "--help"]);
        expect(compare.code).toBe(0);
        golden("verify-compare-help.txt", compare.out);
    });
});

describe("argument validators", () => {
    it("takes integers and decimals only within their bounds", () => {
        const int = intIn(1, 5);
        expect([int("1"), int("5"), int("+3")]).toEqual([1, 5, 3]);
        for (const bad of ["0", "6", "1.5", "0x2", "1e0", " 2", ""]) expect(() => int(bad)).toThrow("expected an integer from 1 to 5");
        const num = numberIn(0.5, 2);
        expect([num("0.5"), num("2"), num(".75"), num("1.")]).toEqual([0.5, 2, 0.75, 1]);
        for (const bad of ["0.49", "2.01", "1e0", "abc", "-"]) expect(() => num(bad)).toThrow("expected a number from 0.5 to 2");
    });

    it("names the option, the value and what is allowed", async () => {
        const cases: [string[], string][] = [
            [["--timeout", "601s"], "error: option '--timeout <duration>' argument '601s' is invalid. expected a duration such as 500ms, 30s or 2m (at most 600s)"],
            [["--timeout", "soon"], "expected a duration such as 500ms, 30s or 2m (at most 600s)"],
            [["--duration", "61m"], "expected a duration such as 500ms, 30s or 2m (at most 3600s)"],
            [["--sweep-rates", "1,x"], "expected a comma-separated list of up to 12 numbers from 1 to 100000"],
            [["--sweep-concurrency", "1.5"], "expected a comma-separated list of up to 12 integers from 1 to 1024"],
            [["--skip", "bogus"], "expected a comma-separated list of health, cache, load"],
            [["--goodput", "fast"], "expected ttft:<ms>, tpot:<ms> and/or e2el:<ms>, comma-separated"],
            [["--concurrency", "1025"], "expected an integer from 1 to 1024"],
        ];
        for (const [args, message] of cases) {
            const r = await runCli(["--url", "http://127.0.0.1:9", ...args]);
            expect(r.code).toBe(2);
            expect(r.err).toContain(message);
        }
        // The bounds themselves are accepted (the run then fails on the closed port, exit 1, not 2).
        const edge = await runCli(["--url", "http://127.0.0.1:9", "--timeout", "600s", "--only", "health", "--quiet"]);
        expect(edge.code).toBe(1);
    });

    it("refuses contradictory options and a missing URL with what to pass", async () => {
        const cases: [string[], string][] = [
            [["--skip", "health", "--only", "load"], "error: --skip and --only cannot be combined\n"],
            [["--skip", "health,cache,load"], "error: no phase left to run\n"],
            [["--min-goodput", "0.5"], "error: --min-goodput needs --goodput SLOs\n"],
            [["--sweep-rates", "1", "--sweep-concurrency", "2"], "error: --sweep-rates and --sweep-concurrency cannot be combined\n"],
            [["--arrival", "poisson"], "error: --arrival needs --rate or --sweep-rates\n"],
        ];
        for (const [args, message] of cases) {
            const r = await runCli(["--url", "http://127.0.0.1:9", ...args]);
            expect([r.code, r.err]).toEqual([2, message]);
        }
        const noStack = await runCli(["--stack", "prod"]);
        expect([noStack.code, noStack.err]).toEqual([
            2,
            'error: no --url given and the Pulumi stack output baseUrl of stack "prod" could not be read (no Pulumi stack in tests); pass --url http://<gatewayIp>/<namespace>/<service>\n',
        ]);
        const badUrl = await runCli(["--url", "ftp://x/y"]);
        expect([badUrl.code, badUrl.err]).toEqual([2, 'error: invalid --url "ftp://x/y": expected http(s)://host[:port]/path without query\n']);
        const fromStack = await runCli(["--only", "health", "--quiet"], async (stack) => `http://127.0.0.1:9/${stack}`);
        expect(fromStack.code).toBe(1);
        expect(fromStack.out).toContain("GET /health: connection refused");
    });

    it("refuses unreadable or foreign files in compare", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "verify-compare-"));
        const junk = path.join(dir, "junk.json");
        writeFileSync(junk, "[]");
        const missing = await runCli(["compare", path.join(dir, "none.json"), junk]);
        expect(missing.code).toBe(2);
        expect(missing.err).toMatch(/^error: cannot read .*none\.json: ENOENT/);
        const foreign = await runCli(["compare", junk, junk]);
        expect([foreign.code, foreign.err]).toEqual([2, `error: ${junk} is not a tpu-inference-stack/verify@2 report (schema null)\n`]);
    });
});

describe("progress bars", () => {
    afterEach(() => vi.restoreAllMocks());

    it("draw on an interactive stderr only, never with --json or --quiet", async () => {
        await withSim({}, async (sim) => {
            // cli-progress draws only on a TTY stream: make stderr one for the test, and count what reaches it.
            const tty = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
            Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
            try {
                const bars = async (args: string[], stderrIsTTY: boolean) => {
                    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
                    await main(["--url", sim.url, "--only", "cache", "--cache-groups", "2", "--cache-requests", "2", ...args], {
                        stdout: () => undefined,
                        stderr: () => undefined,
                        stderrIsTTY,
                        resolveStackUrl: () => Promise.reject(new Error("x")),
                    });
                    const n = spy.mock.calls.filter(([chunk]) => String(chunk).includes("prefix cache")).length;
                    spy.mockRestore();
                    return n;
                };
                expect(await bars([], true)).toBeGreaterThan(0);
                expect(await bars([], false)).toBe(0);
                expect(await bars(["--json"], true)).toBe(0);
                expect(await bars(["--quiet"], true)).toBe(0);
            } finally {
                if (tty === undefined) delete (process.stderr as { isTTY?: boolean }).isTTY;
                else Object.defineProperty(process.stderr, "isTTY", tty);
            }
        });
    });

    it("shows label, position and total on the given stream, and is silent when disabled", () => {
        const out = new PassThrough();
        let text = "";
        out.on("data", (chunk: Buffer) => {
            text += chunk.toString();
        });
        (out as unknown as { isTTY: boolean }).isTTY = true;
        const p = createProgress(true, out);
        p.start("prefix cache", 4);
        p.update(3);
        p.start("load serial", 2);
        p.update(2);
        p.stop();
        expect(text).toContain("prefix cache");
        expect(text).toContain("3/4");
        expect(text).toContain("load serial");
        expect(text).toContain("2/2");
        const silent = createProgress(false, out);
        const before = text.length;
        silent.start("x", 1);
        silent.update(1);
        silent.stop();
        expect(text.length).toBe(before);
    });
});

describe("the stack-output reader", () => {
    const saved = process.env.PATH;
    afterEach(() => {
        process.env.PATH = saved;
    });

    /** A fake `npx` first on PATH that prints its arguments, or fails, as scripted. */
    function fakeNpx(script: string): string {
        const dir = mkdtempSync(path.join(os.tmpdir(), "fake-npx-"));
        const file = path.join(dir, "npx");
        writeFileSync(file, `#!/bin/sh\n${script}\n`);
        chmodSync(file, 0o755);
        process.env.PATH = `${dir}:${saved ?? ""}`;
        return dir;
    }

    it("asks the project's Pulumi for one output of the stack, revealing a secret only as JSON", async () => {
        fakeNpx('echo "  $* skip=$PULUMI_SKIP_UPDATE_CHECK cwd=$(pwd)  "');
        const root = path.resolve(__dirname, "../..");
        expect(await pulumiStackUrl("dev")).toBe(`--no-install pulumi stack output baseUrl --stack dev skip=true cwd=${root}`);
        expect(await pulumiStackOutput("prod", "clientTokens", true)).toBe(`--no-install pulumi stack output clientTokens --show-secrets --json --stack prod skip=true cwd=${root}`);
        expect(await pulumiStackOutput("prod", "caCertificate", false)).toBe(`--no-install pulumi stack output caCertificate --stack prod skip=true cwd=${root}`);
    });

    it("fails with Pulumi's last error line, or says the output is empty", async () => {
        fakeNpx('echo "warning: something" >&2\necho "error: no stack named dev found" >&2\necho "" >&2\nexit 255');
        await expect(pulumiStackUrl("dev")).rejects.toThrow(/^error: no stack named dev found$/);
        fakeNpx("exit 3");
        await expect(pulumiStackUrl("dev")).rejects.toThrow(/Command failed/);
        fakeNpx('echo "   "');
        await expect(pulumiStackUrl("dev")).rejects.toThrow("the output is empty");
        fakeNpx("sleep 5");
        await expect(pulumiStackOutput("dev", "baseUrl", false, 200)).rejects.toThrow();
    });
});

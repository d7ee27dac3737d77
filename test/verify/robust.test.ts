import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { intIn, numberIn } from "../../tools/verify/cli";
import { LIMITS_BYTES, VerifyClient } from "../../tools/verify/http";
import { SseParser } from "../../tools/verify/sse";
import { runCli, runJson } from "./helpers";

/** A hostile server on loopback: `respond` writes whatever it likes, as long as the client reads. */
async function hostile(respond: (res: ServerResponse, path: string) => void): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => respond(res, req.url ?? "/"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Writes `piece` for as long as the socket drains, never ending. */
function forever(res: ServerResponse, piece: string): void {
    const pump = () => {
        while (!res.destroyed && res.write(piece));
        if (!res.destroyed) res.once("drain", pump);
    };
    res.on("close", () => res.removeAllListeners("drain"));
    pump();
}

const servers: Server[] = [];
afterEach(async () => {
    for (const s of servers.splice(0)) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
    }
});

describe("bounded memory whatever the server sends", () => {
    it("a stream that never ends is cut at the stream cap and counted as malformed", async () => {
        const chunk = `data: ${JSON.stringify({ choices: [{ index: 0, text: "x".repeat(1000) }] })}\n\n`;
        const { url, server } = await hostile((res) => {
            res.writeHead(200, { "content-type": "text/event-stream" });
            forever(res, chunk.repeat(64));
        });
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 60_000 });
        const heapBefore = process.memoryUsage().heapUsed;
        const outcome = await client.postStream("/v1/completions", { stream: true });
        const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
        await client.close();
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) {
            expect(outcome.kind).toBe("malformed");
            expect(outcome.message).toBe(`malformed response: stream longer than ${LIMITS_BYTES.stream} bytes`);
        }
        // The text was counted, not kept: 64 MiB of it went by, and less than that stayed (garbage not yet
        // collected included); kept text would take at least as much as went by.
        expect(heapGrowth).toBeLessThan(LIMITS_BYTES.stream);
        if (outcome.ok) expect(Object.keys(outcome.value)).toEqual(["ttftMs", "itlMs", "contentChunks", "usage"]);
    });

    it("one endless SSE line is cut at the event cap", async () => {
        const { url, server } = await hostile((res) => {
            res.writeHead(200, { "content-type": "text/event-stream" });
            res.write("data: ");
            forever(res, "y".repeat(65_536));
        });
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 60_000 });
        const outcome = await client.postStream("/v1/completions", { stream: true });
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "malformed", message: `malformed response: server-sent event longer than ${LIMITS_BYTES.sseEvent} characters` });
    });

    it("a huge /v1/models body is refused at the JSON cap, and the run says so", async () => {
        const { url, server } = await hostile((res, path) => {
            if (path === "/v1/models") {
                res.writeHead(200, { "content-type": "application/json" });
                forever(res, " ".repeat(65_536));
                return;
            }
            res.writeHead(404).end();
        });
        servers.push(server);
        const { code, report } = await runJson(["--url", url, "--only", "cache"]);
        expect(code).toBe(1);
        expect(report.failures).toEqual([
            `cache and load phases skipped: no model id (GET /v1/models failed: malformed response: body larger than ${LIMITS_BYTES.jsonBody} bytes); pass --model`,
        ]);
    });

    it("an error body is excerpted from its first bytes only", async () => {
        const { url, server } = await hostile((res) => {
            res.writeHead(503, { "content-type": "text/plain" });
            res.write("overloaded ");
            forever(res, "z".repeat(65_536));
        });
        servers.push(server);
        const client = new VerifyClient({ baseUrl: url, timeoutMs: 60_000 });
        const outcome = await client.getJson("/v1/models");
        await client.close();
        expect(outcome).toMatchObject({ ok: false, kind: "http_5xx", status: 503 });
        if (!outcome.ok) expect(outcome.message).toBe(`HTTP 503: overloaded ${"z".repeat(157 - "overloaded ".length)}...`);
    });

    it("the SSE parser throws past its limit, counting data lines and the open line", () => {
        const p = new SseParser(10);
        expect(p.push("data: 12345\n")).toEqual([]);
        expect(() => p.push("data: 123456\n")).toThrow("server-sent event longer than 10 characters");
        const q = new SseParser(10);
        expect(q.push("data: 1\n\n")).toEqual(["1"]);
        expect(() => q.push("data: 12345678901")).toThrow("server-sent event longer than 10 characters");
        const r = new SseParser(10);
        expect(r.push("data: 1234567890\n\ndata: 1234567890\n\n")).toEqual(["1234567890", "1234567890"]);
    });
});

describe("strict numeric options", () => {
    it.each(["0x10", "1e3", " 8", "8 ", "", "1.0", "+", "--1", "abc"])("integer option rejects %j", (text) => {
        expect(() => intIn(1, 100)(text)).toThrow("expected an integer from 1 to 100");
    });

    it("integer option accepts plain digits within range", () => {
        expect(intIn(1, 100)("16")).toBe(16);
        expect(intIn(1, 100)("+7")).toBe(7);
        expect(intIn(-5, 5)("-5")).toBe(-5);
        expect(() => intIn(1, 100)("101")).toThrow();
        expect(() => intIn(1, 100)("0")).toThrow();
    });

    it.each(["1e-1", "0x1", "Infinity", "NaN", " 0.5", "0.5.1", ".", ""])("number option rejects %j", (text) => {
        expect(() => numberIn(0, 1)(text)).toThrow("expected a number from 0 to 1");
    });

    it("number option accepts decimals within range", () => {
        expect(numberIn(0, 1)("0.25")).toBe(0.25);
        expect(numberIn(0, 1)(".5")).toBe(0.5);
        expect(numberIn(0, 1)("1.")).toBe(1);
        expect(numberIn(0, 1)("1")).toBe(1);
        expect(() => numberIn(0, 1)("1.01")).toThrow();
        expect(() => numberIn(0, 1)("-0.01")).toThrow();
    });

    it("the CLI refuses --concurrency 0x10 with exit code 2", async () => {
        const { code, err } = await runCli(["--url", "http://127.0.0.1:9", "--concurrency", "0x10"]);
        expect(code).toBe(2);
        expect(err).toContain("expected an integer from 1 to 1024");
    });
});

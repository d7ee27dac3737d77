import { describe, expect, it } from "vitest";
import { SseParser, SseTooLarge } from "../../tools/verify/sse";

/**
 * Pins the SSE parser's field handling, end-of-stream flush and size limits (surviving mutants of
 * tools/verify/sse.ts). Every parser is built inside its test.
 */
describe("SseParser fields", () => {
    it("a data line without a colon is an empty data value", () => {
        const p = new SseParser();
        expect(p.push("data\n\n")).toEqual([""]);
        expect(p.push("data\ndata: x\n\n")).toEqual(["\nx"]);
    });

    it("a line without a colon is a field named by the whole line, not by all but its last character", () => {
        const p = new SseParser();
        expect(p.push("datax\n\n")).toEqual([]);
        expect(p.push("datax\ndata: y\n\n")).toEqual(["y"]);
        expect(p.end()).toEqual([]);
    });

    it("fields other than data are ignored, with or without a value", () => {
        const p = new SseParser();
        expect(p.push("event: completion\nid: 7\nretry: 1000\ndata: x\n\n")).toEqual(["x"]);
        expect(p.push("event: only\n\n")).toEqual([]);
        expect(p.push("d: short\n\n")).toEqual([]);
    });

    it("strips exactly one leading space of a value, and only a space", () => {
        const p = new SseParser();
        expect(p.push("data:x\n\n")).toEqual(["x"]);
        expect(p.push("data:  two\n\n")).toEqual([" two"]);
        expect(p.push("data:\tt\n\n")).toEqual(["\tt"]);
        expect(p.push("data: a:b\n\n")).toEqual(["a:b"]);
    });

    it("comments are ignored whatever follows the colon", () => {
        const p = new SseParser();
        expect(p.push(":data: not an event\n\n")).toEqual([]);
        expect(p.push(": ping\ndata: z\n\n")).toEqual(["z"]);
    });
});

describe("SseParser end of stream", () => {
    it("drops the trailing CR of an unterminated last line", () => {
        const p = new SseParser();
        expect(p.push("data: x\r")).toEqual([]);
        expect(p.end()).toEqual(["x"]);
    });

    it("keeps a CR that only starts the unterminated last line's value", () => {
        const p = new SseParser();
        expect(p.push("data:\rx")).toEqual([]);
        expect(p.end()).toEqual(["\rx"]);
    });

    it("flushes a pending event whose lines were all terminated", () => {
        const p = new SseParser();
        expect(p.push("data: a\ndata: b\n")).toEqual([]);
        expect(p.end()).toEqual(["a\nb"]);
        expect(p.end()).toEqual([]);
    });

    it("is reusable after end(): nothing of the flushed line stays buffered", () => {
        const p = new SseParser();
        expect(p.push("data: first")).toEqual([]);
        expect(p.end()).toEqual(["first"]);
        expect(p.push("data: second\n\n")).toEqual(["second"]);
        const q = new SseParser(10);
        expect(q.end()).toEqual([]);
        // A parser whose buffer kept anything after end() would count it against the limit here.
        expect(q.push("data: 1234")).toEqual([]);
        expect(q.end()).toEqual(["1234"]);
    });
});

describe("SseParser limits", () => {
    it("an open line of exactly the limit is accepted, one more character throws", () => {
        const p = new SseParser(10);
        expect(p.push("data: 1234")).toEqual([]);
        expect(p.end()).toEqual(["1234"]);
        const q = new SseParser(10);
        expect(() => q.push("data: 12345")).toThrow(SseTooLarge);
    });

    it("the open line and the event's data so far are added, not subtracted", () => {
        const p = new SseParser(10);
        expect(p.push("data: 12345\n")).toEqual([]);
        // 5 data characters + 8 buffered = 13 > 10.
        expect(() => p.push("data: 12")).toThrow("server-sent event longer than 10 characters");
    });

    it("data lines completed within one push count against the limit even when the event ends in the same push", () => {
        const p = new SseParser(10);
        expect(() => p.push("data: 123456\ndata: 123456\n\n")).toThrow(new SseTooLarge(10));
        const q = new SseParser(10);
        expect(q.push("data: 12345\ndata: 12345\n\n")).toEqual(["12345\n12345"]);
    });

    it("the data of a finished event does not count against the next one", () => {
        const p = new SseParser(10);
        expect(p.push("data: 1234567890\n\n")).toEqual(["1234567890"]);
        expect(p.push("data: 1234567890\n")).toEqual([]);
        expect(p.end()).toEqual(["1234567890"]);
    });
});

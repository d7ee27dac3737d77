/**
 * Incremental parser for the subset of Server-Sent Events that OpenAI-compatible servers use: `data:` lines,
 * events separated by a blank line, comments starting with ':'. Network chunks can split anywhere, including
 * inside a line or between \r and \n, so input is buffered until a line is complete.
 */
export class SseParser {
    private buffer = "";
    private data: string[] = [];
    private dataLength = 0;

    /** @param maxEventChars an event (or a line) longer than this throws: a server must not grow the client. */
    constructor(private readonly maxEventChars = Infinity) {}

    /** Feeds decoded text; returns the data payloads of every event completed by it. */
    push(text: string): string[] {
        this.buffer += text;
        const events: string[] = [];
        let start = 0;
        for (;;) {
            const newline = this.buffer.indexOf("\n", start);
            if (newline === -1) break;
            let line = this.buffer.slice(start, newline);
            if (line.endsWith("\r")) line = line.slice(0, -1);
            start = newline + 1;
            this.line(line, events);
        }
        this.buffer = this.buffer.slice(start);
        if (this.buffer.length + this.dataLength > this.maxEventChars) throw new SseTooLarge(this.maxEventChars);
        return events;
    }

    /** Flushes an event the server did not terminate with a blank line before closing. */
    end(): string[] {
        const events: string[] = [];
        if (this.buffer !== "") this.line(this.buffer.endsWith("\r") ? this.buffer.slice(0, -1) : this.buffer, events);
        this.buffer = "";
        this.line("", events);
        return events;
    }

    private line(line: string, events: string[]): void {
        if (line === "") {
            if (this.data.length > 0) events.push(this.data.join("\n"));
            this.data = [];
            this.dataLength = 0;
            return;
        }
        if (line.startsWith(":")) return;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        if (field !== "data") return;
        let value = colon === -1 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        this.data.push(value);
        this.dataLength += value.length;
        if (this.dataLength > this.maxEventChars) throw new SseTooLarge(this.maxEventChars);
    }
}

export class SseTooLarge extends Error {
    constructor(limit: number) {
        super(`server-sent event longer than ${limit} characters`);
    }
}

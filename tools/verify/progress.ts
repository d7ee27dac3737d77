import { SingleBar } from "cli-progress";

export interface Progress {
    start(label: string, total: number): void;
    update(value: number): void;
    stop(): void;
}

const SILENT: Progress = { start() {}, update() {}, stop() {} };

/** A bar on stderr for interactive use; a no-op when stderr is not a TTY or output must stay machine-readable. */
export function createProgress(enabled: boolean, stream: NodeJS.WritableStream = process.stderr): Progress {
    if (!enabled) return SILENT;
    let bar: SingleBar | null = null;
    return {
        start(label, total) {
            bar?.stop();
            bar = new SingleBar({
                stream,
                format: `${label.padEnd(18)} [{bar}] {value}/{total} | {duration_formatted}`,
                barsize: 30,
                hideCursor: true,
                clearOnComplete: true,
                fps: 10,
            });
            bar.start(total, 0);
        },
        update(value) {
            bar?.update(value);
        },
        stop() {
            bar?.stop();
            bar = null;
        },
    };
}

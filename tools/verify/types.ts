export type CheckStatus = "pass" | "fail" | "warn" | "skip";

/** A phase that did not run, and why. */
export interface Skipped {
    status: "skip";
    reason: string;
}

export function skipped(reason: string): Skipped {
    return { status: "skip", reason };
}

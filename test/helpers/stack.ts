import { vi } from "vitest";
import { PROJECT_NAME } from "../../config";
import { CapturedStack, MockState } from "../../tools/render/capture";
import { runProgram, stackInputFrom } from "../../tools/render/render";

export type { CapturedResource, CapturedStack } from "../../tools/render/capture";

export interface RunStackOptions {
    /** Project config keys without the namespace, e.g. `{ replicas: 2 }`; `undefined` removes a base key. */
    config?: Record<string, unknown>;
    /** Secret config values (set as secrets); by default both secrets hold test values. */
    secrets?: Record<string, string | undefined>;
    stack?: string;
    mockState?: MockState;
    /** Absolute path of the program to run instead of index.ts (e.g. a partial composition). */
    program?: string;
}

/** Test values of the secrets; tests assert they never appear in plain text. */
export const TEST_SECRETS = {
    redhatPullSecret: JSON.stringify({ auths: { "registry.redhat.io": { auth: "dGVzdC11c2VyOnRlc3QtcGFzc3dvcmQ=" } } }),
    huggingfaceToken: "hf_test_token_do_not_leak",
};

export const BASE_CONFIG: Record<string, unknown> = { project: "test-project" };

/** Runs the real index.ts under Pulumi mocks with this config and returns what would reach the engine. */
export async function runStack(opts: RunStackOptions = {}): Promise<CapturedStack> {
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries({ ...BASE_CONFIG, ...opts.config })) {
        if (v !== undefined) values[`${PROJECT_NAME}:${k}`] = v;
    }
    const input = stackInputFrom(values);
    // stackInputFrom fills stand-ins for missing secrets; tests use their own values (or none).
    for (const [k, v] of Object.entries({ ...TEST_SECRETS, ...opts.secrets })) {
        const full = `${PROJECT_NAME}:${k}`;
        if (v === undefined) {
            delete input.config[full];
            input.secretKeys = input.secretKeys.filter((s) => s !== full);
        } else {
            input.config[full] = v;
            if (!input.secretKeys.includes(full)) input.secretKeys.push(full);
        }
    }
    // Each run must execute index.ts afresh.
    vi.resetModules();
    return runProgram(input, opts.stack ?? "test", opts.mockState, opts.program);
}

/** Runs the stack expecting a config error; returns its message (fails the test if the run succeeds). */
export async function configError(opts: RunStackOptions = {}): Promise<string> {
    try {
        await runStack(opts);
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("expected the stack to reject its config, but it ran");
}

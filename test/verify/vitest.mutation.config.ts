import { defineConfig } from "vitest/config";

/** Mutation runs of the verify tool (test/verify/stryker.json): only the suites that exercise it. */
export default defineConfig({
    test: {
        include: ["test/verify/**/*.test.ts", "test/config-blocksize.test.ts"],
        pool: "forks",
        testTimeout: 30_000,
    },
});

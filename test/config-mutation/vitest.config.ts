import { defineConfig } from "vitest/config";

/** Mutation runs of config/ (test/config-mutation/stryker.json): only the suites that exercise the config modules. */
export default defineConfig({
    test: {
        include: ["test/config*.test.ts", "test/docs.test.ts"],
        pool: "forks",
        testTimeout: 30_000,
    },
});

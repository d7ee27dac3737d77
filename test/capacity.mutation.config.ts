import { defineConfig } from "vitest/config";

/** Mutation runs of the capacity and disruption builders (test/capacity.stryker.json): only the suites that exercise them. */
export default defineConfig({
    test: {
        include: ["test/capacity.test.ts"],
        pool: "forks",
        testTimeout: 60_000,
    },
});

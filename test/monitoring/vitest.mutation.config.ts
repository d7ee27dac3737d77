import { defineConfig } from "vitest/config";

/** Mutation runs of the monitoring builders (test/monitoring/stryker.json): only the suites that exercise them. */
export default defineConfig({
    test: {
        include: ["test/monitoring/**/*.test.ts", "test/config-monitoring.test.ts", "test/workload/networkPolicies.test.ts"],
        pool: "forks",
        testTimeout: 30_000,
    },
});

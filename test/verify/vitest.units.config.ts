import { defineConfig } from "vitest/config";

/** Fast mutation runs (test/verify/stryker.units.json): the unit and golden suites of the report and parsing code. */
export default defineConfig({
    test: {
        include: [
            "test/verify/golden.test.ts",
            "test/verify/report-units.test.ts",
            "test/verify/prom-labels.test.ts",
            "test/verify/units.test.ts",
            "test/verify/stats.test.ts",
            "test/verify/thresholds.test.ts",
            "test/config-blocksize.test.ts",
        ],
        pool: "forks",
        testTimeout: 30_000,
    },
});

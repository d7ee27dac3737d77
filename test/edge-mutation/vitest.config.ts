import { defineConfig } from "vitest/config";

/** Mutation runs of the gateway edge (test/edge-mutation/stryker.json): only the suites that exercise its modules. */
export default defineConfig({
    test: {
        include: [
            "test/platform/jwt.test.ts",
            "test/platform/gatewayAuth.test.ts",
            "test/platform/gatewayEdge.test.ts",
            "test/platform/pullSecretScope.test.ts",
            "test/workload/clientCommands.test.ts",
            "test/config-gateway-edge.test.ts",
            "test/verify/gatewayAccess.test.ts",
        ],
        pool: "forks",
        testTimeout: 60_000,
    },
});

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { beforeAll, describe, expect, it } from "vitest";
import { gatewayAddressOf } from "../../components/platform/gatewayObjects";

/** Outputs expose their value and knownness as internal promises; the SDK's own tests read them the same way. */
const internals = <T>(o: pulumi.Output<T>) => o as unknown as { promise(): Promise<T>; isKnown: Promise<boolean> };

describe("the gateway address during a preview", () => {
    beforeAll(async () => {
        await pulumi.runtime.setMocks(
            {
                // A dry-run Gateway: status holds only the CRD's defaulted conditions, no address yet.
                newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, status: { conditions: [{ type: "Programmed", status: "Unknown" }] } } }),
                call: (args) => args.inputs,
            },
            "tpu-inference",
            "preview",
            true,
        );
    });

    it("is unknown rather than an error while the Gateway has no address", async () => {
        const gw = new k8s.apiextensions.CustomResource("gw", {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: "inference-gateway", namespace: "opendatahub" },
            status: undefined,
        });
        const address = internals(gatewayAddressOf(gw, "opendatahub/inference-gateway"));
        expect(await address.isKnown).toBe(false);
    });
});

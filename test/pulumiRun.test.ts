import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, pulumiEnv } from "../tools/pulumi/backend";
import { pulumiCalls } from "../tools/pulumi/run";

describe("npm run up / preview / destroy / pulumi", () => {
    it("selects or creates the dev stack, then runs the command on it", () => {
        expect(pulumiCalls(["up"])).toEqual([
            ["stack", "select", "--create", "dev"],
            ["up", "--stack", "dev"],
        ]);
    });

    it("takes --stack from anywhere and puts it last, so subcommands get it", () => {
        expect(pulumiCalls(["config", "set", "--stack", "prod", "replicas", "2"])).toEqual([
            ["stack", "select", "--create", "prod"],
            ["config", "set", "replicas", "2", "--stack", "prod"],
        ]);
        expect(pulumiCalls(["stack", "output", "baseUrl", "-s", "eu"])[1]).toEqual(["stack", "output", "baseUrl", "--stack", "eu"]);
    });

    it("keeps state in the project unless a backend is configured", () => {
        expect(pulumiEnv({}).PULUMI_BACKEND_URL).toBe(`file://${join(PROJECT_ROOT, ".pulumi-state")}`);
        expect(pulumiEnv({ PULUMI_BACKEND_URL: "gs://my-bucket" }).PULUMI_BACKEND_URL).toBe("gs://my-bucket");
    });

    it("refuses to run without a command", () => {
        expect(() => pulumiCalls([])).toThrow(/usage/);
    });
});

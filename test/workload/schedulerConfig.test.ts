import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { healthModelsRoute } from "../../components/workload/httpRoute";
import { endpointPickerConfig, eppArgs, schedulerTemplate } from "../../components/workload/schedulerConfig";
import { endpointPickerConfigSchema } from "../../crds/endpointPicker";
import { stackConfig } from "./fixtures";

/** The value following `flag` in an argv list. */
function flagValue(args: string[], flag: string): string {
    const i = args.indexOf(flag);
    expect(i, `${flag} present`).toBeGreaterThanOrEqual(0);
    return args[i + 1];
}

describe("EPP scoring config", () => {
    // docs/UPSTREAM.md rows "prefix-cache-scorer parameters" and "EPP plugin types".
    it("is the explicit prefix-cache-aware profile: autoTune by default (no block size), the configured weights", () => {
        // Strict: a key present with an undefined value would reach the YAML as well.
        expect(endpointPickerConfig(stackConfig().workload.scheduler)).toStrictEqual({
            apiVersion: "inference.networking.x-k8s.io/v1alpha1",
            kind: "EndpointPickerConfig",
            plugins: [
                { type: "prefix-cache-scorer", parameters: { maxPrefixBlocksToMatch: 256 } },
                { type: "load-aware-scorer" },
                { type: "max-score-picker" },
                { type: "single-profile-handler" },
            ],
            schedulingProfiles: [
                {
                    name: "default",
                    plugins: [
                        { pluginRef: "prefix-cache-scorer", weight: 2 },
                        { pluginRef: "load-aware-scorer", weight: 1 },
                        { pluginRef: "max-score-picker" },
                    ],
                },
            ],
        });
    });

    it("follows config changes and drops a scorer weighted 0", () => {
        const cfg = endpointPickerConfig(
            stackConfig({ prefixCacheWeight: 5, loadWeight: 0, prefixBlockSizeTokens: 128, maxPrefixBlocksToMatch: 64, lruCapacityPerServer: 1000 }).workload.scheduler,
        );
        // A pinned block size is in tokens and turns autoTune off, or the scorer would overrule it.
        expect(cfg.plugins[0]).toEqual({
            type: "prefix-cache-scorer",
            parameters: { autoTune: false, blockSizeTokens: 128, maxPrefixBlocksToMatch: 64, lruCapacityPerServer: 1000 },
        });
        expect(cfg.plugins.map((p) => p.type)).not.toContain("load-aware-scorer");
        expect(cfg.schedulingProfiles[0].plugins).toEqual([{ pluginRef: "prefix-cache-scorer", weight: 5 }, { pluginRef: "max-score-picker" }]);
    });

    it("never carries the retired blockSize (characters) that makes the pinned EPP exit", () => {
        // 64 tokens is vLLM's TPU block for maxModelLen 1024: a pinned block size must match it (config/checks.ts).
        for (const values of [{}, { prefixBlockSizeTokens: 64, maxModelLen: 1024 }, { lruCapacityPerServer: 5 }]) {
            const text = flagValue(eppArgs(stackConfig(values)), "--config-text");
            expect(text).not.toMatch(/\bblockSize:/);
            expect(endpointPickerConfigSchema.safeParse(parse(text)).success).toBe(true);
        }
    });

    it("reaches the EPP as YAML in --config-text that parses back to the same object", () => {
        const config = stackConfig({ prefixCacheWeight: 3 });
        const text = flagValue(eppArgs(config), "--config-text");
        expect(parse(text)).toEqual(endpointPickerConfig(config.workload.scheduler));
    });
});

describe("EPP flags", () => {
    it("name the service's pool, serve TLS with KServe's certificate and scrape vLLM over HTTPS", () => {
        const args = eppArgs(stackConfig({ serviceName: "llama-svc", namespace: "team-a" }));
        expect(flagValue(args, "--pool-name")).toBe("llama-svc-inference-pool");
        expect(flagValue(args, "--pool-namespace")).toBe("team-a");
        expect(flagValue(args, "--grpc-port")).toBe("9002");
        expect(flagValue(args, "--grpc-health-port")).toBe("9003");
        expect(flagValue(args, "--cert-path")).toBe("/var/run/kserve/tls");
        expect(flagValue(args, "--model-server-metrics-scheme")).toBe("https");
        expect(args).toContain("--secure-serving");
    });

    // docs/UPSTREAM.md rows "InferencePool API per mesh build" and "EPP --pool-group default".
    it("use the InferencePool group the mesh routes to, the same as the HTTPRoute backend", () => {
        const cases = [
            [{}, "inference.networking.x-k8s.io"],
            [{ meshFlavor: "ossm", sailOperatorVersion: "3.2.1", allowUntestedVersions: true }, "inference.networking.k8s.io"],
            [{ sailOperatorVersion: "1.28.0", istioVersion: "v1.28.0", allowUntestedVersions: true }, "inference.networking.k8s.io"],
        ] as const;
        for (const [values, group] of cases) {
            const config = stackConfig(values);
            expect(flagValue(eppArgs(config), "--pool-group")).toBe(group);
            for (const rule of healthModelsRoute(config).spec.rules!) expect(rule.backendRefs![0].group).toBe(group);
        }
    });

    it("reload KServe's re-issued certificate (docs/UPSTREAM.md row \"EPP --enable-cert-reload\")", () => {
        expect(eppArgs(stackConfig())).toContain("--enable-cert-reload");
    });

    it("go with the configured image, and a pull secret only when given", () => {
        const config = stackConfig({ eppImage: "quay.io/example/epp:v0.7.1" });
        expect(schedulerTemplate(config)).toEqual({ containers: [{ name: "main", image: "quay.io/example/epp:v0.7.1", args: eppArgs(config) }] });
        expect(schedulerTemplate(config, "pull").imagePullSecrets).toEqual([{ name: "pull" }]);
    });
});

describe("EndpointPickerConfig model (GIE v1.4.0 / llm-d v0.7.0 plugin structs)", () => {
    // docs/UPSTREAM.md row "prefix-cache-scorer parameters": unknown keys are ignored by the EPP, so the model refuses them.
    const base = () => endpointPickerConfig(stackConfig().workload.scheduler);
    const withPrefixParameters = (parameters: Record<string, unknown>) => {
        const cfg = base();
        cfg.plugins[0] = { type: "prefix-cache-scorer", parameters };
        return endpointPickerConfigSchema.safeParse(cfg);
    };

    it("refuses the retired blockSize and any key the plugin's config struct lacks", () => {
        expect(withPrefixParameters({ blockSize: 64 }).success).toBe(false);
        expect(withPrefixParameters({ hashBlockSize: 64 }).success).toBe(false);
        expect(withPrefixParameters({ blockSizeToken: 64 }).success).toBe(false);
        expect(withPrefixParameters({ autoTune: true, blockSizeTokens: 64, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250 }).success).toBe(true);
    });

    it("names the plugin and the parameter path of a bad parameter", () => {
        const cfg = base();
        cfg.plugins[1] = { type: "load-aware-scorer", parameters: { threshold: 0 } };
        const result = endpointPickerConfigSchema.safeParse(cfg);
        expect(result.success).toBe(false);
        const issue = result.error!.issues[0];
        expect(issue.path).toEqual(["plugins", 1, "parameters", "threshold"]);
        expect(issue.message).toMatch(/^load-aware-scorer: /);
        expect(issue.code).toBe("custom");
    });

    it("refuses wrong types, non-positive sizes, unknown plugin types and top-level keys", () => {
        expect(withPrefixParameters({ blockSizeTokens: 0 }).success).toBe(false);
        expect(withPrefixParameters({ autoTune: "false" }).success).toBe(false);
        const badType = base();
        badType.plugins[1] = { type: "load-aware-scorerr" };
        expect(endpointPickerConfigSchema.safeParse(badType).success).toBe(false);
        const badParam = base();
        badParam.plugins[1] = { type: "load-aware-scorer", parameters: { treshold: 10 } };
        expect(endpointPickerConfigSchema.safeParse(badParam).success).toBe(false);
        expect(endpointPickerConfigSchema.safeParse({ ...base(), schedulingProfile: [] }).success).toBe(false);
    });
});

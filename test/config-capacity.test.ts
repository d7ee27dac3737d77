import { describe, expect, it } from "vitest";
import { RawConfig, StackConfigError, parseConfig } from "../config";

const SECRETS = {
    redhatPullSecret: JSON.stringify({ auths: { "registry.redhat.io": { auth: "eDp5" } } }),
    huggingfaceToken: "hf_abc",
};

function raw(values: Record<string, string | undefined> = {}): RawConfig {
    return { values: { project: "my-project", ...SECRETS, ...values }, secretKeys: new Set(Object.keys(SECRETS)), stack: "test" };
}

const parse = (values: Record<string, string | undefined> = {}) => parseConfig(raw(values));

function problems(values: Record<string, string | undefined>): string[] {
    try {
        parse(values);
    } catch (err) {
        expect(err).toBeInstanceOf(StackConfigError);
        return (err as StackConfigError).problems;
    }
    throw new Error("config was accepted");
}

describe("TPU capacity config", () => {
    it("defaults to one on-demand node pool; Spot or a reservation make it the one source", () => {
        expect(parse().cluster.tpuPool.capacity).toEqual({ mode: "nodePool", sources: ["onDemand"] });
        expect(parse({ tpuSpot: "true" }).cluster.tpuPool.capacity.sources).toEqual(["spot"]);
        expect(parse({ tpuReservation: "my-res" }).cluster.tpuPool.capacity.sources).toEqual(["reservation"]);
    });

    it("computeClass mode keeps the user's order of sources", () => {
        const c = parse({ tpuCapacityMode: "computeClass", tpuReservation: "r1", tpuCapacitySources: '["reservation","flexStart","onDemand","spot"]' });
        expect(c.cluster.tpuPool.capacity).toEqual({ mode: "computeClass", sources: ["reservation", "flexStart", "onDemand", "spot"] });
        expect(parse({ tpuCapacityMode: "computeClass" }).cluster.tpuPool.capacity.sources).toEqual(["onDemand", "spot"]);
    });

    it("refuses unknown, repeated or no sources, naming the key", () => {
        expect(problems({ tpuCapacityMode: "computeClass", tpuCapacitySources: '["onDemand","dws"]' })).toEqual([
            'tpu-inference:tpuCapacitySources = ["onDemand","dws"]: must list only reservation, onDemand, flexStart, spot (unknown: dws)',
        ]);
        expect(problems({ tpuCapacitySources: '["spot","spot"]' })).toEqual(['tpu-inference:tpuCapacitySources = ["spot","spot"]: must name each source at most once']);
        expect(problems({ tpuCapacitySources: "[]" })).toEqual(["tpu-inference:tpuCapacitySources = []: must name at least one source"]);
        expect(problems({ tpuCapacityMode: "pools" })).toEqual(['tpu-inference:tpuCapacityMode = "pools": must be one of nodePool, computeClass']);
    });

    it("ties a reservation source to tpuReservation and keeps Spot in the source list", () => {
        expect(problems({ tpuCapacityMode: "computeClass", tpuCapacitySources: '["reservation"]' })).toEqual([
            'tpu-inference:tpuCapacitySources = ["reservation"]: lists reservation, so tpuReservation must name the TPU reservation to consume',
        ]);
        expect(problems({ tpuCapacityMode: "computeClass", tpuReservation: "r1" })).toEqual([
            'tpu-inference:tpuReservation = "r1": is consumed in computeClass mode only when tpuCapacitySources lists reservation',
        ]);
        expect(problems({ tpuCapacityMode: "computeClass", tpuSpot: "true" })).toEqual([
            "tpu-inference:tpuSpot = true: applies to tpuCapacityMode nodePool; in computeClass mode list spot in tpuCapacitySources",
        ]);
    });

    it("bounds the flex-start run duration by GKE's 7 days", () => {
        expect(parse().cluster.tpuPool.flexStartMaxRunDurationSeconds).toBe(604800);
        expect(parse({ tpuFlexStartMaxRunDurationSeconds: "86400" }).cluster.tpuPool.flexStartMaxRunDurationSeconds).toBe(86400);
        expect(problems({ tpuFlexStartMaxRunDurationSeconds: "604801" })).toEqual([
            "tpu-inference:tpuFlexStartMaxRunDurationSeconds = 604801: must be a whole number from 3600 to 604800",
        ]);
        expect(problems({ tpuFlexStartMaxRunDurationSeconds: "3599" })).toHaveLength(1);
    });
});

describe("upgrade and disruption config", () => {
    it("upgrades TPU nodes one at a time without surge by default", () => {
        const t = parse().cluster.tpuPool;
        expect(t.upgrade).toEqual({ maxSurge: 0, maxUnavailable: 1 });
        expect(t.autoUpgrade).toBe(true);
        expect(parse({ tpuUpgradeMaxSurge: "1", tpuUpgradeMaxUnavailable: "0" }).cluster.tpuPool.upgrade).toEqual({ maxSurge: 1, maxUnavailable: 0 });
        expect(problems({ tpuUpgradeMaxUnavailable: "0" })).toEqual([
            "tpu-inference:tpuUpgradeMaxUnavailable = 0: must be at least 1 when tpuUpgradeMaxSurge is 0: a node upgrade with neither can never replace a node",
        ]);
    });

    it("turns TPU auto-upgrade off only outside a release channel", () => {
        expect(problems({ tpuAutoUpgrade: "false" })).toEqual([
            "tpu-inference:tpuAutoUpgrade = false: needs releaseChannel UNSPECIFIED: GKE keeps node auto-upgrade on for clusters in a release channel (REGULAR); to hold upgrades there, add a maintenanceExclusions entry with scope NO_MINOR_OR_NODE_UPGRADES",
        ]);
        const off = parse({ tpuAutoUpgrade: "false", releaseChannel: "UNSPECIFIED" }).cluster;
        expect(off.tpuPool.autoUpgrade).toBe(false);
        expect(off.releaseChannel).toBe("UNSPECIFIED");
    });

    it("has a weekend-night maintenance window by default that config can move or remove", () => {
        expect(parse().cluster.maintenance).toEqual({ window: { days: ["SA", "SU"], start: "00:00", hours: 6 }, exclusions: [] });
        expect(parse({ maintenanceWindowDays: '["WE"]', maintenanceWindowStart: "22:30", maintenanceWindowHours: "12" }).cluster.maintenance.window).toEqual({
            days: ["WE"],
            start: "22:30",
            hours: 12,
        });
        expect(parse({ maintenanceWindow: "false" }).cluster.maintenance).toEqual({ exclusions: [] });
    });

    it("refuses windows GKE would reject: under 48 hours in 32 days, bad days or times", () => {
        expect(problems({ maintenanceWindowHours: "5" })).toEqual([
            "tpu-inference:maintenanceWindowHours = 5: gives 10 hours a week: GKE needs 48 hours of maintenance windows in any 32 days, so days x hours must be at least 12",
        ]);
        expect(parse({ maintenanceWindowDays: '["SA","SU","MO"]', maintenanceWindowHours: "4" }).cluster.maintenance.window?.hours).toBe(4);
        expect(problems({ maintenanceWindowHours: "3" })).toContain("tpu-inference:maintenanceWindowHours = 3: must be a whole number from 4 to 24");
        expect(problems({ maintenanceWindowDays: '["SAT"]' })).toEqual(['tpu-inference:maintenanceWindowDays = ["SAT"]: must list distinct days from MO, TU, WE, TH, FR, SA, SU']);
        expect(problems({ maintenanceWindowDays: '["SA","SA"]' })).toHaveLength(1);
        expect(problems({ maintenanceWindowDays: "[]" })).toHaveLength(1);
        expect(problems({ maintenanceWindowStart: "24:00" })).toEqual(['tpu-inference:maintenanceWindowStart = "24:00": must be a time of day HH:MM in UTC, e.g. 00:00']);
        expect(problems({ maintenanceWindowStart: "7:00" })).toHaveLength(1);
    });

    it("takes maintenance exclusions as a list of objects", () => {
        const ex = { name: "launch", start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z", scope: "NO_MINOR_OR_NODE_UPGRADES" };
        expect(parse({ maintenanceExclusions: JSON.stringify([ex]) }).cluster.maintenance.exclusions).toEqual([ex]);
        const rule =
            "must be a list of {name, start, end, scope} objects: name non-empty, start and end RFC 3339 UTC times (2026-12-20T00:00:00Z) with end after start, scope one of NO_UPGRADES, NO_MINOR_UPGRADES, NO_MINOR_OR_NODE_UPGRADES";
        for (const bad of [
            { ...ex, end: ex.start },
            { ...ex, start: "2026-12-20" },
            { ...ex, scope: "NO_NODE_UPGRADES" },
            { ...ex, name: "" },
            { ...ex, extra: 1 },
        ]) {
            const value = JSON.stringify([bad]);
            // A list is shown as the list it was read as (config/index.ts), like tpuCapacitySources.
            expect(problems({ maintenanceExclusions: value })).toEqual([`tpu-inference:maintenanceExclusions = ${value}: ${rule}`]);
        }
        expect(problems({ maintenanceExclusions: "{" })).toHaveLength(1);
        expect(problems({ maintenanceWindow: "false", maintenanceExclusions: JSON.stringify([ex]) })).toEqual([
            "tpu-inference:maintenanceExclusions = 1: need maintenanceWindow = true: GKE keeps exclusions only in a maintenance policy that has a window",
        ]);
        const many = JSON.stringify(Array(21).fill(ex));
        expect(problems({ maintenanceExclusions: many })).toEqual([`tpu-inference:maintenanceExclusions = ${many}: must hold at most 20 exclusions (GKE's limit)`]);
    });

    it("runs two gateway replicas, bounded by the HPA's maximum", () => {
        expect(parse().gateway).toMatchObject({ replicas: 2, maxReplicas: 4 });
        expect(problems({ gatewayReplicas: "5" })).toEqual(["tpu-inference:gatewayMaxReplicas = 4: must be at least gatewayReplicas (5)"]);
    });

    it("gives vLLM two minutes to finish in-flight requests by default", () => {
        expect(parse().workload.vllm.terminationGracePeriodSeconds).toBe(120);
        expect(parse({ vllmTerminationGracePeriodSeconds: "0" }).workload.vllm.terminationGracePeriodSeconds).toBe(0);
        expect(problems({ vllmTerminationGracePeriodSeconds: "3601" })).toHaveLength(1);
    });
});

import { describe, expect, it } from "vitest";
import { affinityFailure, cacheableTokens, computeAffinity, DEFAULT_MIN_AFFINITY, groupCacheablePrefix } from "../../tools/verify/affinity";
import type { CacheResult } from "../../tools/verify/cache";
import { runJson, withSim } from "./helpers";

describe("affinity arithmetic", () => {
    it("counts whole blocks below the last prompt token", () => {
        expect([0, 1, 128, 129, 256, 257, 1100].map((n) => cacheableTokens(n, 128))).toEqual([0, 0, 0, 128, 128, 256, 1024]);
    });

    it("takes the group's shared prefix as the best hit or the length estimate, whichever is larger", () => {
        expect(groupCacheablePrefix([], 128, 32)).toBe(0);
        // 1100 - 32 - 8 = 1060 -> 8 blocks = 1024.
        expect(groupCacheablePrefix([{ group: 0, promptTokens: 1100, cachedTokens: 0 }], 128, 32)).toBe(1024);
        expect(groupCacheablePrefix([{ group: 0, promptTokens: 1100, cachedTokens: 0 }, { group: 0, promptTokens: 1060, cachedTokens: 0 }], 128, 32)).toBe(896);
        expect(groupCacheablePrefix([{ group: 0, promptTokens: 300, cachedTokens: 256 }], 128, 100)).toBe(256);
        expect(groupCacheablePrefix([{ group: 0, promptTokens: 300, cachedTokens: 0 }], 128, 100)).toBe(128);
    });

    it("scores a round-robin pattern 1/3 and a perfect one 1", () => {
        const rr = [0, 0, 1024].map((cachedTokens) => ({ group: 0, promptTokens: 1100, cachedTokens }));
        const a = computeAffinity(rr, 128, 32);
        expect(a).toEqual({
            tokenRatio: 1 / 3,
            fullHitShare: 1 / 3,
            laterRequests: 3,
            idealTokens: 3072,
            cachedTokens: 1024,
            groups: [{ group: 0, laterRequests: 3, cacheablePrefixTokens: 1024, idealTokens: 3072, cachedTokens: 1024, fullHits: 1 }],
        });
        const perfect = computeAffinity([0, 1].flatMap((group) => [1, 2, 3].map(() => ({ group, promptTokens: 1100, cachedTokens: 1024 }))), 128, 32);
        expect(perfect.tokenRatio).toBe(1);
        expect(perfect.fullHitShare).toBe(1);
        expect(perfect.groups.map((g) => g.group)).toEqual([0, 1]);
        const unordered = computeAffinity([2, 10, 1].map((group) => ({ group, promptTokens: 1100, cachedTokens: 1024 })), 128, 32);
        expect(unordered.groups.map((g) => g.group)).toEqual([1, 2, 10]);
    });

    it("does not let a hit beyond the prefix make up for a miss elsewhere", () => {
        const a = computeAffinity([{ group: 0, promptTokens: 1100, cachedTokens: 1024 }, { group: 0, promptTokens: 2000, cachedTokens: 1920 }], 128, 32);
        // The best hit (1920) is the group's prefix; the first request can have at most 1024 of it.
        expect(a.groups[0]).toEqual({ group: 0, laterRequests: 2, cacheablePrefixTokens: 1920, idealTokens: 2944, cachedTokens: 2944, fullHits: 2 });
        const partial = computeAffinity([{ group: 0, promptTokens: 1100, cachedTokens: 512 }], 128, 32);
        expect(partial.tokenRatio).toBe(0.5);
        expect(partial.fullHitShare).toBe(0);
    });

    it("has nothing to judge without samples", () => {
        const a = computeAffinity([], 128, 32);
        expect(a.tokenRatio).toBeNull();
        expect(a.fullHitShare).toBeNull();
        expect(affinityFailure(a, 0.8)).toBeNull();
    });

    it("words the failure with the numbers and the threshold", () => {
        const a = computeAffinity([0, 0, 1024].map((cachedTokens) => ({ group: 0, promptTokens: 1100, cachedTokens })), 128, 32);
        expect(affinityFailure(a, 0.8)).toBe(
            "routing looks cache-blind: later requests of a prefix group got 33.3% of the cacheable prefix tokens their group had already cached " +
                "(1024 of 3072), and 33.3% of them got a full-prefix hit; affinity must be at least 80.0% (--min-affinity). " +
                "A cache-aware router sends a group back to the replica holding its prefix; round-robin does not (or the cache evicts the prefixes)",
        );
        expect(affinityFailure(a, 1 / 3)).toBeNull();
        expect(affinityFailure(a, 0.34)).not.toBeNull();
        expect(DEFAULT_MIN_AFFINITY).toBe(0.8);
    });
});

async function cacheRun(replicas: number, routing: "prefix" | "round-robin", extra: string[] = []) {
    return withSim({ replicas, routing }, async (sim) => {
        const { code, report } = await runJson(["--url", sim.url, "--only", "cache", "--seed", "11", ...extra]);
        return { code, cache: report.phases.cache as CacheResult, failures: report.failures };
    });
}

describe("affinity judged against the simulator (default 4 groups x 4 requests)", () => {
    it.each([2, 3, 4])("round-robin over %i replicas fails as cache-blind", async (replicas) => {
        const { code, cache, failures } = await cacheRun(replicas, "round-robin");
        expect(code).toBe(1);
        expect(cache.status).toBe("fail");
        expect(cache.affinity?.tokenRatio).toBeLessThanOrEqual(2 / 3);
        expect(failures.some((f) => f.startsWith("prefix cache: routing looks cache-blind"))).toBe(true);
    });

    it("round-robin over 3 replicas: only every third later request finds its prefix", async () => {
        const { cache } = await cacheRun(3, "round-robin");
        expect(cache.affinity?.tokenRatio).toBeCloseTo(1 / 3, 10);
        expect(cache.affinity?.fullHitShare).toBeCloseTo(1 / 3, 10);
        // The simulator's `replica` label tells replicas apart: the 16 group requests and the spacer
        // (the warm-up comes before the first scrape).
        expect(cache.replicas?.map((r) => r.replica)).toEqual(["engine=0,replica=0", "engine=0,replica=1", "engine=0,replica=2"]);
        expect(cache.replicas?.reduce((a, r) => a + r.requests, 0)).toBe(17);
    });

    it.each([1, 2, 3, 4])("prefix routing over %i replicas passes with affinity 1", async (replicas) => {
        const { code, cache } = await cacheRun(replicas, "prefix");
        expect(code).toBe(0);
        expect(cache.status).toBe("pass");
        expect(cache.affinity?.tokenRatio).toBe(1);
        expect(cache.affinity?.fullHitShare).toBe(1);
        expect(cache.affinity?.laterRequests).toBe(12);
        expect(cache.minAffinity).toBe(0.8);
    });

    it("--min-affinity 0 turns the judgement off", async () => {
        const { code, cache } = await cacheRun(3, "round-robin", ["--min-affinity", "0"]);
        expect(code).toBe(0);
        expect(cache.status).toBe("pass");
    });

    it("a single replica reports no per-replica table", async () => {
        const { cache } = await cacheRun(1, "prefix");
        expect(cache.replicas).toBeNull();
    });
});

describe("affinity when the server does not report per-request counts", () => {
    it("is not judged from /metrics alone, and says so", async () => {
        const { code, cache, report } = await withSim({ replicas: 3, routing: "round-robin", reportCachedTokens: false }, async (sim) => {
            const run = await runJson(["--url", sim.url, "--only", "cache", "--seed", "11"]);
            return { code: run.code, cache: run.report.phases.cache as CacheResult, report: run.report };
        });
        expect(cache.cachedRatioSource).toBe("metrics");
        expect(cache.affinity).toBeNull();
        expect(report.warnings).toContain("routing affinity not judged: it needs cached_tokens per request");
        // Hits exist, so the cache check itself passes; the per-replica table still shows the spread.
        expect(code).toBe(0);
        expect(cache.replicas?.map((r) => r.requests)).toEqual([5, 6, 6]);
    });

    it("has no per-replica table without /metrics", async () => {
        const cache = await withSim({ replicas: 3, routing: "prefix", metrics: false }, async (sim) => (await runJson(["--url", sim.url, "--only", "cache", "--seed", "11"])).report.phases.cache as CacheResult);
        expect(cache.replicas).toBeNull();
        expect(cache.affinity?.tokenRatio).toBe(1);
    });

    it("sends exactly one spacer between the cold round and the rest", async () => {
        const stats = await withSim({ replicas: 1 }, async (sim) => {
            await runJson(["--url", sim.url, "--only", "cache", "--seed", "11", "--cache-groups", "2", "--cache-requests", "2"]);
            return sim.replicaStats();
        });
        // Warm-up + 2 cold + spacer + 2 later.
        expect(stats[0].requests).toBe(6);
    });
});

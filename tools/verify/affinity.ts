/**
 * Routing affinity: did the later requests of a prefix group get, from cache, the prefix their group already put
 * on some replica? A cache-aware router sends them back to that replica (affinity ~1); a cache-blind one spreads
 * them and they find the prefix only where an earlier request of the group happened to land.
 */

/** One later (non-first) request of a group, with the server's own counts. */
export interface AffinitySample {
    group: number;
    promptTokens: number;
    cachedTokens: number;
}

export interface GroupAffinity {
    group: number;
    laterRequests: number;
    /** Tokens of the shared prefix that can be cached: whole blocks only. */
    cacheablePrefixTokens: number;
    idealTokens: number;
    cachedTokens: number;
    fullHits: number;
}

export interface Affinity {
    /** Cached / ideal tokens over all later requests; null when no later request reported counts. */
    tokenRatio: number | null;
    /** Share of later requests that got their whole cacheable prefix from cache. */
    fullHitShare: number | null;
    laterRequests: number;
    idealTokens: number;
    cachedTokens: number;
    groups: GroupAffinity[];
}

/** Default --min-affinity: round-robin over 2+ replicas stays at or below 2/3 with the cache workload's order. */
export const DEFAULT_MIN_AFFINITY = 0.8;

/** Full blocks below n tokens. vLLM always recomputes the last prompt token, so a hit covers at most n - 1. */
export function cacheableTokens(promptTokens: number, blockSize: number): number {
    return Math.floor(Math.max(0, promptTokens - 1) / blockSize) * blockSize;
}

/**
 * The group's cacheable shared prefix, in tokens. The server does not say where the shared prefix ends, so it is
 * the larger of (a) the best hit any later request of the group got, which a cache really served, and (b) an
 * underestimate from the prompt lengths: the shortest prompt of the group minus its distinct suffix (suffix words
 * plus a few tokens of "Question i:" framing), in whole blocks.
 */
export function groupCacheablePrefix(samples: readonly AffinitySample[], blockSize: number, suffixTokens: number): number {
    if (samples.length === 0) return 0;
    const bestHit = Math.max(...samples.map((s) => s.cachedTokens));
    const shortest = Math.min(...samples.map((s) => s.promptTokens));
    const estimate = Math.floor(Math.max(0, shortest - suffixTokens - SUFFIX_FRAMING_TOKENS) / blockSize) * blockSize;
    return Math.max(bestHit, estimate);
}

/** "\nQuestion 12: ... ?" around the suffix words: generously counted, so the estimate stays an underestimate. */
export const SUFFIX_FRAMING_TOKENS = 8;

export function computeAffinity(samples: readonly AffinitySample[], blockSize: number, suffixTokens: number): Affinity {
    const groupIds = [...new Set(samples.map((s) => s.group))].sort((a, b) => a - b);
    const groups = groupIds.map((group): GroupAffinity => {
        const own = samples.filter((s) => s.group === group);
        const prefix = groupCacheablePrefix(own, blockSize, suffixTokens);
        let idealTokens = 0;
        let cachedTokens = 0;
        let fullHits = 0;
        for (const s of own) {
            const ideal = Math.min(prefix, cacheableTokens(s.promptTokens, blockSize));
            idealTokens += ideal;
            // Hits beyond the shared prefix (never expected) must not let one request make up for another.
            cachedTokens += Math.min(s.cachedTokens, ideal);
            if (s.cachedTokens >= ideal) fullHits += 1;
        }
        return { group, laterRequests: own.length, cacheablePrefixTokens: prefix, idealTokens, cachedTokens, fullHits };
    });
    const idealTokens = groups.reduce((a, g) => a + g.idealTokens, 0);
    const cachedTokens = groups.reduce((a, g) => a + g.cachedTokens, 0);
    const fullHits = groups.reduce((a, g) => a + g.fullHits, 0);
    return {
        tokenRatio: idealTokens > 0 ? cachedTokens / idealTokens : null,
        fullHitShare: samples.length > 0 ? fullHits / samples.length : null,
        laterRequests: samples.length,
        idealTokens,
        cachedTokens,
        groups,
    };
}

/** The verdict line: null when affinity meets the threshold or cannot be judged. */
export function affinityFailure(affinity: Affinity, minAffinity: number): string | null {
    if (affinity.tokenRatio === null || affinity.tokenRatio >= minAffinity) return null;
    const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
    return (
        `routing looks cache-blind: later requests of a prefix group got ${pct(affinity.tokenRatio)} of the cacheable prefix tokens ` +
        `their group had already cached (${affinity.cachedTokens} of ${affinity.idealTokens}), and ${pct(affinity.fullHitShare ?? 0)} ` +
        `of them got a full-prefix hit; affinity must be at least ${pct(minAffinity)} (--min-affinity). ` +
        "A cache-aware router sends a group back to the replica holding its prefix; round-robin does not (or the cache evicts the prefixes)"
    );
}

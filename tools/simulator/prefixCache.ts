import { createHash } from "node:crypto";

export interface PrefixCacheOptions {
    /** Tokens per KV block. Only full blocks are ever cached, like vLLM. */
    blockSize: number;
    /** How many blocks fit in the cache; 0 disables caching entirely. */
    capacityBlocks: number;
}

export interface CacheLookup {
    promptTokens: number;
    cachedTokens: number;
}

export interface PrefixCacheStats {
    /** Prompt tokens looked up (vLLM's vllm:prefix_cache_queries counts tokens, not requests). */
    queries: number;
    /** Prompt tokens served from the cache (vllm:prefix_cache_hits). */
    hits: number;
    requests: number;
    evictions: number;
    blocks: number;
}

const ROOT_HASH = Buffer.alloc(32);

/**
 * Hash chain over full blocks: block i's hash covers its parent's hash and its own tokens, so equal hashes imply
 * an equal prefix up to and including that block. Trailing tokens that do not fill a block get no hash, which is
 * why a short prompt can never be a cache hit.
 */
export function blockHashes(tokens: readonly number[], blockSize: number): string[] {
    const hashes: string[] = [];
    let parent: Buffer = ROOT_HASH;
    const fullBlocks = Math.floor(tokens.length / blockSize);
    for (let b = 0; b < fullBlocks; b++) {
        const ids = Uint32Array.from(tokens.slice(b * blockSize, (b + 1) * blockSize));
        parent = createHash("sha256").update(parent).update(Buffer.from(ids.buffer)).digest();
        hashes.push(parent.toString("hex"));
    }
    return hashes;
}

/**
 * A vLLM-like automatic prefix cache: block-granular, longest-cached-prefix lookup, LRU eviction.
 * A Map keeps insertion order, which doubles as the LRU queue (first entry = least recently used).
 */
export class PrefixCache {
    private readonly blocks = new Map<string, true>();
    private readonly counters = { queries: 0, hits: 0, requests: 0, evictions: 0 };

    constructor(readonly options: PrefixCacheOptions) {
        if (!Number.isInteger(options.blockSize) || options.blockSize < 1) {
            throw new Error(`blockSize must be a positive integer, got ${options.blockSize}`);
        }
        if (!Number.isInteger(options.capacityBlocks) || options.capacityBlocks < 0) {
            throw new Error(`capacityBlocks must be a non-negative integer, got ${options.capacityBlocks}`);
        }
    }

    /**
     * Cached tokens this prompt would get, without touching LRU order or counters (a router uses it to score
     * replicas). vLLM always recomputes at least the last prompt token to produce logits, so a prompt that is an
     * exact multiple of the block size cannot hit its own last block.
     */
    peek(tokens: readonly number[]): number {
        return this.matchedBlocks(blockHashes(tokens.slice(0, Math.max(0, tokens.length - 1)), this.options.blockSize)) * this.options.blockSize;
    }

    /** Looks the prompt up, counts the query, then stores all of its full blocks (the KV is computed either way). */
    admit(tokens: readonly number[]): CacheLookup {
        const size = this.options.blockSize;
        const all = blockHashes(tokens, size);
        const lookupBlocks = Math.floor(Math.max(0, tokens.length - 1) / size);
        const cachedTokens = this.matchedBlocks(all.slice(0, lookupBlocks)) * size;
        this.counters.requests += 1;
        this.counters.queries += tokens.length;
        this.counters.hits += cachedTokens;
        this.store(all);
        return { promptTokens: tokens.length, cachedTokens };
    }

    has(hash: string): boolean {
        return this.blocks.has(hash);
    }

    stats(): PrefixCacheStats {
        return { ...this.counters, blocks: this.blocks.size };
    }

    private matchedBlocks(hashes: readonly string[]): number {
        let n = 0;
        while (n < hashes.length && this.blocks.has(hashes[n])) n++;
        return n;
    }

    private store(hashes: readonly string[]): void {
        if (this.options.capacityBlocks === 0) return;
        // vLLM frees a finished request's blocks tail-first, so a prefix's last blocks are evicted before its
        // first ones; re-inserting in reverse makes block 0 the most recently used.
        for (let i = hashes.length - 1; i >= 0; i--) {
            this.blocks.delete(hashes[i]);
            this.blocks.set(hashes[i], true);
        }
        while (this.blocks.size > this.options.capacityBlocks) {
            const oldest = this.blocks.keys().next().value;
            if (oldest === undefined) break;
            this.blocks.delete(oldest);
            this.counters.evictions += 1;
        }
    }
}

import { describe, expect, it } from "vitest";
import { blockHashes, PrefixCache } from "../../tools/simulator/prefixCache";
import { tokenize } from "../../tools/simulator/tokenizer";

const seq = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);

describe("block hashing", () => {
    it("hashes full blocks only", () => {
        expect(blockHashes(seq(0, 7), 4)).toHaveLength(1);
        expect(blockHashes(seq(0, 8), 4)).toHaveLength(2);
        expect(blockHashes(seq(0, 3), 4)).toHaveLength(0);
    });

    it("chains: a block's hash depends on every token before it", () => {
        const a = blockHashes([1, 2, 3, 4, 5, 6, 7, 8], 4);
        const sameHead = blockHashes([1, 2, 3, 4, 9, 9, 9, 9], 4);
        const otherHead = blockHashes([0, 2, 3, 4, 5, 6, 7, 8], 4);
        expect(sameHead[0]).toBe(a[0]);
        expect(sameHead[1]).not.toBe(a[1]);
        // Same second-block tokens after a different first block must not collide.
        expect(otherHead[1]).not.toBe(a[1]);
        expect(blockHashes([1, 2, 3, 4, 5, 6, 7, 8], 4)).toEqual(a);
    });
});

describe("PrefixCache", () => {
    it("never caches a prompt shorter than one block (the 7-token prompt of the old guide)", () => {
        const cache = new PrefixCache({ blockSize: 128, capacityBlocks: 100 });
        const prompt = tokenize("What is the capital of France?");
        expect(prompt.length).toBe(7);
        expect(cache.admit(prompt).cachedTokens).toBe(0);
        expect(cache.admit(prompt).cachedTokens).toBe(0);
        expect(cache.stats()).toMatchObject({ queries: 14, hits: 0, requests: 2, blocks: 0 });
    });

    it("hits whole blocks of a repeated prefix and nothing of the partial tail", () => {
        const cache = new PrefixCache({ blockSize: 4, capacityBlocks: 100 });
        expect(cache.admit([...seq(0, 10), 100]).cachedTokens).toBe(0);
        // Shares 10 tokens = 2 full blocks + 2 tokens: only the 2 blocks count.
        expect(cache.admit([...seq(0, 10), 200, 201]).cachedTokens).toBe(8);
        expect(cache.stats()).toMatchObject({ queries: 23, hits: 8 });
    });

    it("recomputes the last token: an exact block multiple cannot hit its own last block", () => {
        const cache = new PrefixCache({ blockSize: 4, capacityBlocks: 100 });
        cache.admit(seq(0, 8));
        expect(cache.peek(seq(0, 8))).toBe(4);
        expect(cache.admit(seq(0, 8)).cachedTokens).toBe(4);
        expect(cache.admit(seq(0, 9)).cachedTokens).toBe(8);
    });

    it("evicts least recently used blocks beyond capacity", () => {
        const cache = new PrefixCache({ blockSize: 2, capacityBlocks: 4 });
        cache.admit([1, 1, 1, 1, 0]); // A: 2 blocks
        cache.admit([2, 2, 2, 2, 0]); // B: 2 blocks, cache full
        cache.admit([1, 1, 1, 1, 5]); // touch A, B becomes LRU
        cache.admit([3, 3, 3, 3, 0]); // C evicts B
        expect(cache.stats().blocks).toBe(4);
        expect(cache.stats().evictions).toBe(2);
        expect(cache.peek([1, 1, 1, 1, 9])).toBe(4);
        expect(cache.peek([3, 3, 3, 3, 9])).toBe(4);
        expect(cache.peek([2, 2, 2, 2, 9])).toBe(0);
    });

    it("evicts a prefix tail-first, so what survives is still a usable prefix", () => {
        const cache = new PrefixCache({ blockSize: 2, capacityBlocks: 4 });
        cache.admit([...seq(0, 8), 99]); // 4 blocks
        cache.admit([7, 7, 0]); // one new block pushes out exactly one old one
        expect(cache.peek([...seq(0, 8), 42])).toBe(6);
    });

    it("capacity 0 disables caching", () => {
        const cache = new PrefixCache({ blockSize: 2, capacityBlocks: 0 });
        cache.admit(seq(0, 9));
        expect(cache.admit(seq(0, 9)).cachedTokens).toBe(0);
        expect(cache.stats().blocks).toBe(0);
    });

    it("rejects invalid sizes", () => {
        expect(() => new PrefixCache({ blockSize: 0, capacityBlocks: 1 })).toThrow(/blockSize/);
        expect(() => new PrefixCache({ blockSize: 4, capacityBlocks: -1 })).toThrow(/capacityBlocks/);
    });
});

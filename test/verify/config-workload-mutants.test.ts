/**
 * Option parsing (config.ts) and seeded prompt generation (workload.ts): the edges the broader suites leave open,
 * pinned with exact values (anchors of the accepted forms, limits taken inclusively, the seeds each text comes from).
 */
import { describe, expect, it } from "vitest";
import { normalizeBaseUrl, parseDuration, parseLevels, parsePhaseList } from "../../tools/verify/config";
import { buildCacheWorkload, randomWords, seededRandom } from "../../tools/verify/workload";

describe("parseDuration", () => {
    it("accepts surrounding whitespace and decimals with several digits", () => {
        expect(parseDuration(" 2s ")).toBe(2000);
        expect(parseDuration("\t750ms\n")).toBe(750);
        expect(parseDuration("1.25s")).toBe(1250);
        expect(parseDuration("0.125m")).toBe(7500);
        expect(parseDuration("1.5 m")).toBe(90_000);
    });

    it("rejects anything before the number or after the unit", () => {
        expect(parseDuration("x5s")).toBeNull();
        expect(parseDuration("-5s")).toBeNull();
        expect(parseDuration("5sx")).toBeNull();
        expect(parseDuration("5s later")).toBeNull();
        expect(parseDuration("5 ms!")).toBeNull();
        expect(parseDuration("1.")).toBeNull();
    });
});

describe("parseLevels", () => {
    it("takes decimals in every plain form, and the maximum itself", () => {
        expect(parseLevels("1.25,2", false, 10)).toEqual([1.25, 2]);
        expect(parseLevels(".25", false, 10)).toEqual([0.25]);
        expect(parseLevels(".5, 2.", false, 10)).toEqual([0.5, 2]);
        expect(parseLevels("0.125", false, 10)).toEqual([0.125]);
        expect(parseLevels("4,8", true, 8)).toEqual([4, 8]);
        expect(parseLevels("2.5,10", false, 10)).toEqual([2.5, 10]);
    });

    it("takes multi-digit integers", () => {
        expect(parseLevels("1,16,256", true, 1024)).toEqual([1, 16, 256]);
    });

    it("refuses what Number() would read but a typo should not become", () => {
        expect(parseLevels("1e2", false, 1000)).toBeNull();
        expect(parseLevels("0x10", false, 1000)).toBeNull();
        expect(parseLevels("2,1e2", true, 1000)).toBeNull();
        expect(parseLevels("1.5", true, 10)).toBeNull();
        expect(parseLevels("9", true, 8)).toBeNull();
        expect(parseLevels("0", false, 8)).toBeNull();
    });

    it("takes exactly 12 levels and refuses 13", () => {
        const twelve = Array.from({ length: 12 }, (_, i) => i + 1);
        expect(parseLevels(twelve.join(","), true, 64)).toEqual(twelve);
        expect(parseLevels([...twelve, 13].join(","), true, 64)).toBeNull();
        expect(parseLevels([...twelve, 13].join(","), false, 64)).toBeNull();
    });
});

describe("parsePhaseList", () => {
    it("ignores empty entries between, before and after the names", () => {
        expect(parsePhaseList("health,,load")).toEqual(["health", "load"]);
        expect(parsePhaseList("cache,")).toEqual(["cache"]);
        expect(parsePhaseList(", load , ")).toEqual(["load"]);
        expect(parsePhaseList(" , ")).toBeNull();
    });
});

describe("normalizeBaseUrl", () => {
    it("trims whitespace the URL parser itself would keep", () => {
        // A pasted URL may carry a no-break space or a BOM, which String.trim() drops and new URL() does not.
        expect(normalizeBaseUrl("\u00a0http://10.0.0.1/llm/qwen\u00a0")).toBe("http://10.0.0.1/llm/qwen");
        expect(normalizeBaseUrl("\ufeffhttps://gw.example/llm")).toBe("https://gw.example/llm");
        expect(normalizeBaseUrl("  http://10.0.0.1:8000/  ")).toBe("http://10.0.0.1:8000");
    });

    it("rejects a fragment and credentials in the URL", () => {
        expect(normalizeBaseUrl("http://10.0.0.1/llm#top")).toBeNull();
        expect(normalizeBaseUrl("http://user@10.0.0.1/llm")).toBeNull();
        expect(normalizeBaseUrl("http://:secret@10.0.0.1/llm")).toBeNull();
        expect(normalizeBaseUrl("http://user:secret@10.0.0.1/llm")).toBeNull();
        expect(normalizeBaseUrl("http://10.0.0.1/llm?")).toBe("http://10.0.0.1/llm");
    });

    it("drops every trailing slash, not only the last", () => {
        expect(normalizeBaseUrl("http://10.0.0.1/llm/qwen//")).toBe("http://10.0.0.1/llm/qwen");
        expect(normalizeBaseUrl("http://10.0.0.1///")).toBe("http://10.0.0.1");
    });
});

describe("buildCacheWorkload seeds", () => {
    it("derives each prefix from seed * 7919 + group and each suffix from seed * 104729 + group * 1009 + index", () => {
        const o = { groups: 3, requestsPerGroup: 3, prefixTokens: 12, suffixTokens: 5, seed: 5, runId: "abc1234" };
        const prefix = (g: number) => `Run abc1234 document ${g}: ${randomWords(seededRandom(5 * 7919 + g), 12 - 4)}`;
        const expected = [];
        for (let index = 0; index < 3; index++) {
            for (let group = 0; group < 3; group++) {
                const suffix = randomWords(seededRandom(5 * 104729 + group * 1009 + index), 5);
                expected.push({ group, index, prompt: `${prefix(group)}\nQuestion ${index}: ${suffix}?` });
            }
        }
        expect(buildCacheWorkload(o)).toEqual(expected);
    });

    it("makes the prefix exactly --prefix-tokens words, header included", () => {
        for (const prefixTokens of [5, 10, 300]) {
            const w = buildCacheWorkload({ groups: 2, requestsPerGroup: 2, prefixTokens, suffixTokens: 3, seed: 1, runId: "r" });
            for (const r of w) expect(r.prompt.split("\n")[0].split(" ")).toHaveLength(prefixTokens);
        }
        // Shorter than the header: the header alone, never negative.
        const tiny = buildCacheWorkload({ groups: 1, requestsPerGroup: 2, prefixTokens: 2, suffixTokens: 1, seed: 1, runId: "r" });
        expect(tiny[0].prompt.split("\n")[0]).toBe("Run r document 0: ");
    });

    it("changes every prefix and suffix with the seed, and never repeats a suffix within a run", () => {
        const o = { groups: 4, requestsPerGroup: 4, prefixTokens: 40, suffixTokens: 12, seed: 5, runId: "r" };
        const a = buildCacheWorkload(o);
        const b = buildCacheWorkload({ ...o, seed: 6 });
        const head = (p: string) => p.split("\n")[0];
        const tail = (p: string) => p.split("\n")[1].replace(/^Question \d+: /, "");
        for (let i = 0; i < a.length; i++) {
            expect(head(a[i].prompt)).not.toBe(head(b[i].prompt));
            expect(tail(a[i].prompt)).not.toBe(tail(b[i].prompt));
        }
        expect(new Set(a.map((r) => tail(r.prompt))).size).toBe(a.length);
        expect(new Set(a.filter((r) => r.index === 0).map((r) => head(r.prompt).replace(/document \d+:/, ""))).size).toBe(4);
    });
});

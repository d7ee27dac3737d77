/**
 * Prompt generation. Words come from a list of short, common English words, each a single token in the usual BPE
 * vocabularies, so N generated words are roughly N tokens on a real server too. The words are derived from a
 * seed, so a run's text can be reproduced; the run id at the start of every prompt is drawn fresh for every run,
 * seed or not, so each run's prefixes are new to the server and the first request of a group is really cold even
 * when verify ran a minute earlier with the same --seed.
 */
import { randomInt } from "node:crypto";

const VOCABULARY = (
    "the of and to in is was for on that with as by at from his her they have had not are but this which be one " +
    "all were when we there can an your more if has will so no about up out them she would my what some time " +
    "into only could new other then than its over also after did many before must through back years where much " +
    "way well down should because each just those people how too little state good very make world still own see " +
    "men work long get here between both life being under never day same another know while last might us great " +
    "old year off come since against go came right used take three small large house use during without again " +
    "place around however home found thought went say part once general high upon school every does got left " +
    "number course war until always away something fact though water less public put think almost hand enough far " +
    "took head yet government system better set told nothing night end why called didn find look asked later point " +
    "knew city next program business give group toward young days let room side social present given several order " +
    "national second possible rather per face among form important often things looked early white case become " +
    "large big need four within felt along children saw best church ever least power development light thing"
).split(" ");

/** mulberry32: tiny, fast, deterministic; quality is irrelevant here beyond "looks like varied text". */
export function seededRandom(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export function randomWords(random: () => number, count: number): string {
    const words: string[] = new Array<string>(Math.max(0, count));
    for (let i = 0; i < words.length; i++) words[i] = VOCABULARY[Math.floor(random() * VOCABULARY.length)];
    return words.join(" ");
}

/** 36^7: every id is exactly 7 base-36 characters, one alphanumeric word, so it tokenizes the same way each run. */
const RUN_ID_SPACE = 36 ** 7;

/**
 * A short id unique to this run. Never derived from --seed: a rerun with the same seed would otherwise repeat
 * the previous run's prefixes, find them cached, and report a "cold" first request that was warm.
 */
export function makeRunId(): string {
    return randomInt(RUN_ID_SPACE).toString(36).padStart(7, "0");
}

export interface CacheWorkloadOptions {
    groups: number;
    requestsPerGroup: number;
    /** Shared prefix length per group, in words (~tokens). */
    prefixTokens: number;
    /** Distinct tail per request, in words (~tokens). */
    suffixTokens: number;
    seed: number;
    runId: string;
}

export interface CacheRequest {
    group: number;
    /** 0 is the group's first (cold) request; the rest share its prefix. */
    index: number;
    prompt: string;
}

/**
 * Groups of prompts sharing a long prefix, each with its own suffix. Requests are interleaved across groups
 * (g0#0, g1#0, ..., g0#1, g1#1, ...), so the cache must hold several prefixes at once and a router must send each
 * group back to the replica that has it, as it would with real multi-tenant traffic.
 */
export function buildCacheWorkload(o: CacheWorkloadOptions): CacheRequest[] {
    const prefixes = Array.from({ length: o.groups }, (_, g) => {
        const header = `Run ${o.runId} document ${g}:`;
        const headerWords = header.split(" ").length;
        return `${header} ${randomWords(seededRandom(o.seed * 7919 + g), Math.max(0, o.prefixTokens - headerWords))}`;
    });
    const requests: CacheRequest[] = [];
    for (let index = 0; index < o.requestsPerGroup; index++) {
        for (let group = 0; group < o.groups; group++) {
            const suffix = randomWords(seededRandom(o.seed * 104729 + group * 1009 + index), o.suffixTokens);
            requests.push({ group, index, prompt: `${prefixes[group]}\nQuestion ${index}: ${suffix}?` });
        }
    }
    return requests;
}

/** Load-phase prompt i: a unique opening so load requests do not ride on each other's cache entries. */
export function loadPrompt(i: number, promptTokens: number, seed: number, runId: string): string {
    const header = `Request ${runId}-${i}:`;
    return `${header} ${randomWords(seededRandom(seed * 31337 + i), Math.max(1, promptTokens - 2))}`;
}

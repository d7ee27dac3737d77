import { PrefixCache, type CacheLookup } from "./prefixCache";

/** Per-replica counters, named after the vLLM metrics they feed. */
export interface ReplicaCounters {
    promptTokens: number;
    generationTokens: number;
    requestsSuccess: number;
    running: number;
    e2eSecondsSum: number;
    e2eCount: number;
    ttftSecondsSum: number;
    ttftCount: number;
}

export class Replica {
    readonly cache: PrefixCache;
    readonly counters: ReplicaCounters = {
        promptTokens: 0,
        generationTokens: 0,
        requestsSuccess: 0,
        running: 0,
        e2eSecondsSum: 0,
        e2eCount: 0,
        ttftSecondsSum: 0,
        ttftCount: 0,
    };

    constructor(
        readonly index: number,
        blockSize: number,
        capacityBlocks: number,
    ) {
        this.cache = new PrefixCache({ blockSize, capacityBlocks });
    }

    admit(tokens: readonly number[]): CacheLookup {
        this.counters.running += 1;
        return this.cache.admit(tokens);
    }

    finish(outcome: { promptTokens: number; outputTokens: number; ttftSeconds: number; e2eSeconds: number } | null): void {
        this.counters.running -= 1;
        if (outcome === null) return;
        this.counters.promptTokens += outcome.promptTokens;
        this.counters.generationTokens += outcome.outputTokens;
        this.counters.requestsSuccess += 1;
        this.counters.ttftSecondsSum += outcome.ttftSeconds;
        this.counters.ttftCount += 1;
        this.counters.e2eSecondsSum += outcome.e2eSeconds;
        this.counters.e2eCount += 1;
    }
}

import { Histogram, ITL_BUCKETS, REQUEST_LATENCY_BUCKETS, TTFT_BUCKETS } from "./histogram";
import { PrefixCache, type CacheLookup } from "./prefixCache";

/** Per-replica counters, named after the vLLM metrics they feed. */
export interface ReplicaCounters {
    promptTokens: number;
    generationTokens: number;
    requestsSuccess: number;
    /** Sequences in the running batch (vllm:num_requests_running). */
    running: number;
}

export interface FinishedRequest {
    promptTokens: number;
    outputTokens: number;
    queueSeconds: number;
    ttftSeconds: number;
    e2eSeconds: number;
    /** Mean time per output token after the first; null with a single token. */
    tpotSeconds: number | null;
}

/**
 * One vLLM engine: a prefix cache, and a scheduler that runs at most maxNumSeqs sequences at once while the rest
 * wait in FIFO order, as vLLM's --max-num-seqs does. The waiting queue is what vllm:num_requests_waiting counts and
 * what a load-aware router reads.
 */
export class Replica {
    readonly cache: PrefixCache;
    readonly counters: ReplicaCounters = { promptTokens: 0, generationTokens: 0, requestsSuccess: 0, running: 0 };
    readonly histograms = {
        ttft: new Histogram(TTFT_BUCKETS),
        e2e: new Histogram(REQUEST_LATENCY_BUCKETS),
        queue: new Histogram(REQUEST_LATENCY_BUCKETS),
        tpot: new Histogram(ITL_BUCKETS),
    };
    private readonly waiting: { seqs: number; wake: () => void }[] = [];

    constructor(
        readonly index: number,
        blockSize: number,
        capacityBlocks: number,
        readonly maxNumSeqs: number = Number.MAX_SAFE_INTEGER,
    ) {
        this.cache = new PrefixCache({ blockSize, capacityBlocks });
    }

    get waitingCount(): number {
        return this.waiting.length;
    }

    /** Share of the KV capacity holding cached blocks (vllm:kv_cache_usage_perc, 0..1). */
    kvCacheUsage(): number {
        const capacity = this.cache.options.capacityBlocks;
        return capacity === 0 ? 0 : Math.min(1, this.cache.stats().blocks / capacity);
    }

    /**
     * Resolves once `seqs` sequences fit the running batch (at once when they do); false if aborted while waiting.
     * A request of more sequences than the batch holds runs alone at the batch size.
     */
    async schedule(seqs: number, signal: AbortSignal): Promise<{ seqs: number } | null> {
        const need = Math.min(seqs, this.maxNumSeqs);
        if (this.waiting.length === 0 && this.counters.running + need <= this.maxNumSeqs) {
            this.counters.running += need;
            return { seqs: need };
        }
        const admitted = await new Promise<boolean>((resolve) => {
            const entry = { seqs: need, wake: () => resolve(true) };
            this.waiting.push(entry);
            signal.addEventListener(
                "abort",
                () => {
                    const at = this.waiting.indexOf(entry);
                    if (at !== -1) this.waiting.splice(at, 1);
                    resolve(false);
                    this.drain();
                },
                { once: true },
            );
        });
        return admitted ? { seqs: need } : null;
    }

    /** Looks the prompt up in the cache (and stores its blocks): the prefill of one prompt. */
    prefill(tokens: readonly number[]): CacheLookup {
        return this.cache.admit(tokens);
    }

    release(seqs: number, outcome: FinishedRequest | null): void {
        this.counters.running -= seqs;
        if (outcome !== null) {
            this.counters.promptTokens += outcome.promptTokens;
            this.counters.generationTokens += outcome.outputTokens;
            this.counters.requestsSuccess += 1;
            this.histograms.queue.observe(outcome.queueSeconds);
            this.histograms.ttft.observe(outcome.ttftSeconds);
            this.histograms.e2e.observe(outcome.e2eSeconds);
            if (outcome.tpotSeconds !== null) this.histograms.tpot.observe(outcome.tpotSeconds);
        }
        this.drain();
    }

    /** Starts waiting requests in order while they fit. */
    private drain(): void {
        while (this.waiting.length > 0 && this.counters.running + this.waiting[0].seqs <= this.maxNumSeqs) {
            const next = this.waiting.shift();
            if (next === undefined) break;
            this.counters.running += next.seqs;
            next.wake();
        }
    }
}

import type { RoutingPolicy } from "./options";
import type { Replica } from "./replica";

export interface RouterWeights {
    prefix: number;
    load: number;
}

/**
 * EPP-like score of one replica: weighted prefix match (share of the prompt's tokens the replica holds) and load
 * (1 - the replica's running plus waiting sequences over its batch size, floored at 0), as the gateway's endpoint
 * picker weighs its prefix-cache and load scorers. A heavy prefix weight keeps a hot prefix on one replica even
 * as it queues there: hot-spotting.
 */
export function eppScore(replica: Replica, tokens: readonly number[], weights: RouterWeights): number {
    const prefix = tokens.length > 0 ? replica.cache.peek(tokens) / tokens.length : 0;
    const occupied = replica.counters.running + replica.waitingCount;
    const load = Math.max(0, 1 - occupied / replica.maxNumSeqs);
    return weights.prefix * prefix + weights.load * load;
}

/** Load of a replica for tie-breaking: what is running plus what waits. */
function occupancy(r: Replica): number {
    return r.counters.running + r.waitingCount;
}

/**
 * In-process stand-in for the gateway's endpoint picker:
 * - "prefix": the replica holding the longest cached prefix, ties by load, then in turn (pure affinity);
 * - "epp": the best weighted prefix + load score, ties in turn;
 * - "round-robin": ignores the prompt, as a plain Service/load balancer does.
 */
export class Router {
    private next = 0;

    constructor(
        private readonly replicas: readonly Replica[],
        private readonly policy: RoutingPolicy,
        private readonly weights: RouterWeights = { prefix: 2, load: 1 },
    ) {}

    pick(tokens: readonly number[]): Replica {
        const start = this.next;
        this.next = (this.next + 1) % this.replicas.length;
        if (this.policy === "round-robin" || this.replicas.length === 1) return this.replicas[start];
        const score = (r: Replica) => (this.policy === "epp" ? eppScore(r, tokens, this.weights) : r.cache.peek(tokens));
        let best = this.replicas[start];
        let bestScore = score(best);
        for (let k = 1; k < this.replicas.length; k++) {
            const candidate = this.replicas[(start + k) % this.replicas.length];
            const s = score(candidate);
            const better = s > bestScore || (this.policy === "prefix" && s === bestScore && occupancy(candidate) < occupancy(best));
            if (better) {
                best = candidate;
                bestScore = s;
            }
        }
        return best;
    }
}

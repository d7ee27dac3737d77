import type { RoutingPolicy } from "./options";
import type { Replica } from "./replica";

/**
 * In-process stand-in for the gateway's endpoint picker. "prefix" scores replicas by how much of the prompt they
 * already hold (what a prefix-cache-aware scorer approximates) and breaks ties by load, then in turn;
 * "round-robin" ignores the prompt, which is what a plain Service/load balancer does.
 */
export class Router {
    private next = 0;

    constructor(
        private readonly replicas: readonly Replica[],
        private readonly policy: RoutingPolicy,
    ) {}

    pick(tokens: readonly number[]): Replica {
        const start = this.next;
        this.next = (this.next + 1) % this.replicas.length;
        if (this.policy === "round-robin" || this.replicas.length === 1) return this.replicas[start];
        let best = this.replicas[start];
        let bestScore = best.cache.peek(tokens);
        for (let k = 1; k < this.replicas.length; k++) {
            const candidate = this.replicas[(start + k) % this.replicas.length];
            const score = candidate.cache.peek(tokens);
            const better = score > bestScore || (score === bestScore && candidate.counters.running < best.counters.running);
            if (better) {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }
}

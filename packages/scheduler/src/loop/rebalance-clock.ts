/**
 * When the leader may rebalance: only after the cluster has been quiet for a whole interval — no placements,
 * recoveries or moves — and then one round of moves per interval. A term starts busy, so a new leader, or a
 * machine that just came back, is not met with moves at once (bounded disruption).
 */
import type { RebalanceOptions } from '../rebalance.js';

/** Every rebalancing decision's reason starts with this (rebalance.ts). */
export const REBALANCE_PREFIX = 'rebalance:';

export class RebalanceClock {
  private lastActivityAt: number;

  constructor(
    private readonly opts: { maxMoves: number; intervalMs: number } | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastActivityAt = now();
  }

  /** The options for this pass's plan if a round of moves is allowed now, else undefined. */
  due(): RebalanceOptions | undefined {
    if (!this.opts || this.now() - this.lastActivityAt < this.opts.intervalMs) return undefined;
    return { maxMoves: this.opts.maxMoves };
  }

  /** A pass made decisions (moves for balance or anything else): the next round waits a whole quiet interval. */
  active(): void {
    this.lastActivityAt = this.now();
  }
}

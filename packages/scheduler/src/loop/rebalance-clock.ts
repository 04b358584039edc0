/** When the leader may rebalance again: at most one round of moves per interval (bounded disruption). */
import type { RebalanceOptions } from '../rebalance.js';

/** Every rebalancing decision's reason starts with this (rebalance.ts). */
export const REBALANCE_PREFIX = 'rebalance:';

export class RebalanceClock {
  private lastMovesAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opts: { maxMoves: number; intervalMs: number } | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The options for this pass's plan if a round of moves is allowed now, else undefined. */
  due(): RebalanceOptions | undefined {
    if (!this.opts || this.now() - this.lastMovesAt < this.opts.intervalMs) return undefined;
    return { maxMoves: this.opts.maxMoves };
  }

  /** The pass moved units for balance: the next round waits a whole interval. */
  moved(): void {
    this.lastMovesAt = this.now();
  }
}

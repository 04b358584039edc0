/**
 * The leader's moves in flight (stop-before-start.ts): units unassigned from a live machine, not placed again
 * until that machine reports them stopped (published unit state gone or inactive/failed), the machine is gone,
 * or `deadlineMs` has passed (then placed anyway, with a warning: an agent that cannot publish must not keep a
 * unit down forever). Only the pending units' states are read (`agent-states/<unit>/`), one range each.
 * In memory: a new leader starts with none (see docs/scheduler.md).
 */
import type { ClusterSnapshot, UnitStateRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import { moveStatus, type Move } from '../stop-before-start.js';

export interface PendingMovesOptions {
  deadlineMs: number;
  logger: Logger;
  getStates(unit: string): Promise<UnitStateRecord[]>;
  now?: () => number;
}

export class PendingMoves {
  private readonly pending = new Map<string, Move & { since: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: PendingMovesOptions) {
    this.now = opts.now ?? Date.now;
  }

  add(moves: readonly Move[]): void {
    for (const m of moves) this.pending.set(m.unit, { ...m, since: this.now() });
  }

  get size(): number {
    return this.pending.size;
  }

  /** The units of the moves in flight (an incremental plan always looks at them: held, or just released). */
  units(): string[] {
    return [...this.pending.keys()];
  }

  /** The units still held; releases the others (logged). A failed state read holds the unit for this pass. */
  async held(snapshot: ClusterSnapshot): Promise<Set<string>> {
    const held = new Set<string>();
    const scheduled = snapshot.schedule;
    await Promise.all(
      [...this.pending.values()].map(async (move) => {
        if (scheduled.has(move.unit)) return void this.pending.delete(move.unit);
        const states = await this.opts.getStates(move.unit).catch((err: unknown) => {
          this.opts.logger.warn({ err, unit: move.unit }, 'reading the unit state of a move failed; holding it');
          return undefined;
        });
        const waitedMs = this.now() - move.since;
        const { deadlineMs } = this.opts;
        const status = states ? moveStatus(move, snapshot, states, waitedMs, deadlineMs) : waitedMs >= deadlineMs ? 'deadline' : 'hold';
        if (status === 'hold') return void held.add(move.unit);
        this.pending.delete(move.unit);
        const fields = { unit: move.unit, from: move.from, waitedMs, status };
        if (status === 'deadline') this.opts.logger.warn(fields, `${move.unit} still active on ${move.from} after ${waitedMs} ms; placing it anyway`);
        else this.opts.logger.info(fields, `move of ${move.unit}: old copy ${status}; placing it`);
      }),
    );
    return held;
  }
}

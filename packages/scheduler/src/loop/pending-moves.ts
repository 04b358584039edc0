/**
 * The leader's moves in flight (stop-before-start.ts): units unassigned from a live machine, not placed again
 * until that machine reports them stopped (published unit state gone or inactive/failed), the machine is gone,
 * or `deadlineMs` has passed (then placed anyway, with a warning: an agent that cannot publish must not keep a
 * unit down forever). Only the pending units' states are read (`agent-states/<unit>/`), one range each.
 * In memory; a new leader derives the moves its predecessor left in flight from published states (`adopt`).
 */
import type { ClusterSnapshot, UnitStateRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import { inheritedMoves, moveStatus, unscheduledWanted, type Move } from '../stop-before-start.js';

export interface PendingMovesOptions {
  deadlineMs: number;
  logger: Logger;
  getStates(unit: string): Promise<UnitStateRecord[]>;
  /** Every published state in one read, for a takeover with many unscheduled units (absent: per unit). */
  listStates?(): Promise<UnitStateRecord[]>;
  now?: () => number;
}

/** Up to this many unscheduled units, a takeover reads their states one range each; above, all states at once. */
const PER_UNIT_READS = 200;
const READS_IN_FLIGHT = 16;

export class PendingMoves {
  private readonly pending = new Map<string, Move & { since: number }>();
  /** Released moves whose unit is not yet active where it was placed (a drain counts them as down). */
  private readonly settling = new Map<string, { since: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: PendingMovesOptions) {
    this.now = opts.now ?? Date.now;
  }

  add(moves: readonly Move[]): void {
    for (const m of moves) this.pending.set(m.unit, { ...m, since: this.now() });
  }

  /** Moves in flight, settling ones included: while any, the leader looks again soon. */
  get size(): number {
    return this.pending.size + this.settling.size;
  }

  /** The units of the moves in flight (an incremental plan always looks at them: held, or just released). */
  units(): string[] {
    return [...this.pending.keys()];
  }

  /**
   * A new term: the previous leader's moves in flight are not known, so they are derived from state — every
   * unit that should run, has no schedule entry and is still reported running by a live machine is held like
   * this leader's own moves (placed once stopped there, or after the deadline from now). A failed read throws:
   * the pass fails and nothing is placed that could run twice.
   */
  async adopt(snapshot: ClusterSnapshot): Promise<Move[]> {
    const candidates = unscheduledWanted(snapshot).filter((unit) => !this.pending.has(unit));
    if (candidates.length === 0) return [];
    const states = await this.readStates(candidates);
    const moves = inheritedMoves(snapshot, states);
    this.add(moves);
    for (const m of moves) this.opts.logger.info({ unit: m.unit, from: m.from }, `inherited move of ${m.unit}: still running on ${m.from}; held until it stops`);
    return moves;
  }

  private async readStates(units: readonly string[]): Promise<UnitStateRecord[]> {
    const { listStates } = this.opts;
    if (units.length > PER_UNIT_READS && listStates) {
      try {
        return await listStates();
      } catch (err) {
        // E.g. more published states than one response may carry: slower, one range per unit, but it finishes.
        this.opts.logger.warn({ err, units: units.length }, 'reading every unit state at once failed; reading them unit by unit');
      }
    }
    const queue = [...units];
    const found: UnitStateRecord[] = [];
    const worker = async () => {
      for (let unit = queue.pop(); unit !== undefined; unit = queue.pop()) found.push(...(await this.opts.getStates(unit)));
    };
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, queue.length) }, worker));
    return found;
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
        const status = moveStatus(move, snapshot, states, waitedMs, deadlineMs);
        if (status === 'hold') return void held.add(move.unit);
        this.pending.delete(move.unit);
        this.settling.set(move.unit, { since: this.now() });
        const fields = { unit: move.unit, from: move.from, waitedMs, status };
        if (status === 'deadline') this.opts.logger.warn(fields, `${move.unit} still active on ${move.from} after ${waitedMs} ms; placing it anyway`);
        else this.opts.logger.info(fields, `move of ${move.unit}: old copy ${status}; placing it`);
      }),
    );
    return held;
  }

  /**
   * Units that are down because of a move: held ones, and released ones not yet reported `active` on the machine
   * they were placed on (dropped once active, once no longer scheduled, or after the deadline). A failed state
   * read counts the unit as down for this pass.
   */
  async busy(snapshot: ClusterSnapshot, held: ReadonlySet<string>): Promise<Set<string>> {
    const busy = new Set(held);
    await Promise.all(
      [...this.settling].map(async ([unit, { since }]) => {
        const target = snapshot.schedule.get(unit);
        if (target === undefined) {
          if (this.now() - since >= this.opts.deadlineMs) this.settling.delete(unit);
          else busy.add(unit); // released this pass, not yet placed (or no longer wanted: dropped after the deadline)
          return;
        }
        const states = await this.opts.getStates(unit).catch(() => undefined);
        const active = states?.some((s) => s.machineId === target && s.activeState === 'active') === true;
        if (active || this.now() - since >= this.opts.deadlineMs) return void this.settling.delete(unit);
        busy.add(unit);
      }),
    );
    return busy;
  }
}

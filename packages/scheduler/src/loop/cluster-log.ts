/**
 * The scheduler's entries in the cluster event log (docs/ops.md): after each pass, placements
 * (`placed`, or `rescheduled` with the machine it left and why), units that newly fit nowhere (`unplaceable`)
 * and machines that left or joined since the previous pass. A move off a live machine is stop-before-start
 * (stop-before-start.ts): unassigned in one pass, placed passes later; the memory keeps where it came from and
 * why until then, so the move is still one entry. A new term knows none of its predecessor's moves: those are
 * logged `placed`. `passEvents` is pure; the writer appends in the background (never delaying placement).
 * At most MAX_PER_PASS entries per pass: a 10,000-unit submit logs a sample and a count, not 10,000 writes.
 */
import type { ClusterEventLog, ClusterSnapshot, MoveCause, NewClusterLogEvent } from '@flotilla/core';
import type { Logger } from 'pino';
import { moveCause } from '../move-cause.js';
import type { Decision, SchedulePlan } from '../plan.js';

export const MAX_PER_PASS = 50;

/** A move whose unassign was written and whose unit is not placed again yet. */
export interface MoveStarted {
  from: string;
  cause: MoveCause;
}

export interface PassMemory {
  machines: ReadonlySet<string> | undefined;
  unplaceable: ReadonlyMap<string, string>;
  /** unit → the move it is in the middle of. */
  moving: ReadonlyMap<string, MoveStarted>;
}

export const EMPTY_MEMORY: PassMemory = { machines: undefined, unplaceable: new Map(), moving: new Map() };

/** At most `limit` placement entries (a 100,000-unit plan must not build 100,000 entries to log 50); `moving` loses
 * the moves they complete. */
function placements(plan: SchedulePlan, limit: number, moving: Map<string, MoveStarted>): NewClusterLogEvent[] {
  const assigns = plan.decisions.filter((d) => d.kind === 'assign').slice(0, limit);
  const wanted = new Set(assigns.map((d) => d.unit));
  const unassigned = new Map(plan.decisions.filter((d) => d.kind === 'unassign' && wanted.has(d.unit)).map((d) => [d.unit, d]));
  return assigns.map((d): NewClusterLogEvent => {
    const off = unassigned.get(d.unit);
    const move = off ? { from: off.machineId, cause: moveCause(off.reason) } : moving.get(d.unit);
    moving.delete(d.unit);
    if (move === undefined || move.from === d.machineId) return { kind: 'placed', unit: d.unit, machineId: d.machineId, reason: d.reason };
    const cause = move.cause === undefined ? {} : { cause: move.cause };
    return { kind: 'rescheduled', unit: d.unit, machineId: d.machineId, fromMachineId: move.from, ...cause, reason: d.reason };
  });
}

/** The moves this pass started: units taken off a machine for a cause and not placed again in the same plan. */
function startedMoves(decisions: readonly Decision[]): [string, MoveStarted][] {
  const assigned = new Set(decisions.filter((d) => d.kind === 'assign').map((d) => d.unit));
  return decisions.flatMap((d): [string, MoveStarted][] => {
    if (d.kind !== 'unassign' || assigned.has(d.unit)) return [];
    const cause = moveCause(d.reason);
    return cause === undefined ? [] : [[d.unit, { from: d.machineId, cause }]];
  });
}

/** Moves still waiting: not placed by someone else since, and the unit still exists. */
function stillMoving(moving: ReadonlyMap<string, MoveStarted>, snapshot: Pick<ClusterSnapshot, 'schedule' | 'unitRevisions'>): Map<string, MoveStarted> {
  return new Map([...moving].filter(([unit]) => !snapshot.schedule.has(unit) && snapshot.unitRevisions.has(unit)));
}

/** Machines that still hold placements but are gone: on a new term, what the previous leader may not have logged
 * (it may have been the machine that died). */
function strandedMachines(snapshot: Pick<ClusterSnapshot, 'schedule' | 'globalAssignments'>, live: ReadonlySet<string>): string[] {
  const holders = new Set(snapshot.schedule.values());
  for (const byMachine of snapshot.globalAssignments.values()) for (const id of byMachine.keys()) holders.add(id);
  return [...holders].filter((id) => !live.has(id)).sort();
}

/** The entries one pass adds, given what the previous pass saw; `applied` is false when the writes failed. */
export function passEvents(
  memory: PassMemory,
  snapshot: Pick<ClusterSnapshot, 'machines' | 'schedule' | 'globalAssignments' | 'unitRevisions'>,
  plan: SchedulePlan,
  applied: boolean,
): { events: NewClusterLogEvent[]; memory: PassMemory } {
  return viewedPass(memory, snapshot, plan)(applied);
}

/**
 * passEvents in two steps: everything read from the pass's view, now (the leader releases the view before it
 * writes); then, given whether the writes were applied, the entries and the next memory.
 */
export function viewedPass(
  memory: PassMemory,
  snapshot: Pick<ClusterSnapshot, 'machines' | 'schedule' | 'globalAssignments' | 'unitRevisions'>,
  plan: SchedulePlan,
): (applied: boolean) => { events: NewClusterLogEvent[]; memory: PassMemory } {
  const machines = new Set(snapshot.machines.map((m) => m.id));
  const seen: NewClusterLogEvent[] = [];
  if (memory.machines) {
    for (const id of memory.machines) if (!machines.has(id)) seen.push({ kind: 'machine-lost', machineId: id });
    for (const id of machines) if (!memory.machines.has(id)) seen.push({ kind: 'machine-joined', machineId: id });
  } else {
    for (const id of strandedMachines(snapshot, machines)) seen.push({ kind: 'machine-lost', machineId: id });
  }
  // An incremental plan reports only the units it looked at; the others keep what the previous pass saw.
  const considered = plan.considered;
  const kept = considered ? [...memory.unplaceable].filter(([unit]) => !considered.has(unit)) : [];
  const found = plan.unplaceable.map((u): [string, string] => [u.unit, u.reasons.join('; ')]);
  for (const [unit, reason] of found) if (memory.unplaceable.get(unit) !== reason) seen.push({ kind: 'unplaceable', unit, reason });
  const unplaceable = new Map([...kept, ...found]);
  const moving = stillMoving(memory.moving, snapshot);
  // What the entries need from the plan is taken now too: the closure keeps no decision (a pass's writes drop
  // each chunk's decisions once written, execute.ts).
  const assigned = plan.decisions.reduce((n, d) => n + (d.kind === 'assign' ? 1 : 0), 0);
  const movingIfApplied = new Map(moving);
  const placedEntries = placements(plan, MAX_PER_PASS, movingIfApplied);
  for (const [unit, move] of startedMoves(plan.decisions)) movingIfApplied.set(unit, move);
  return (applied) => {
    const events = applied ? [...seen, ...placedEntries] : [...seen];
    const placed = applied ? assigned : 0;
    const total = events.length - Math.min(placed, MAX_PER_PASS) + placed;
    const capped = total > MAX_PER_PASS ? [...events.slice(0, MAX_PER_PASS - 1), { kind: 'placed' as const, reason: `${total - MAX_PER_PASS + 1} more changes in this pass` }] : events;
    return { events: capped, memory: { machines, unplaceable, moving: applied ? movingIfApplied : moving } };
  };
}

export class ClusterLogWriter {
  private memory = EMPTY_MEMORY;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: Pick<ClusterEventLog, 'appendEvents'>,
    private readonly logger: Logger,
  ) {}

  /** Reads what the pass's entries need from its view; the function returned appends them once the pass knows
   * whether its writes were applied. */
  beforeWrites(snapshot: ClusterSnapshot, plan: SchedulePlan): (applied: boolean) => void {
    const viewed = viewedPass(this.memory, snapshot, plan);
    return (applied) => this.append(viewed(applied));
  }

  private append({ events, memory }: { events: NewClusterLogEvent[]; memory: PassMemory }): void {
    this.memory = memory;
    const log = this.log;
    if (events.length === 0) return;
    // One batch at a time, in pass order; a failure is logged and dropped (the log is best effort).
    this.writing = this.writing
      .then(() => log.appendEvents(events))
      .then(() => undefined, (err: unknown) => this.logger.warn({ err, events: events.length }, 'writing cluster events failed'));
  }
}

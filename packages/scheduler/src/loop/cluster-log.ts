/**
 * The scheduler's entries in the cluster event log (docs/ops.md): after each pass, placements
 * (`placed`, or `rescheduled` when the same plan moved the unit off another machine), units that newly fit
 * nowhere (`unplaceable`) and machines that left or joined since the previous pass. `passEvents` is pure; the
 * writer appends in the background (never delaying placement).
 * At most MAX_PER_PASS entries per pass: a 10,000-unit submit logs a sample and a count, not 10,000 writes.
 */
import type { ClusterEventLog, ClusterSnapshot, NewClusterLogEvent } from '@flotilla/core';
import type { Logger } from 'pino';
import type { SchedulePlan } from '../plan.js';

export const MAX_PER_PASS = 50;

export interface PassMemory {
  machines: ReadonlySet<string> | undefined;
  unplaceable: ReadonlyMap<string, string>;
}

export const EMPTY_MEMORY: PassMemory = { machines: undefined, unplaceable: new Map() };

/** At most `limit` placement entries (a 100,000-unit plan must not build 100,000 entries to log 50). */
function placements(plan: SchedulePlan, limit: number): NewClusterLogEvent[] {
  const assigns = plan.decisions.filter((d) => d.kind === 'assign');
  const wanted = new Set(assigns.slice(0, limit).map((d) => d.unit));
  const unassigned = new Map(plan.decisions.filter((d) => d.kind === 'unassign' && wanted.has(d.unit)).map((d) => [d.unit, d.machineId]));
  return assigns
    .slice(0, limit)
    .map((d) => {
      const from = unassigned.get(d.unit);
      return from !== undefined && from !== d.machineId
        ? { kind: 'rescheduled' as const, unit: d.unit, machineId: d.machineId, fromMachineId: from, reason: d.reason }
        : { kind: 'placed' as const, unit: d.unit, machineId: d.machineId, reason: d.reason };
    });
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
  snapshot: Pick<ClusterSnapshot, 'machines' | 'schedule' | 'globalAssignments'>,
  plan: SchedulePlan,
  applied: boolean,
): { events: NewClusterLogEvent[]; memory: PassMemory } {
  const machines = new Set(snapshot.machines.map((m) => m.id));
  const events: NewClusterLogEvent[] = [];
  if (memory.machines) {
    for (const id of memory.machines) if (!machines.has(id)) events.push({ kind: 'machine-lost', machineId: id });
    for (const id of machines) if (!memory.machines.has(id)) events.push({ kind: 'machine-joined', machineId: id });
  } else {
    for (const id of strandedMachines(snapshot, machines)) events.push({ kind: 'machine-lost', machineId: id });
  }
  // An incremental plan reports only the units it looked at; the others keep what the previous pass saw.
  const considered = plan.considered;
  const kept = considered ? [...memory.unplaceable].filter(([unit]) => !considered.has(unit)) : [];
  const found = plan.unplaceable.map((u): [string, string] => [u.unit, u.reasons.join('; ')]);
  for (const [unit, reason] of found) if (memory.unplaceable.get(unit) !== reason) events.push({ kind: 'unplaceable', unit, reason });
  const unplaceable = new Map([...kept, ...found]);
  const placed = applied ? plan.decisions.reduce((n, d) => n + (d.kind === 'assign' ? 1 : 0), 0) : 0;
  if (applied) events.push(...placements(plan, MAX_PER_PASS));
  const total = events.length - Math.min(placed, MAX_PER_PASS) + placed;
  const capped = total > MAX_PER_PASS ? [...events.slice(0, MAX_PER_PASS - 1), { kind: 'placed' as const, reason: `${total - MAX_PER_PASS + 1} more changes in this pass` }] : events;
  return { events: capped, memory: { machines, unplaceable } };
}

export class ClusterLogWriter {
  private memory = EMPTY_MEMORY;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: Pick<ClusterEventLog, 'appendEvents'>,
    private readonly logger: Logger,
  ) {}

  afterPass(snapshot: ClusterSnapshot, plan: SchedulePlan, applied: boolean): void {
    const { events, memory } = passEvents(this.memory, snapshot, plan, applied);
    this.memory = memory;
    const log = this.log;
    if (events.length === 0) return;
    // One batch at a time, in pass order; a failure is logged and dropped (the log is best effort).
    this.writing = this.writing
      .then(() => log.appendEvents(events))
      .then(() => undefined, (err: unknown) => this.logger.warn({ err, events: events.length }, 'writing cluster events failed'));
  }
}

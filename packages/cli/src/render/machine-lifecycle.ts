/**
 * What `cordon`, `uncordon` and `drain` print (docs/machine-lifecycle.md), pure. The result lines and the
 * drain's end line are stable for scripts: `drained: 14 units moved, 2 global units left` (plural kept at 1 so
 * one pattern matches every count), plus `, N units stopped (fit nowhere else)` when some were.
 */
import { formatTimeSpan, type MachineCordon, type MachineRecord } from '@flotilla/core';
import type { DrainEvent, DrainRow, DrainSummary } from '../machines/drain-progress.js';
import { describeMachine } from '../machines/resolve.js';

export type CordonOutcome = 'cordoned' | 'already cordoned' | 'already draining' | 'uncordoned' | 'not cordoned';

export interface CordonResult {
  outcome: CordonOutcome;
  machine: MachineRecord;
  /** The cordon before the command (uncordon says when it ended a drain). */
  before: MachineCordon | undefined;
}

export function renderCordonResult(r: CordonResult): string {
  const drainEnded = r.outcome === 'uncordoned' && r.before?.drain !== undefined ? ', drain stopped' : '';
  return `${r.outcome}: ${describeMachine(r.machine)}${drainEnded}\n`;
}

/** `draining: <id> (<host>), deadline in 5m` (or `, no deadline`); `now` is the caller's clock. */
export function renderDrainStart(machine: MachineRecord, cordon: MachineCordon, now: number, resumed: boolean): string {
  const drain = cordon.drain;
  const deadline = drain?.deadlineAt === undefined
    ? 'no deadline'
    : drain.deadlineAt > now ? `deadline in ${formatTimeSpan(drain.deadlineAt - now)}` : 'deadline passed';
  const started = resumed && drain ? `, started ${formatTimeSpan(now - drain.startedAt)} ago` : '';
  return `draining: ${describeMachine(machine)}, ${deadline}${started}`;
}

export function renderDrainEvent(e: DrainEvent): string {
  switch (e.kind) {
    case 'drain-moving':
      return `moving ${e.unit}: ${e.from} → ${e.to}`;
    case 'drain-arrived':
      return `${e.unit} ${e.state} on ${e.to} (${e.done}/${e.total})`;
    case 'drain-stopped':
      return `${e.unit} stopped on ${e.from}: fits nowhere else (${e.done}/${e.total})`;
    case 'drain-gone':
      return `${e.unit} stopped or destroyed meanwhile (${e.done}/${e.total})`;
  }
}

/** The live line on a terminal while following. */
export function renderDrainStatus(machine: string, s: DrainSummary): string {
  const done = s.moved + s.stopped + s.gone;
  return `draining ${machine}: ${done}/${s.total} done, ${s.moving} moving, ${s.stopping} stopping, ${s.waiting} waiting`;
}

export function renderDrainEnd(s: DrainSummary): string {
  const stopped = s.stopped > 0 ? `, ${s.stopped} units stopped (fit nowhere else)` : '';
  return `drained: ${s.moved} units moved, ${s.globalLeft} global units left${stopped}\n`;
}

/** What a timed-out drain still waits for: `2 units still on it (a.service, b.service), 1 moving (c.service → m1)`. */
export function renderDrainPending(rows: readonly DrainRow[], labels: ReadonlyMap<string, string>): string {
  const named = (phase: DrainRow['phase']) =>
    rows.filter((r) => r.phase === phase).map((r) => (r.to === undefined ? r.unit : `${r.unit} → ${labels.get(r.to) ?? r.to.slice(0, 8)}`));
  const parts: string[] = [];
  for (const [phase, what] of [['waiting', 'still on it'], ['stopping', 'stopping there'], ['moving', 'moving']] as const) {
    const units = named(phase);
    if (units.length > 0) parts.push(`${units.length} units ${what} (${units.join(', ')})`);
  }
  return parts.join(', ');
}

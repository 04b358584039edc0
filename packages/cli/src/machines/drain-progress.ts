/**
 * Where a drain stands, pure (`flotilla drain`, docs/machine-lifecycle.md): from the previous step and a fresh
 * view of the cluster (units, schedule, published states), one row per non-global unit that was on the machine,
 * the events since the previous step (what to print), and a summary (counts, done or not).
 *
 * The scheduler moves a unit stop-before-start (scheduler/src/stop-before-start.ts): it takes the unit off the
 * machine, waits until the machine stops it, then places it elsewhere. So a unit goes waiting → stopping →
 * moving → moved; one the scheduler's leader records as unplaceable once stopped (past the deadline) ends
 * `stopped`. A unit destroyed or set inactive meanwhile ends `gone`. The drain is done when no unit is waiting,
 * stopping or moving.
 */
import type { DesiredState, UnitStateRecord } from '@flotilla/core';

export interface DrainUnit {
  name: string;
  desiredState: DesiredState;
  global: boolean;
}

/** One read of the cluster, as the drain sees it. */
export interface DrainView {
  units: ReadonlyMap<string, DrainUnit>;
  /** unit → machine id (`schedule/`). */
  schedule: ReadonlyMap<string, string>;
  /** unit → machine id → its published state. */
  states: ReadonlyMap<string, ReadonlyMap<string, UnitStateRecord>>;
  /** Global units assigned to the draining machine (the etcd driver sees these; the API driver does not). */
  globalAssigned: ReadonlySet<string>;
  /** Units the scheduler's leader last recorded as unplaceable; looked up for unplaced ones only (unplacedUnits). */
  unplaceable: ReadonlySet<string>;
  /** machine id → how lines name it (hostname, else the short ID). */
  labels: ReadonlyMap<string, string>;
}

export type DrainPhase = 'waiting' | 'stopping' | 'moving' | 'moved' | 'stopped' | 'gone';

export interface DrainRow {
  unit: string;
  phase: DrainPhase;
  /** The machine it is scheduled on now, when not the draining one. */
  to?: string;
}

export type DrainEvent =
  | { kind: 'drain-moving'; unit: string; from: string; to: string }
  | { kind: 'drain-arrived'; unit: string; to: string; state: 'active' | 'loaded'; done: number; total: number }
  | { kind: 'drain-stopped'; unit: string; from: string; done: number; total: number }
  | { kind: 'drain-gone'; unit: string; done: number; total: number };

export interface DrainSummary {
  total: number;
  waiting: number;
  stopping: number;
  moving: number;
  moved: number;
  stopped: number;
  gone: number;
  /** Global units still on the machine: they stay until it leaves. */
  globalLeft: number;
  done: boolean;
}

export interface DrainStep {
  /** Every non-global unit seen scheduled on the machine since the drain was followed. */
  tracked: ReadonlySet<string>;
  rows: DrainRow[];
  events: DrainEvent[];
  summary: DrainSummary;
}

/** systemd states that no longer count as running (the scheduler's rule, stop-before-start.ts). */
const STOPPED_STATES = new Set(['inactive', 'failed']);
const FINISHED: ReadonlySet<DrainPhase> = new Set(['moved', 'stopped', 'gone']);
/** Placed on another machine with the old copy stopped: `moving … → …` has been said. */
const ON_THE_WAY: ReadonlySet<DrainPhase> = new Set(['moving', 'moved']);

function runningOn(view: DrainView, unit: string, machineId: string): boolean {
  const state = view.states.get(unit)?.get(machineId);
  return state !== undefined && !STOPPED_STATES.has(state.activeState);
}

/** Arrived: launched units active on their new machine, loaded units loaded there. */
function arrived(view: DrainView, unit: DrainUnit, machineId: string): boolean {
  const state = view.states.get(unit.name)?.get(machineId);
  if (!state) return false;
  return unit.desiredState === 'loaded' ? state.loadState === 'loaded' : state.activeState === 'active';
}

export function drainRow(machineId: string, view: DrainView, name: string): DrainRow {
  const unit = view.units.get(name);
  const target = view.schedule.get(name);
  if (target === machineId) return { unit: name, phase: 'waiting' };
  const to = target === undefined ? {} : { to: target };
  if (runningOn(view, name, machineId)) return { unit: name, phase: 'stopping', ...to };
  if (!unit || unit.desiredState === 'inactive') return { unit: name, phase: 'gone' };
  if (target !== undefined) return { unit: name, phase: arrived(view, unit, target) ? 'moved' : 'moving', to: target };
  return { unit: name, phase: view.unplaceable.has(name) ? 'stopped' : 'moving' };
}

/** Units stopped here and placed nowhere yet: the caller looks up which of them the leader could not place. */
export function unplacedUnits(rows: readonly DrainRow[]): string[] {
  return rows.filter((r) => r.phase === 'moving' && r.to === undefined).map((r) => r.unit);
}

/**
 * The tracked units: those of the previous step, every non-global unit now scheduled on the machine, and every
 * one still running there unscheduled (a move under way when `drain` was run again: the machine is not empty).
 */
export function trackedUnits(machineId: string, previous: ReadonlySet<string>, view: DrainView): Set<string> {
  const tracked = new Set(previous);
  const nonGlobal = (unit: string) => view.units.get(unit)?.global !== true;
  for (const [unit, target] of view.schedule) if (target === machineId && nonGlobal(unit)) tracked.add(unit);
  for (const unit of view.states.keys()) {
    if (nonGlobal(unit) && view.schedule.get(unit) !== machineId && runningOn(view, unit, machineId)) tracked.add(unit);
  }
  return tracked;
}

function label(view: DrainView, machineId: string): string {
  return view.labels.get(machineId) ?? machineId.slice(0, 8);
}

function eventsBetween(machineId: string, before: ReadonlyMap<string, DrainRow>, rows: readonly DrainRow[], view: DrainView): DrainEvent[] {
  const total = rows.length;
  // Counted up as units finish, so each line shows the count after it; a unit that fell back (failed on its
  // new machine, say) no longer counts.
  let done = rows.filter((r) => FINISHED.has(r.phase) && FINISHED.has(before.get(r.unit)?.phase ?? 'waiting')).length;
  const events: DrainEvent[] = [];
  const from = label(view, machineId);
  for (const row of rows) {
    const old = before.get(row.unit);
    if (row.to !== undefined && ON_THE_WAY.has(row.phase) && !(old && ON_THE_WAY.has(old.phase) && old.to === row.to)) {
      events.push({ kind: 'drain-moving', unit: row.unit, from, to: label(view, row.to) });
    }
    if (old?.phase === row.phase || !FINISHED.has(row.phase)) continue;
    if (!FINISHED.has(old?.phase ?? 'waiting')) done += 1;
    if (row.phase === 'moved') {
      const state = view.units.get(row.unit)?.desiredState === 'loaded' ? 'loaded' : 'active';
      events.push({ kind: 'drain-arrived', unit: row.unit, to: label(view, row.to as string), state, done, total });
    } else if (row.phase === 'stopped') events.push({ kind: 'drain-stopped', unit: row.unit, from, done, total });
    else events.push({ kind: 'drain-gone', unit: row.unit, done, total });
  }
  return events;
}

/** Global units on the machine: assigned there, or still reporting a state from it. */
function globalLeft(machineId: string, view: DrainView): number {
  const global = new Set(view.globalAssigned);
  for (const [name, byMachine] of view.states) if (view.units.get(name)?.global === true && byMachine.has(machineId)) global.add(name);
  return global.size;
}

export function summarize(machineId: string, rows: readonly DrainRow[], view: DrainView): DrainSummary {
  const summary: DrainSummary = { total: rows.length, waiting: 0, stopping: 0, moving: 0, moved: 0, stopped: 0, gone: 0, globalLeft: globalLeft(machineId, view), done: false };
  for (const row of rows) summary[row.phase] += 1;
  summary.done = summary.waiting + summary.stopping + summary.moving === 0;
  return summary;
}

/** One step of a drain: `previous` is undefined on the first read. */
export function advanceDrain(machineId: string, previous: DrainStep | undefined, view: DrainView): DrainStep {
  const tracked = trackedUnits(machineId, previous?.tracked ?? new Set(), view);
  const rows = [...tracked].sort().map((name) => drainRow(machineId, view, name));
  const before = new Map((previous?.rows ?? []).map((r) => [r.unit, r]));
  // The first read only sets the scene: units already moved by an earlier `drain` are not news.
  const events = previous ? eventsBetween(machineId, before, rows, view) : [];
  return { tracked, rows, events, summary: summarize(machineId, rows, view) };
}

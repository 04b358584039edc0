/**
 * Follows a drain until the scheduler has moved every non-global unit off the machine: every 500 ms one read of
 * the schedule and the published states (the same two calls through either driver: etcd, or the API's /v2
 * lists), one step of drain-progress.ts, its events emitted. For units stopped here and placed nowhere, the
 * cluster event log tells "fits nowhere else" (the leader recorded it unplaceable, as `start` reads it) from
 * "about to be placed" (stop-before-start places a unit only after its old copy stopped).
 */
import { sleep, type ClusterSnapshot, type ClusterView, type UnitStateRecord, type UnitStateView } from '@flotilla/core';
import { drainCancelled, drainTimedOut } from '../cli-errors.js';
import type { CommandContext } from '../commands/verb.js';
import { latestUnplaceable, readEventLog } from '../units/recorded-unplaceable.js';
import { renderDrainPending } from '../render/machine-lifecycle.js';
import { advanceDrain, unplacedUnits, type DrainStep, type DrainSummary, type DrainView } from './drain-progress.js';

export const DRAIN_POLL_MS = 500;

export interface FollowOptions {
  machineId: string;
  /** How the status line and errors name the machine. */
  label: string;
  /** The argument the user gave, for the hints. */
  arg: string;
  timeoutMs: number;
}

function viewOf(machineId: string, snapshot: ClusterSnapshot, states: readonly UnitStateRecord[], unplaceable: ReadonlySet<string>): DrainView {
  const byUnit = new Map<string, Map<string, UnitStateRecord>>();
  for (const s of states) {
    const forUnit = byUnit.get(s.unit) ?? new Map<string, UnitStateRecord>();
    forUnit.set(s.machineId, s);
    byUnit.set(s.unit, forUnit);
  }
  const globalAssigned = new Set<string>();
  for (const [unit, byMachine] of snapshot.globalAssignments) if (byMachine.has(machineId)) globalAssigned.add(unit);
  return {
    units: new Map(snapshot.units.map((u) => [u.name, u])),
    schedule: snapshot.schedule,
    states: byUnit,
    globalAssigned,
    unplaceable,
    labels: machineLabels(snapshot),
  };
}

/** Lines name machines by hostname, else by short ID. */
function machineLabels(snapshot: ClusterSnapshot): Map<string, string> {
  return new Map(snapshot.machines.map((m) => [m.id, m.hostname || m.id.slice(0, 8)]));
}

/** The leader's verdict on units placed nowhere: those it last recorded as unplaceable. */
async function unplaceableAmong(ctx: CommandContext, units: readonly string[]): Promise<Set<string>> {
  // The log is best effort: an unreadable one only leaves the units `moving` until the next read.
  const events = await readEventLog(ctx).catch(() => []);
  return new Set(latestUnplaceable(events, new Set(units)).keys());
}

async function step(ctx: CommandContext, registry: Pick<ClusterView, 'snapshot'> & Pick<UnitStateView, 'listStates'>, machineId: string, previous: DrainStep | undefined): Promise<{ step: DrainStep; snapshot: ClusterSnapshot }> {
  const [snapshot, states] = await Promise.all([registry.snapshot(), registry.listStates()]);
  let next = advanceDrain(machineId, previous, viewOf(machineId, snapshot, states, new Set()));
  const unplaced = unplacedUnits(next.rows);
  if (unplaced.length > 0) {
    next = advanceDrain(machineId, previous, viewOf(machineId, snapshot, states, await unplaceableAmong(ctx, unplaced)));
  }
  return { step: next, snapshot };
}

export async function followDrain(ctx: CommandContext, opts: FollowOptions): Promise<DrainSummary> {
  const registry = await ctx.registry();
  const giveUpAt = Date.now() + opts.timeoutMs;
  let current: DrainStep | undefined;
  try {
    for (;;) {
      const read = await step(ctx, registry, opts.machineId, current);
      current = read.step;
      for (const event of current.events) ctx.emit(event);
      if (current.summary.done) return current.summary;
      const machine = read.snapshot.machines.find((m) => m.id === opts.machineId);
      // Someone ran uncordon: nothing will move any more. (A machine that left is followed on: its units move.)
      if (machine && machine.cordon?.drain === undefined) throw drainCancelled(opts.label, opts.arg);
      ctx.emit({ kind: 'drain-status', machine: opts.label, summary: current.summary });
      if (Date.now() >= giveUpAt) {
        throw drainTimedOut(opts.label, opts.arg, opts.timeoutMs, renderDrainPending(current.rows, machineLabels(read.snapshot)));
      }
      // One last read at the deadline itself.
      await sleep(Math.min(DRAIN_POLL_MS, giveUpAt - Date.now()));
    }
  } finally {
    ctx.emit({ kind: 'progress-end' });
  }
}

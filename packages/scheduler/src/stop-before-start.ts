/**
 * Stop before start, pure: a unit taken off a machine that is still in the cluster (a rebalancing move, a
 * Replaces displacement, a rule that no longer holds there) may still be running on it. Such a move is split:
 * this plan only unassigns, and the unit is placed again once the old machine no longer reports it active
 * (loop/pending-moves.ts), so one unit never runs on two machines. A unit whose machine went away is placed
 * again at once (machine loss), as is one that was never scheduled.
 */
import { wantsStopOnLeaseLoss, type ClusterSnapshot, type UnitStateRecord } from '@flotilla/core';
import { needsPlacement } from './reasons.js';
import type { SchedulePlan } from './plan.js';

/** A unit unassigned from `from`, to be placed again once `from` has stopped it. */
export interface Move {
  unit: string;
  from: string;
}

export interface SplitPlan {
  plan: SchedulePlan;
  moves: Move[];
}

export function splitMoves(snapshot: ClusterSnapshot, plan: SchedulePlan): SplitPlan {
  const live = new Set(snapshot.machines.map((m) => m.id));
  const unassigned = plan.decisions.filter((d) => d.kind === 'unassign' && live.has(d.machineId));
  if (unassigned.length === 0) return { plan, moves: [] };
  const units = new Map(snapshot.units.map((u) => [u.name, u]));
  const wanted = (name: string) => {
    const unit = units.get(name);
    return unit !== undefined && needsPlacement(unit);
  };
  const moves = unassigned.filter((d) => wanted(d.unit)).map((d) => ({ unit: d.unit, from: d.machineId }));
  const moving = new Set(moves.map((m) => m.unit));
  const decisions = plan.decisions.filter((d) => d.kind !== 'assign' || !moving.has(d.unit));
  return { plan: { ...plan, decisions }, moves };
}

/** Where a pending move stands: `hold` keeps the unit unplaced; anything else releases it. */
export type MoveStatus = 'hold' | 'stopped' | 'machine-gone' | 'deadline';

/** Active states that still count as running (systemd's `activating`, `reloading`, `deactivating` included). */
const STOPPED_STATES = new Set(['inactive', 'failed']);

/** Units a new leader must treat as moves in flight: no schedule entry, should run, yet a live machine still
 * reports them running — the previous leader unassigned them (a move) and died before placing them again.
 * `from` is the first such machine by id. */
export function inheritedMoves(snapshot: ClusterSnapshot, states: readonly UnitStateRecord[]): Move[] {
  const live = new Set(snapshot.machines.map((m) => m.id));
  const wanted = new Set(unscheduledWanted(snapshot));
  const from = new Map<string, string>();
  for (const s of states) {
    if (!wanted.has(s.unit) || !live.has(s.machineId) || STOPPED_STATES.has(s.activeState)) continue;
    const seen = from.get(s.unit);
    if (seen === undefined || s.machineId < seen) from.set(s.unit, s.machineId);
  }
  return [...from].sort(([a], [b]) => (a < b ? -1 : 1)).map(([unit, machineId]) => ({ unit, from: machineId }));
}

/** Units that should run and have no schedule entry (what inheritedMoves must look up states for). */
export function unscheduledWanted(snapshot: ClusterSnapshot): string[] {
  return snapshot.units.filter((u) => needsPlacement(u) && !snapshot.schedule.has(u.name)).map((u) => u.name);
}

export function moveStatus(move: Move, snapshot: ClusterSnapshot, states: readonly UnitStateRecord[] | undefined, waitedMs: number, deadlineMs: number): MoveStatus {
  if (states !== undefined) {
    if (!snapshot.machines.some((m) => m.id === move.from)) return 'machine-gone';
    const state = states.find((s) => s.machineId === move.from);
    if (state === undefined || STOPPED_STATES.has(state.activeState)) return 'stopped';
  }
  return waitedMs >= deadlineMs && !neverTwice(move, snapshot) ? 'deadline' : 'hold';
}

/**
 * A StopOnLeaseLoss unit is never placed past the deadline while its old copy may run (unknown state included):
 * it waits for the stop, or for the old machine to leave the cluster, whose agent stopped it before its lease
 * could expire (docs/agent.md, "Never run twice").
 */
function neverTwice(move: Move, snapshot: Pick<ClusterSnapshot, 'units'>): boolean {
  const unit = snapshot.units.find((u) => u.name === move.unit);
  return unit !== undefined && wantsStopOnLeaseLoss(unit.options);
}

/**
 * One scheduling plan from one registry snapshot (fleet's engine reconcile, fleet-reference §6.2), pure:
 * pass 1 unassigns what must not stay where it is, pass 2 places every unit that should run and is not
 * scheduled. The in-memory state follows each decision, so a unit unassigned in pass 1 is placed again in
 * pass 2, and three units on three empty machines spread one per machine.
 */
import { unitNameInfo, type ClusterSnapshot, type MachineRecord, type UnitRecord } from '@flotilla/core';
import { describeExclusions } from './placement/explain.js';
import { checksFor, defaultPlacementConfig, firstFailure, place } from './placement/place.js';
import { addUnitOn, placementStateFrom, removeUnitFrom, type MutablePlacementState } from './placement/state.js';
import type { PlacementConfig } from './placement/types.js';

export interface Decision {
  kind: 'assign' | 'unassign';
  unit: string;
  machineId: string;
  reason: string;
}

/** A unit that should run but fits no machine; `reasons` as describeExclusions prints them. */
export interface Unplaceable {
  unit: string;
  reasons: string[];
}

export interface SchedulePlan {
  decisions: Decision[];
  unplaceable: Unplaceable[];
}

export const REASON_UNIT_GONE = 'unit no longer exists';
export const REASON_INACTIVE = 'desired state is inactive';
export const REASON_GLOBAL = 'global units are not scheduled';
export const REASON_UNSCHEDULED = 'unit is not scheduled';

export function reasonMachineGone(machineId: string): string {
  return `machine ${machineId} went away`;
}

export function reasonNoLongerFits(filterReason: string): string {
  return `machine can no longer run it: ${filterReason}`;
}

interface Working {
  snapshot: ClusterSnapshot;
  config: PlacementConfig;
  units: Map<string, UnitRecord>;
  machines: Map<string, MachineRecord>;
  /** unit → machine, as the decisions so far leave it. */
  schedule: Map<string, string>;
  state: MutablePlacementState;
  plan: SchedulePlan;
}

export function planSchedule(snapshot: ClusterSnapshot, config: PlacementConfig = defaultPlacementConfig()): SchedulePlan {
  const work: Working = {
    snapshot,
    config,
    units: new Map(snapshot.units.map((u) => [u.name, u])),
    machines: new Map(snapshot.machines.map((m) => [m.id, m])),
    schedule: new Map(snapshot.schedule),
    state: placementStateFrom(snapshot),
    plan: { decisions: [], unplaceable: [] },
  };
  unassignPass(work);
  placePass(work);
  return work.plan;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Pass 1: every scheduled unit, in name order. */
function unassignPass(work: Working): void {
  for (const unitName of [...work.schedule.keys()].sort(byName)) {
    const machineId = work.schedule.get(unitName) as string;
    const reason = unassignReason(work, unitName, machineId);
    if (reason === undefined) continue;
    work.plan.decisions.push({ kind: 'unassign', unit: unitName, machineId, reason });
    work.schedule.delete(unitName);
    removeUnitFrom(work.state, machineId, unitName);
  }
}

function unassignReason(work: Working, unitName: string, machineId: string): string | undefined {
  const unit = work.units.get(unitName);
  if (!unit) return REASON_UNIT_GONE;
  if (unit.global) return REASON_GLOBAL;
  if (unit.desiredState === 'inactive') return REASON_INACTIVE;
  const machine = work.machines.get(machineId);
  if (!machine) return reasonMachineGone(machineId);
  const failure = firstFailure(checksFor(unit, work.config), machine, work.state);
  return failure === undefined ? undefined : reasonNoLongerFits(failure);
}

/** Pass 2: every unit that should run somewhere and is not scheduled, in name order. */
function placePass(work: Working): void {
  const machines = work.snapshot.machines;
  const wanted = work.snapshot.units.filter((u) => needsPlacement(u, work.schedule)).sort((a, b) => byName(a.name, b.name));
  for (const unit of wanted) {
    const result = place(unit, machines, work.state, work.config);
    if (!result.placed) {
      work.plan.unplaceable.push({ unit: unit.name, reasons: describeExclusions(result) });
      continue;
    }
    work.plan.decisions.push({ kind: 'assign', unit: unit.name, machineId: result.machineId, reason: REASON_UNSCHEDULED });
    work.schedule.set(unit.name, result.machineId);
    addUnitOn(work.state, result.machineId, unit);
  }
}

function needsPlacement(unit: UnitRecord, schedule: ReadonlyMap<string, string>): boolean {
  return !unit.global && unit.desiredState !== 'inactive' && !unitNameInfo(unit.name).isTemplate && !schedule.has(unit.name);
}

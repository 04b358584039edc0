/**
 * Placement state built from a registry snapshot, and updated in memory after every decision so that later
 * decisions of the same plan see earlier ones (fleet's clusterState).
 */
import type { ClusterSnapshot, UnitRecord } from '@flotilla/core';
import { addResources, requestsOf, type Resources } from './resources.js';
import { requirementsOf } from './requirements.js';
import type { PlacementState } from './types.js';

export interface MutablePlacementState extends PlacementState {
  readonly unitsOn: Map<string, UnitRecord[]>;
  readonly used: Map<string, Resources>;
  readonly declaringConflictsOn: Map<string, UnitRecord[]>;
  /** The arrays this state made itself, which it may change in place; absent: every array is replaced on change. */
  readonly ownArrays?: WeakSet<UnitRecord[]>;
}

/** An empty state; `ownArrays` to change its own arrays in place (nobody else may hold them across a change). */
export function emptyPlacementState(opts: { ownArrays?: boolean } = {}): MutablePlacementState {
  return { unitsOn: new Map(), used: new Map(), declaringConflictsOn: new Map(), ...(opts.ownArrays ? { ownArrays: new WeakSet() } : {}) };
}

/** A copy a plan may change: the maps are copied (O(machines)), their arrays shared until the plan first changes
 * one (it is replaced then, and the replacement is the plan's own). */
export function copyPlacementState(state: PlacementState): MutablePlacementState {
  return {
    unitsOn: new Map(state.unitsOn as ReadonlyMap<string, UnitRecord[]>),
    used: new Map(state.used),
    declaringConflictsOn: new Map(state.declaringConflictsOn as ReadonlyMap<string, UnitRecord[]>),
    ownArrays: new WeakSet(),
  };
}

/** An array the state does not own is replaced, never changed in place: a plan's copy of the maps shares them with
 * the leader's live state (loop/live-placement.ts, which changes them only while no plan runs). One it owns grows in
 * place: a plan placing 100 units on a machine copied its list 100 times (~400 MB of garbage at 1,000,000 units). */
export function addUnitOn(state: MutablePlacementState, machineId: string, unit: UnitRecord): void {
  addTo(state, state.unitsOn, machineId, unit);
  if (requirementsOf(unit).conflicts.length > 0) addTo(state, state.declaringConflictsOn, machineId, unit);
  const requests = requestsOf(unit);
  if (requests.cpuMillis !== 0 || requests.memoryBytes !== 0) {
    state.used.set(machineId, addResources(state.used.get(machineId) ?? { cpuMillis: 0, memoryBytes: 0 }, requests));
  }
}

export function removeUnitFrom(state: MutablePlacementState, machineId: string, unitName: string): void {
  const unit = removeFrom(state, state.unitsOn, machineId, unitName);
  if (!unit) return;
  removeFrom(state, state.declaringConflictsOn, machineId, unitName);
  const used = state.used.get(machineId);
  if (!used) return;
  const left = addResources(used, requestsOf(unit), -1);
  if (left.cpuMillis === 0 && left.memoryBytes === 0) state.used.delete(machineId);
  else state.used.set(machineId, left);
}

function addTo(state: MutablePlacementState, index: Map<string, UnitRecord[]>, machineId: string, unit: UnitRecord): void {
  const units = index.get(machineId);
  if (units && state.ownArrays?.has(units)) {
    units.push(unit);
    return;
  }
  const grown = units ? [...units, unit] : [unit];
  state.ownArrays?.add(grown);
  index.set(machineId, grown);
}

/** Takes the unit named `unitName` out of the machine's list; returns it, or undefined when it was not there. */
function removeFrom(state: MutablePlacementState, index: Map<string, UnitRecord[]>, machineId: string, unitName: string): UnitRecord | undefined {
  const units = index.get(machineId);
  const unit = units?.find((u) => u.name === unitName);
  if (!units || !unit) return undefined;
  // Like addTo: a list the state owns shrinks in place, one it shares is replaced.
  let rest = units;
  if (state.ownArrays?.has(units)) units.splice(units.indexOf(unit), 1);
  else {
    rest = units.filter((u) => u !== unit);
    state.ownArrays?.add(rest);
  }
  if (rest.length === 0) index.delete(machineId);
  else index.set(machineId, rest);
  return unit;
}

/**
 * Scheduled non-global units that are not inactive count on their machine, and global units on the machines
 * they are assigned to. Entries for units or machines that no longer exist are left out: the plan removes
 * them.
 */
export function placementStateFrom(snapshot: ClusterSnapshot): MutablePlacementState {
  const state = emptyPlacementState({ ownArrays: true });
  const units = new Map(snapshot.units.map((u) => [u.name, u]));
  const machineIds = new Set(snapshot.machines.map((m) => m.id));
  const counts = (unit: UnitRecord | undefined, machineId: string): unit is UnitRecord =>
    unit !== undefined && unit.desiredState !== 'inactive' && machineIds.has(machineId);
  for (const [unitName, machineId] of snapshot.schedule) {
    const unit = units.get(unitName);
    if (counts(unit, machineId) && !unit.global) addUnitOn(state, machineId, unit);
  }
  for (const [unitName, byMachine] of snapshot.globalAssignments) {
    const unit = units.get(unitName);
    for (const machineId of byMachine.keys()) if (counts(unit, machineId) && unit.global) addUnitOn(state, machineId, unit);
  }
  return state;
}

/**
 * Placement state built from a registry snapshot, and updated in memory after every decision so that later
 * decisions of the same plan see earlier ones (fleet's clusterState).
 */
import type { ClusterSnapshot, MachineRecord, UnitRecord } from '@flotilla/core';
import { metadataMatches } from './filters/metadata.js';
import { requirementsOf } from './requirements.js';
import type { PlacementState } from './types.js';

export interface MutablePlacementState extends PlacementState {
  readonly unitsOn: Map<string, UnitRecord[]>;
}

export function emptyPlacementState(): MutablePlacementState {
  return { unitsOn: new Map() };
}

export function addUnitOn(state: MutablePlacementState, machineId: string, unit: UnitRecord): void {
  const units = state.unitsOn.get(machineId);
  if (units) units.push(unit);
  else state.unitsOn.set(machineId, [unit]);
}

export function removeUnitFrom(state: MutablePlacementState, machineId: string, unitName: string): void {
  const units = state.unitsOn.get(machineId);
  if (!units) return;
  const rest = units.filter((u) => u.name !== unitName);
  if (rest.length === 0) state.unitsOn.delete(machineId);
  else state.unitsOn.set(machineId, rest);
}

/**
 * Scheduled non-global units that are not inactive count on their machine; global units count on every
 * machine whose metadata they match (they run there too, fleet-reference §6.3). Schedule entries for units
 * or machines that no longer exist are left out: the plan's first pass removes them.
 */
export function placementStateFrom(snapshot: ClusterSnapshot): MutablePlacementState {
  const state = emptyPlacementState();
  const units = new Map(snapshot.units.map((u) => [u.name, u]));
  const machineIds = new Set(snapshot.machines.map((m) => m.id));
  for (const [unitName, machineId] of snapshot.schedule) {
    const unit = units.get(unitName);
    if (!unit || unit.global || unit.desiredState === 'inactive' || !machineIds.has(machineId)) continue;
    addUnitOn(state, machineId, unit);
  }
  for (const unit of snapshot.units) {
    if (unit.global && unit.desiredState !== 'inactive') addGlobal(state, unit, snapshot.machines);
  }
  return state;
}

function addGlobal(state: MutablePlacementState, unit: UnitRecord, machines: readonly MachineRecord[]): void {
  const wanted = requirementsOf(unit).metadata;
  for (const machine of machines) {
    if (metadataMatches(machine, wanted)) addUnitOn(state, machine.id, unit);
  }
}

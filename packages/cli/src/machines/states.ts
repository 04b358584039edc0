/**
 * Machines with their scheduling state (docs/machine-lifecycle.md), for `list-machines` and the lifecycle
 * commands. A state needs unit counts only while a machine drains (draining vs drained), so the units are read
 * (one snapshot) only then: listing machines costs what it did before cordon existed.
 */
import {
  machineSchedulingState,
  needsUnitCounts,
  nonGlobalUnitCounts,
  type ClusterView,
  type MachineDirectory,
  type MachineRecord,
  type MachineSchedulingState,
} from '@flotilla/core';
import { compareNames } from '../units/current-state.js';

export interface MachineRow {
  machine: MachineRecord;
  state: MachineSchedulingState;
}

/** Rows sorted by machine ID; `counts` = non-global units scheduled per machine. Pure. */
export function machineRowsOf(machines: readonly MachineRecord[], counts: ReadonlyMap<string, number>): MachineRow[] {
  return [...machines]
    .sort((a, b) => compareNames(a.id, b.id))
    .map((machine) => ({ machine, state: machineSchedulingState(machine, counts.get(machine.id) ?? 0) }));
}

export async function readMachineRows(registry: MachineDirectory & Pick<ClusterView, 'snapshot'>): Promise<MachineRow[]> {
  const machines = await registry.listMachines();
  if (!needsUnitCounts(machines)) return machineRowsOf(machines, new Map());
  const snapshot = await registry.snapshot();
  return machineRowsOf(snapshot.machines, nonGlobalUnitCounts(snapshot.units, snapshot.schedule));
}

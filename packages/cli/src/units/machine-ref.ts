/** Where a unit state came from, for `Unit <n> <state> on <id>.../<ip>` lines. */
import type { ClusterRegistry, MachineRecord, UnitStateRecord } from '@flotilla/core';
import type { MachineRef } from '../render/progress.js';

export type MachineIndex = ReadonlyMap<string, MachineRecord>;

export async function machineIndex(registry: ClusterRegistry): Promise<MachineIndex> {
  return new Map((await registry.listMachines()).map((m) => [m.id, m]));
}

/** The state's machine with its IP when the machine is (still) registered; undefined without a state. */
export function machineRef(state: UnitStateRecord | undefined, machines: MachineIndex): MachineRef | undefined {
  if (!state?.machineId) return undefined;
  const ip = machines.get(state.machineId)?.ip;
  return ip ? { id: state.machineId, ip } : { id: state.machineId };
}

/** Where a unit state came from, for `Unit <n> <state> on <id>.../<ip>` lines. */
import type { MachineDirectory, MachineRecord, UnitStateRecord } from '@flotilla/core';
import type { MachineRef } from '../render/progress.js';

export type MachineIndex = ReadonlyMap<string, MachineRecord>;

export async function machineIndex(registry: MachineDirectory): Promise<MachineIndex> {
  return new Map((await registry.listMachines()).map((m) => [m.id, m]));
}

/** The state's machine with its IP; just the id when the machine registered after `machines` was read. */
export function machineRef(state: UnitStateRecord | undefined, machines: MachineIndex): MachineRef | undefined {
  if (!state?.machineId) return undefined;
  const machine = machines.get(state.machineId);
  if (!machine) return { id: state.machineId };
  return machine.ip ? { id: machine.id, ip: machine.ip } : { id: machine.id };
}

/** `MachineID=`: the unit runs only on that machine, named by its full id or its 8-character short id. */
import type { MachineRecord } from '@flotilla/core';
import { requirementsOf } from '../requirements.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';

export const MACHINE_ID_FILTER = 'machine-id';
export const REASON_MACHINE_ID = 'unit is pinned to another machine (MachineID)';

const SHORT_ID_LENGTH = 8;

export function shortMachineId(id: string): string {
  return id.slice(0, SHORT_ID_LENGTH);
}

export function machineIdMatches(machine: MachineRecord, wanted: string): boolean {
  return machine.id === wanted || shortMachineId(machine.id) === wanted;
}

export const machineIdFilter: FilterRule = {
  name: MACHINE_ID_FILTER,
  prepare(unit) {
    const wanted = requirementsOf(unit).machineId;
    if (wanted === undefined) return undefined;
    return (machine) => (machineIdMatches(machine, wanted) ? FITS : doesNotFit(REASON_MACHINE_ID));
  },
};

/**
 * `MachineID=`: the unit runs only on that machine, named by its full id or by fleet's 8-character short id
 * (`MachineState.ShortID`; fleet's code accepts the short form, its docs name only the full one).
 */
import type { MachineRecord } from '@flotilla/core';
import { requirementsOf } from '../requirements.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';
import { ofMachines } from '../wording.js';

export const MACHINE_ID_FILTER = 'machine-id';
export const REASON_MACHINE_ID = 'unit is pinned to another machine (MachineID)';

export const SHORT_MACHINE_ID_LENGTH = 8;

export function shortMachineId(id: string): string {
  return id.slice(0, SHORT_MACHINE_ID_LENGTH);
}

/** Only an exact id or exactly the 8-character prefix matches: `2c5d84d` (7 characters) matches nothing. */
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
  narrow(unit, cluster) {
    const wanted = requirementsOf(unit).machineId;
    if (wanted === undefined) return undefined;
    const exact = cluster.machines.get(wanted);
    return exact ? [exact] : [...cluster.machines.values()].filter((m) => machineIdMatches(m, wanted));
  },
  label: (unit) => `MachineID ${requirementsOf(unit).machineId ?? ''}`,
  outcome: (excluded, total) => `${ofMachines(excluded, total)} not named`,
};

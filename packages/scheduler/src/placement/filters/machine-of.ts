/**
 * `MachineOf=unit`: every peer must already be on the machine (scheduled there, or a global unit running
 * there; fleet's `AgentState.AbleToRun`). The planner places peers before the units that follow them, so chains
 * (a follows b follows c) resolve in one plan. A peer that names no unit at all makes the rule broken for the
 * unit, not merely unfitting: no machine can change that, only submitting the peer can.
 */
import { requirementsOf } from '../requirements.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';
import { ofMachines } from '../wording.js';

export const MACHINE_OF_FILTER = 'machine-of';
export const REASON_MACHINE_OF = 'a unit it must run next to is not on the machine (MachineOf)';

export const machineOfFilter: FilterRule = {
  name: MACHINE_OF_FILTER,
  prepare(unit) {
    const peers = requirementsOf(unit).machineOf;
    if (peers.length === 0) return undefined;
    return (machine, state) => {
      const present = state.unitsOn.get(machine.id) ?? [];
      return peers.every((peer) => present.some((u) => u.name === peer)) ? FITS : doesNotFit(REASON_MACHINE_OF);
    };
  },
  // The machine of the first peer, once the schedule has it; a global peer has no schedule entry, so its
  // followers walk the queue like any unit.
  narrow(unit, cluster) {
    const first = requirementsOf(unit).machineOf[0];
    const machineId = first === undefined ? undefined : cluster.schedule.get(first);
    const machine = machineId === undefined ? undefined : cluster.machines.get(machineId);
    return machine ? [machine] : undefined;
  },
  broken(unit, cluster) {
    const missing = requirementsOf(unit).machineOf.filter((peer) => !cluster.units.has(peer));
    return missing.length > 0 ? `names no unit: ${missing.join(' ')}` : undefined;
  },
  label: (unit) => `MachineOf ${requirementsOf(unit).machineOf.join(' ')}`,
  outcome: (excluded, total) => `${ofMachines(excluded, total)} without its peers`,
};

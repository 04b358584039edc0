/**
 * `MachineOf=unit`: every peer must already be on the machine (scheduled there, or a global unit running
 * there; fleet's `AgentState.AbleToRun`). The planner places peers before the units that follow them, so chains
 * (a follows b follows c) resolve in one plan.
 */
import { requirementsOf } from '../requirements.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';

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
};

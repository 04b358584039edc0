/** The default score (fleet's least-loaded, plus resources): fewest units first, then least capacity in use. */
import { usedShare } from '../resources.js';
import type { MachineRecord } from '@flotilla/core';
import type { PlacementState, ScoreRule } from '../types.js';

export const SPREAD_SCORE = 'spread';

export function unitCount(machine: MachineRecord, state: PlacementState): number {
  return state.unitsOn.get(machine.id)?.length ?? 0;
}

export function shareUsed(machine: MachineRecord, state: PlacementState): number {
  const used = state.used.get(machine.id);
  return used ? usedShare(used, machine.capacity) : 0;
}

export const spreadScore: ScoreRule = {
  name: SPREAD_SCORE,
  keys: (machine, state) => [unitCount(machine, state), shareUsed(machine, state)],
};

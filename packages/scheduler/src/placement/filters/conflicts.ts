/**
 * `Conflicts=glob`: a unit may not share a machine with a unit its globs match, nor with a unit whose globs
 * match it; one side declaring it is enough, and a unit never conflicts with itself (fleet's `AgentState.HasConflict`).
 */
import { matchUnitGlob, type UnitRecord } from '@flotilla/core';
import { requirementsOf } from '../requirements.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';

export const CONFLICTS_FILTER = 'conflicts';
export const REASON_CONFLICTS = 'conflicts with a unit already on the machine (Conflicts)';

export function unitsConflict(unit: UnitRecord, other: UnitRecord): boolean {
  if (other.name === unit.name) return false;
  if (requirementsOf(unit).conflicts.some((glob) => matchUnitGlob(glob, other.name))) return true;
  return requirementsOf(other).conflicts.some((glob) => matchUnitGlob(glob, unit.name));
}

export const conflictsFilter: FilterRule = {
  name: CONFLICTS_FILTER,
  // Never skipped: a unit without Conflicts can still be named by another unit's globs.
  prepare(unit) {
    return (machine, state) => {
      const present = state.unitsOn.get(machine.id) ?? [];
      return present.some((other) => unitsConflict(unit, other)) ? doesNotFit(REASON_CONFLICTS) : FITS;
    };
  },
};

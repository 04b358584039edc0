/**
 * `Conflicts=glob`: a unit may not share a machine with a unit its globs match, nor with a unit whose globs
 * match it; one side declaring it is enough, and a unit never conflicts with itself (fleet-reference §3.5).
 */
import type { UnitRecord } from '@flotilla/core';
import { globMatches } from '../glob.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';
import { CONFLICTS_KEYS, xFleetValues } from '../x-fleet.js';

export const CONFLICTS_FILTER = 'conflicts';
export const REASON_CONFLICTS = 'conflicts with a unit already on the machine (Conflicts)';

export function conflictGlobs(unit: UnitRecord): string[] {
  return xFleetValues(unit, CONFLICTS_KEYS);
}

export function unitsConflict(unit: UnitRecord, unitGlobs: readonly string[], other: UnitRecord): boolean {
  if (other.name === unit.name) return false;
  if (unitGlobs.some((g) => globMatches(g, other.name))) return true;
  return conflictGlobs(other).some((g) => globMatches(g, unit.name));
}

export const conflictsFilter: FilterRule = {
  name: CONFLICTS_FILTER,
  // Never skipped: a unit without Conflicts can still be named by another unit's globs.
  prepare(unit) {
    const globs = conflictGlobs(unit);
    return (machine, state) => {
      const present = state.unitsOn.get(machine.id) ?? [];
      return present.some((other) => unitsConflict(unit, globs, other)) ? doesNotFit(REASON_CONFLICTS) : FITS;
    };
  },
};

/**
 * `Conflicts=glob`: a unit may not share a machine with a unit its globs match, nor with a unit whose globs
 * match it; one side declaring it is enough, a unit never conflicts with itself, and a malformed glob matches
 * nothing (fleet's `AgentState.HasConflict`).
 */
import { matchUnitGlob, type UnitRecord } from '@flotilla/core';
import { requirementsOf } from '../requirements.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';
import { ofMachines } from '../wording.js';

export const CONFLICTS_FILTER = 'conflicts';
export const REASON_CONFLICTS = 'conflicts with a unit already on the machine (Conflicts)';

/** A unit's name and its Conflicts globs (FleetRequirements.conflicts). */
export interface UnitGlobs {
  readonly name: string;
  readonly conflicts: readonly string[];
}

/** The rule itself, over names and globs (test/chaos/settled.ts judges running units with it too). */
export function globsConflict(a: UnitGlobs, b: UnitGlobs): boolean {
  if (a.name === b.name) return false;
  return a.conflicts.some((glob) => matchUnitGlob(glob, b.name)) || b.conflicts.some((glob) => matchUnitGlob(glob, a.name));
}

export function unitsConflict(unit: UnitRecord, other: UnitRecord): boolean {
  return globsConflict({ name: unit.name, conflicts: requirementsOf(unit).conflicts }, { name: other.name, conflicts: requirementsOf(other).conflicts });
}

export const conflictsFilter: FilterRule = {
  name: CONFLICTS_FILTER,
  judgesGlobalUnits: true,
  // Never skipped: a unit without Conflicts can still be named by another unit's globs.
  // The two directions of globsConflict apart: its own globs against the names there (no lookups), and only the
  // units there that declare globs (state's declaringConflictsOn) against its name, so a machine of 100 plain
  // units costs no requirement lookups, and no pair is matched twice.
  prepare(unit) {
    const own = requirementsOf(unit).conflicts;
    const isOther = (other: UnitRecord) => other.name !== unit.name;
    return (machine, state) => {
      const named = own.length > 0 && (state.unitsOn.get(machine.id) ?? []).some((other) => isOther(other) && own.some((glob) => matchUnitGlob(glob, other.name)));
      const naming = !named && (state.declaringConflictsOn.get(machine.id) ?? []).some((other) => isOther(other) && requirementsOf(other).conflicts.some((glob) => matchUnitGlob(glob, unit.name)));
      return named || naming ? doesNotFit(REASON_CONFLICTS) : FITS;
    };
  },
  label: (unit) => {
    const globs = requirementsOf(unit).conflicts;
    return globs.length > 0 ? `Conflicts ${globs.join(' ')}` : 'Conflicts (declared by units there)';
  },
  outcome: (excluded, total) => `${ofMachines(excluded, total)} taken`,
};

/**
 * fleet's placement predicates over parsed [X-Fleet] requirements (`AgentState.AbleToRun` and `HasConflict` in its
 * `agent/state.go`, `HasMetadata` in `machine/machine.go`). They live in core because both the scheduler (normal
 * units) and the agent (global units, filtered on the machine) need them.
 */
import type { FleetRequirements } from './fleet-requirements.js';
import { matchUnitGlob } from './glob.js';
import { ownValue } from '../user-keys.js';

/** Length of fleet's short machine id (`MachineState.ShortID`). */
export const SHORT_MACHINE_ID_LENGTH = 8;

/** `MachineID=` matches the full id or its 8-character short form (fleet's code; its docs say full only). */
export function machineIdMatches(required: string, machineId: string): boolean {
  return required === machineId || (required.length === SHORT_MACHINE_ID_LENGTH && machineId.slice(0, SHORT_MACHINE_ID_LENGTH) === required);
}

/** `MachineMetadata`: OR within a key, AND across keys; a machine lacking a required key fails (an inherited
 * `constructor` is no key of the machine's: user-keys.ts). */
export function machineMetadataSatisfies(metadata: Readonly<Record<string, string>>, wanted: Readonly<Record<string, readonly string[]>>): boolean {
  return Object.entries(wanted).every(([key, accepted]) => {
    const have = ownValue(metadata, key);
    return have !== undefined && accepted.includes(have);
  });
}

export interface UnitGlobs {
  name: string;
  /** The unit's Conflicts globs (FleetRequirements.conflicts). */
  conflicts: readonly string[];
}

/** `Conflicts`: one side's glob matching the other's name is enough; a unit never conflicts with itself;
 * a malformed glob matches nothing. */
export function unitsConflictByGlobs(a: UnitGlobs, b: UnitGlobs): boolean {
  if (a.name === b.name) return false;
  return a.conflicts.some((glob) => matchUnitGlob(glob, b.name)) || b.conflicts.some((glob) => matchUnitGlob(glob, a.name));
}

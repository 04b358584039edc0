/**
 * Whether an assignment says what its unit record says: the record's desired state, and the record's hash or
 * one the record pins (a global unit's machine whose version the deploy driver has not moved yet:
 * docs/deployments.md, "Global units"). One that does not lags: the leader rewrites it (docs/registry.md, "One
 * write per placement"), keeping a pinned hash, as the registry's own mirror of a desired-state change does.
 */
import type { Assignment, UnitRecord } from '../model.js';

export function assignmentInStep(assignment: Assignment, unit: UnitRecord): boolean {
  return assignment.desiredState === unit.desiredState && (assignment.hash === unit.hash || unit.pinned?.[assignment.hash] !== undefined);
}

/** The scheduled unit's assignment rewritten to say what `unit` says, on the same machine, as a placement (placed);
 * a hash the record pins stays. */
export function assignmentInLine(stored: Assignment, unit: UnitRecord): Assignment {
  const hash = unit.pinned?.[stored.hash] !== undefined ? stored.hash : unit.hash;
  return { unit: unit.name, machineId: stored.machineId, hash, desiredState: unit.desiredState, placed: true };
}

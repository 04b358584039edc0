/**
 * What "no reader ever sees half a unit" means, checked over a raw dump of the keyspace: every key parses and
 * decodes, every assignment belongs to a live (non-inactive) unit with the same hash and desired state and —
 * for non-global units — to the schedule entry that names its machine (its `schedule/` key, or in layout 2 its
 * placed assignment), and every schedule entry has its unit and its assignment. Pure: takes key/value pairs, returns the violations (empty when all hold).
 */
import type { Assignment, UnitRecord } from '../model.js';
import { decodeValue } from '../registry/codec.js';
import { type Keyspace, isKeyProblem } from '../registry/keyspace.js';
import { keyMismatch } from '../registry/record-check.js';
import { isAssignment, isMachineId, isUnitRecord } from '../registry/record-guards.js';

export interface RawPair {
  key: string;
  value: Buffer;
}

export function registryViolations(keys: Keyspace, pairs: RawPair[]): string[] {
  const violations: string[] = [];
  const units = new Map<string, UnitRecord>();
  const schedule = new Map<string, string>();
  const assignments: Assignment[] = [];
  for (const { key, value } of pairs) {
    const parsed = keys.parse(key);
    if (isKeyProblem(parsed)) {
      violations.push(`${key}: ${parsed.reason}`);
      continue;
    }
    try {
      if (parsed.kind === 'unit') units.set(parsed.unit, decodeValue(key, value, isUnitRecord));
      if (parsed.kind === 'schedule') schedule.set(parsed.unit, decodeValue(key, value, isMachineId));
      if (parsed.kind === 'assignment') assignments.push(decodeValue(key, value, isAssignment));
    } catch (err) {
      violations.push(`${key}: ${(err as Error).message}`);
      continue;
    }
    const record = parsed.kind === 'unit' ? units.get(parsed.unit) : parsed.kind === 'assignment' ? assignments[assignments.length - 1] : undefined;
    const mismatch = record ? keyMismatch(parsed, record) : undefined;
    if (mismatch) violations.push(`${key}: ${mismatch}`);
  }
  // Without a `schedule/` key, a unit's placed assignment is its schedule entry (registry layout 2; the first in key
  // order, as snapshot() reads it).
  for (const a of assignments) if (a.placed === true && !schedule.has(a.unit)) schedule.set(a.unit, a.machineId);
  for (const a of assignments) violations.push(...assignmentViolations(a, units.get(a.unit), schedule.get(a.unit)));
  for (const [unit, machineId] of schedule) {
    if (!units.has(unit)) violations.push(`schedule/${unit} without its unit`);
    if (!assignments.some((a) => a.unit === unit && a.machineId === machineId)) violations.push(`schedule/${unit} → ${machineId} without its assignment`);
  }
  return violations;
}

function assignmentViolations(a: Assignment, unit: UnitRecord | undefined, scheduledOn: string | undefined): string[] {
  const where = `assignments/${a.machineId}/${a.unit}`;
  if (!unit) return [`${where} without its unit`];
  const problems: string[] = [];
  if (unit.desiredState === 'inactive') problems.push(`${where} of an inactive unit`);
  if (a.hash !== unit.hash) problems.push(`${where} has hash ${a.hash.slice(0, 7)}, unit has ${unit.hash.slice(0, 7)}`);
  if (a.desiredState !== unit.desiredState) problems.push(`${where} wants ${a.desiredState}, unit wants ${unit.desiredState}`);
  if (!unit.global && scheduledOn !== a.machineId) problems.push(`${where} but schedule says ${scheduledOn ?? 'nothing'}`);
  return problems;
}

/**
 * Reading `[X-Fleet]` requirements the way fleet does (fleet-reference §3.3): a value that starts and ends
 * with `"` holds several values split at spaces outside quotes, and `%n %N %p %i` are replaced from the unit
 * name. Deprecated `X-Condition…` spellings are aliases.
 *
 * These predicates belong in core (the agent needs them for global units); they live here until core has them.
 */
import type { UnitRecord } from '@flotilla/core';
import { unitNameInfo } from '../unit-name.js';

export const X_FLEET_SECTION = 'X-Fleet';

/** Option names per requirement, the current name first. */
export const MACHINE_ID_KEYS = ['MachineID', 'X-ConditionMachineID', 'X-ConditionMachineBootID'] as const;
export const METADATA_KEYS = ['MachineMetadata', 'X-ConditionMachineMetadata'] as const;
export const CONFLICTS_KEYS = ['Conflicts', 'X-Conflicts'] as const;

/** Every value of the given `[X-Fleet]` keys, in file order, split and with specifiers replaced. */
export function xFleetValues(unit: UnitRecord, keys: readonly string[]): string[] {
  const values: string[] = [];
  for (const opt of unit.options) {
    if (opt.section !== X_FLEET_SECTION || !keys.includes(opt.name)) continue;
    for (const v of splitQuoted(opt.value)) values.push(replaceSpecifiers(v, unit.name));
  }
  return values;
}

/** `"a=1" "b=2"` → [`a=1`, `b=2`]; a value not both starting and ending with `"` is kept whole. */
export function splitQuoted(value: string): string[] {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return [value];
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ' ' && !quoted) {
      if (current !== '') out.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') out.push(current);
  return out;
}

export function replaceSpecifiers(value: string, unitName: string): string {
  const info = unitNameInfo(unitName);
  const table: Record<string, string> = { n: info.full, N: info.stem, p: info.prefix, i: info.instance };
  return value.replace(/%([nNpi])/g, (_, spec: string) => table[spec] ?? '');
}

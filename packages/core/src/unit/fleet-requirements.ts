/**
 * The `[X-Fleet]` section (fleet's `job/job.go`, `unit/unit.go`): deprecated aliases folded in, quoted multi-values
 * split, `%n %N %p %i` substituted from the unit name. Pure: the scheduler and the agent (for global units) both
 * read this.
 */
import type { UnitOption } from '../model.js';
import { keyedRecord, ownValue } from '../user-keys.js';
import { goTrimSpace, isGoSpace } from './go-space.js';
import { unitNameInfo } from './name.js';

export const FLEET_SECTION = 'X-Fleet';

/** Every key fleet's ValidateRequirements accepts; anything else only earns a CLI warning. */
export const KNOWN_FLEET_KEYS: readonly string[] = [
  'MachineID', 'X-ConditionMachineID', 'X-ConditionMachineBootID',
  'MachineOf', 'X-ConditionMachineOf',
  'Conflicts', 'X-Conflicts',
  'MachineMetadata', 'X-ConditionMachineMetadata',
  'Global', 'Replaces',
];

/** Precedence order: the first key with a value wins. */
const MACHINE_ID_KEYS = ['MachineID', 'X-ConditionMachineID', 'X-ConditionMachineBootID'];
const MACHINE_OF_KEYS = ['X-ConditionMachineOf', 'MachineOf'];
const METADATA_KEYS = ['X-ConditionMachineMetadata', 'MachineMetadata'];
const CONFLICTS_KEYS = ['X-Conflicts', 'Conflicts'];
const TRUTHY = new Set(['true', 'yes', '1', 'on', 't']);

export interface FleetRequirements {
  machineId?: string;
  /** Peers: units that must already run on the chosen machine. */
  machineOf: string[];
  /** key → accepted values (OR within a key, AND across keys); a null-prototype record (user-keys.ts). */
  metadata: Record<string, string[]>;
  /** Globs of unit names that may not share a machine with this unit. */
  conflicts: string[];
  global: boolean;
  /** Globs of unit names this unit displaces. */
  replaces: string[];
}

export function parseFleetRequirements(unitName: string, options: readonly UnitOption[]): FleetRequirements {
  const values = fleetValues(unitName, options);
  const all = (keys: string[]) => keys.flatMap((key) => values.get(key) ?? []);
  const machineId = MACHINE_ID_KEYS.map((key) => values.get(key)?.[0]).find((v) => v !== undefined);
  const globalValues = values.get('Global') ?? [];
  const lastGlobal = globalValues[globalValues.length - 1];
  return {
    ...(machineId === undefined ? {} : { machineId }),
    machineOf: all(MACHINE_OF_KEYS),
    metadata: parseMetadata(all(METADATA_KEYS)),
    conflicts: all(CONFLICTS_KEYS).flatMap((value) => splitGoFields(value)),
    global: lastGlobal !== undefined && TRUTHY.has(lastGlobal.toLowerCase()),
    replaces: values.get('Replaces') ?? [],
  };
}

/** `[X-Fleet]` keys fleet does not know, deduplicated, in file order (fleetctl warns about each). */
export function unknownFleetKeys(options: readonly UnitOption[]): string[] {
  const unknown = options
    .filter((o) => o.section === FLEET_SECTION && !KNOWN_FLEET_KEYS.includes(o.name))
    .map((o) => o.name);
  return [...new Set(unknown)];
}

/** key → values after quote splitting and specifier substitution, in file order. */
function fleetValues(unitName: string, options: readonly UnitOption[]): Map<string, string[]> {
  const specifiers = specifierTable(unitName);
  const byKey = new Map<string, string[]>();
  for (const option of options) {
    if (option.section !== FLEET_SECTION) continue;
    const expanded = splitQuotedValues(option.value).map((v) => v.replace(/%[nNpi]/g, (s) => specifiers[s] ?? s));
    byKey.set(option.name, [...(byKey.get(option.name) ?? []), ...expanded]);
  }
  return byKey;
}

function specifierTable(unitName: string): Record<string, string> {
  const info = unitNameInfo(unitName);
  return { '%n': unitName, '%N': info.stem, '%p': info.prefix, '%i': info.instance };
}

/** A value that starts and ends with `"` holds several values, split at spaces outside quotes. */
export function splitQuotedValues(value: string): string[] {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return [value];
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    else if (char === ' ' && !quoted) {
      if (current !== '') parts.push(current);
      current = '';
    } else current += char;
  }
  if (current !== '') parts.push(current);
  return parts;
}

/** `key=value` pairs; anything that does not split into exactly two non-empty parts is ignored (as fleet). Any
 * key is an ordinary key (`constructor=x`, `__proto__=x`): the keys are the user's. */
function parseMetadata(values: string[]): Record<string, string[]> {
  const metadata = keyedRecord<string[]>();
  for (const value of values) {
    const parts = value.split('=');
    const [key, wanted] = parts;
    if (parts.length !== 2 || !key || !wanted) continue;
    const accepted = ownValue(metadata, key);
    if (accepted) accepted.push(wanted);
    else metadata[key] = [wanted];
  }
  return metadata;
}

/** Go's strings.Fields: split at runs of Go whitespace (fleet splits Conflicts values this way). */
function splitGoFields(value: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (const char of value) {
    if (isGoSpace(char)) {
      if (current !== '') fields.push(current);
      current = '';
    } else current += char;
  }
  if (current !== '') fields.push(current);
  return fields.map(goTrimSpace);
}

/**
 * One copy of the strings thousands of records repeat. A leader holds every unit record (and, while its watch
 * echoes a pass, every assignment), and each decoded record brings its own copies of `Service`, `ExecStart`,
 * `Description`, `launched`, …: at 100,000 units that was ~16 MiB of duplicates (docs/benchmarks.md, "Where the
 * leader's memory went"). Only the fields that repeat across records are interned; names and hashes are unique.
 * The table is bounded (cleared when full) so unusual values cannot grow it without end.
 */
import type { Assignment, DesiredState, UnitOption, UnitRecord } from '../model.js';

const MAX_ENTRIES = 4096;
/** Longer option values (command lines, descriptions) are rarely shared verbatim. */
const MAX_VALUE_LENGTH = 64;

const table = new Map<string, string>();

export function internString(text: string): string {
  const known = table.get(text);
  if (known !== undefined) return known;
  if (table.size >= MAX_ENTRIES) table.clear();
  table.set(text, text);
  return text;
}

/** One frozen copy of each short option (`ExecStart=/bin/sleep infinity` in 100,000 units is one object, not 100,000:
 * 48 bytes each; docs/benchmarks.md, "Leader memory, fourth pass"): section → name → value → option. Bounded as
 * the string table is. Frozen, as records are only read: a write would throw rather than change every unit. */
const sharedOptions = new Map<string, Map<string, Map<string, UnitOption>>>();
let sharedOptionCount = 0;

function internOptions(options: UnitOption[]): void {
  for (const [i, option] of options.entries()) {
    option.section = internString(option.section);
    option.name = internString(option.name);
    if (option.value.length > MAX_VALUE_LENGTH) continue;
    option.value = internString(option.value);
    options[i] = sharedOption(option);
  }
}

function sharedOption(option: UnitOption): UnitOption {
  let byName = sharedOptions.get(option.section);
  if (!byName) sharedOptions.set(option.section, (byName = new Map()));
  let byValue = byName.get(option.name);
  if (!byValue) byName.set(option.name, (byValue = new Map()));
  const known = byValue.get(option.value);
  if (known) return known;
  if (sharedOptionCount >= MAX_ENTRIES) {
    // Start over (the maps just made are dropped with the rest): the option is kept, unshared this once.
    sharedOptions.clear();
    sharedOptionCount = 0;
    return option;
  }
  sharedOptionCount++;
  byValue.set(option.value, Object.freeze(option));
  return option;
}

/**
 * The record with its repeated strings replaced by the shared copies (the decoded record's options in place). A
 * record of exactly the five usual fields comes back as a new object literal: the decoder adds fields one by one to
 * an empty object, which V8 gives four in-object slots, so the fifth went to a separate property array (~40 bytes
 * more per unit, 4 MiB of a leader's heap at 100,000 units: docs/benchmarks.md, "Leader memory, third pass").
 */
export function internUnitRecord(unit: UnitRecord): UnitRecord {
  internOptions(unit.options);
  const desiredState = internString(unit.desiredState) as DesiredState;
  if (unit.pinned) for (const options of Object.values(unit.pinned)) internOptions(options);
  if (fieldCount(unit) === 5 && typeof unit.global === 'boolean' && unit.pinned === undefined) {
    return { name: unit.name, options: unit.options, hash: unit.hash, desiredState, global: unit.global };
  }
  unit.desiredState = desiredState;
  return unit;
}

function fieldCount(record: object): number {
  let count = 0;
  for (const key in record) if (Object.hasOwn(record, key)) count++;
  return count;
}

export function internAssignment(assignment: Assignment): Assignment {
  assignment.desiredState = internString(assignment.desiredState) as DesiredState;
  return assignment;
}

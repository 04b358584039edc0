/**
 * Unit names: fleet's ValidateName (`api/units.go`: same checks and texts, in the same order) tightened to
 * systemd's grammar (at most one "@"), the template/instance split (`unit.NewUnitNameInfo`) and fleetctl's
 * argument mangling (`unitNameMangle`).
 * Two rules: `unitNameProblem` says whether a string names a unit at all (keys read back, stop, destroy), and
 * `newUnitNameProblem`, stricter, whether a unit of that name may be created (docs/fleetctl-compat.md, "Unit
 * names").
 */
import path from 'node:path';
import { InvalidUnitNameError } from '../errors.js';

/** fleet's limit, and systemd's (UNIT_NAME_MAX in systemd's src/basic/unit-name.h). */
export const MAX_UNIT_NAME_BYTES = 256;

/** What a file name may hold on Linux file systems (NAME_MAX). */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * The most bytes the agent adds to a unit's name to name a file of it: the unit file's temporary name
 * `.NAME.<12 hex>.tmp` (agent/src/unit-files.ts). A container's pull record (`NAME.pull.json`, its temporary
 * `.NAME.<8 hex>.tmp`) and its service file (`.container` → `.service`) need less. Tested in the agent.
 */
export const AGENT_FILE_NAME_OVERHEAD = 18;

/** The longest name a new unit may have: longer, its files would not fit (ENAMETOOLONG), so it could never run. */
export const MAX_NEW_UNIT_NAME_BYTES = MAX_FILE_NAME_BYTES - AGENT_FILE_NAME_OVERHEAD;

export const UNIT_TYPES: readonly string[] = [
  'automount', 'busname', 'device', 'mount', 'path', 'scope', 'service',
  'slice', 'snapshot', 'socket', 'swap', 'target', 'timer',
  'container', // not systemd's: a Quadlet-style container unit, run as a .service (agent/src/containers)
];
export const TEMPLATE_UNIT_TYPES: readonly string[] = ['path', 'service', 'socket', 'target', 'timer', 'container'];

/** The systemd unit types the agent writes and runs: fleet's agent managed exactly these and ignored any other
 * file (`unit.RecognizedUnitType`), so a `.target` or `.slice` unit was scheduled and never ran. */
export const AGENT_SYSTEMD_UNIT_TYPES: readonly string[] = ['service', 'socket', 'timer', 'path', 'device', 'mount', 'automount'];

/** The types a new unit may have: those, and Flotilla's `.container`, run as a `.service` (docs/containers.md). */
export const RUNNABLE_UNIT_TYPES: readonly string[] = [...AGENT_SYSTEMD_UNIT_TYPES, 'container'];

/** Suffixes fleetctl keeps as they are; anything else gets `.service` appended (fleetctl kept fleet's agent's
 * types, `unitNameMangle`; `.container` is ours). */
export const MANGLE_KEPT_SUFFIXES: readonly string[] = RUNNABLE_UNIT_TYPES.map((type) => `.${type}`);

const VALID_STEM_CHAR = /^[A-Za-z0-9:_.\\@-]$/;

/**
 * Throws InvalidUnitNameError with fleet's text for the first rule `name` breaks. Call it wherever a name
 * enters: CLI arguments, file names, API paths, registry keys read back. A valid name cannot traverse paths
 * (`/` is refused), hide in a shell (no whitespace or metacharacters), break a line or a key (no control
 * characters) or impersonate another unit (ASCII only, so no look-alikes).
 */
export function assertValidUnitName(name: string): void {
  const reason = unitNameProblem(name);
  if (reason !== undefined) throw new InvalidUnitNameError(name, reason);
}

/** @deprecated the earlier name of assertValidUnitName. */
export const validateUnitName = assertValidUnitName;

/**
 * Throws InvalidUnitNameError unless a unit of this name may be created: every entry point that creates a unit
 * (registry submit, CLI submit/load/start, API v1 PUT) calls it before writing anything.
 */
export function assertNewUnitName(name: string): void {
  const reason = newUnitNameProblem(name);
  if (reason !== undefined) throw new InvalidUnitNameError(name, reason);
}

/** unitNameProblem, plus what the agent needs to run the unit; undefined when a unit may be created. */
export function newUnitNameProblem(name: string): string | undefined {
  if (Buffer.byteLength(name, 'utf8') > MAX_NEW_UNIT_NAME_BYTES) {
    return `unit name exceeds maximum length (${MAX_NEW_UNIT_NAME_BYTES} bytes, so that the agent's file names fit in ${MAX_FILE_NAME_BYTES})`;
  }
  const problem = unitNameProblem(name);
  if (problem !== undefined) return problem;
  // The agent's unit file would be a hidden file, which it never reads as a unit (agent/src/unit-files.ts).
  if (name.startsWith('.')) return 'unit name cannot start in "."';
  const type = name.slice(name.lastIndexOf('.') + 1);
  if (!RUNNABLE_UNIT_TYPES.includes(type)) return `unit type "${type}" is not run by Flotilla: the accepted types are ${acceptedTypes()}`;
  return undefined;
}

function acceptedTypes(): string {
  const types = RUNNABLE_UNIT_TYPES.map((type) => `.${type}`);
  return `${types.slice(0, -1).join(', ')} and ${types.at(-1)}`;
}

/** fleet's rules in fleet's order; undefined when the name is valid. */
export function unitNameProblem(name: string): string | undefined {
  if (name === '') return 'unit name cannot be empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_UNIT_NAME_BYTES) {
    return `unit name exceeds maximum length (${MAX_UNIT_NAME_BYTES})`;
  }
  const dot = name.lastIndexOf('.');
  if (dot === -1) return 'unit name must contain "."';
  if (dot === name.length - 1) return 'unit name cannot end in "."';
  const suffix = name.slice(dot + 1);
  if (!UNIT_TYPES.includes(suffix)) return `invalid unit type: ${JSON.stringify(suffix)}`;
  const stem = name.slice(0, dot);
  if (name.includes('@') && !TEMPLATE_UNIT_TYPES.includes(suffix)) {
    return `invalid unit type for template: ${JSON.stringify(suffix)}`;
  }
  for (const char of stem) {
    if (!VALID_STEM_CHAR.test(char)) return `invalid character '${printableChar(char)}' in unit name`;
  }
  if (name.startsWith('@')) return 'unit name cannot start in "@"';
  // systemd's unit_name_is_valid allows a single "@"; fleet did not check this.
  if (stem.indexOf('@') !== stem.lastIndexOf('@')) return 'unit name may contain only one "@"';
  return undefined;
}

function printableChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : char;
}

export interface UnitNameInfo {
  name: string;
  /** Name without the type suffix (`%N`). */
  stem: string;
  /** Type suffix without the dot, e.g. `service`. */
  suffix: string;
  /** Before the first "@"; the stem itself when there is no "@" (systemd's `%p`). */
  prefix: string;
  /** Between "@" and the last "."; empty for templates and plain units (`%i`). */
  instance: string;
  /** `prefix@.suffix` when the name has an "@". */
  templateName: string | undefined;
  isTemplate: boolean;
  isInstance: boolean;
}

/** Splits a unit name (fleet's NewUnitNameInfo). Does not validate: call validateUnitName first. */
export function unitNameInfo(name: string): UnitNameInfo {
  const dot = name.lastIndexOf('.');
  const stem = dot === -1 ? name : name.slice(0, dot);
  const suffix = dot === -1 ? '' : name.slice(dot + 1);
  const at = stem.indexOf('@');
  if (at === -1) {
    return { name, stem, suffix, prefix: stem, instance: '', templateName: undefined, isTemplate: false, isInstance: false };
  }
  const prefix = stem.slice(0, at);
  const instance = stem.slice(at + 1);
  return {
    name,
    stem,
    suffix,
    prefix,
    instance,
    templateName: `${prefix}@.${suffix}`,
    isTemplate: instance === '',
    isInstance: instance !== '',
  };
}

/** fleetctl's mangling of a command-line argument: basename, then `.service` unless a kept suffix ends it. */
export function mangleUnitName(arg: string): string {
  const base = path.posix.basename(arg);
  return MANGLE_KEPT_SUFFIXES.some((suffix) => base.endsWith(suffix)) ? base : `${base}.service`;
}

/**
 * The other registry name that runs as the same systemd unit, if any: `X.container` runs as `X.service`
 * (docs/containers.md), so `X.service` and `X.container` would be one unit to systemd on a machine holding both.
 * The registry keeps at most one of the two.
 */
export function sameSystemdUnitSibling(name: string): string | undefined {
  if (name.endsWith('.container')) return `${name.slice(0, -'.container'.length)}.service`;
  if (name.endsWith('.service')) return `${name.slice(0, -'.service'.length)}.container`;
  return undefined;
}

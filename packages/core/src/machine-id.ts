/**
 * Machine ids become parts of registry keys (`assignments/<machineId>/<unit>`) and of API paths, so they are
 * checked wherever they enter. systemd's are 32 hex digits; test machines and fleet's fixtures use shorter
 * names, so any run of letters, digits and `_.:-` is accepted, never `/`, whitespace, control or non-ASCII
 * characters, nor `.`/`..` (which a path join would resolve).
 */
import { InvalidMachineIdError } from './errors.js';

export const MAX_MACHINE_ID_BYTES = 128;

const VALID_MACHINE_ID = /^[A-Za-z0-9_.:-]+$/;

/** undefined when `id` is usable as a machine id, else why not. */
export function machineIdProblem(id: string): string | undefined {
  if (id === '') return 'machine id cannot be empty';
  if (id.length > MAX_MACHINE_ID_BYTES) return `machine id exceeds maximum length (${MAX_MACHINE_ID_BYTES})`;
  if (id === '.' || id === '..') return `machine id cannot be ${JSON.stringify(id)}`;
  if (!VALID_MACHINE_ID.test(id)) {
    const bad = [...id].find((c) => !VALID_MACHINE_ID.test(c)) ?? '';
    return `invalid character ${JSON.stringify(bad)} in machine id`;
  }
  return undefined;
}

/** Throws InvalidMachineIdError naming the first rule `id` breaks. */
export function assertValidMachineId(id: string): void {
  const reason = machineIdProblem(id);
  if (reason !== undefined) throw new InvalidMachineIdError(id, reason);
}

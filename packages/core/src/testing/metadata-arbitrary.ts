/**
 * Generated `MachineMetadata=` requirements for property tests, their keys including Object.prototype's member
 * names: keys are the user's (unit/user-keys.ts), so parsing and matching must treat them as ordinary keys.
 */
import fc from 'fast-check';
import type { UnitOption } from '../model.js';

const KEYS = fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__proto_', 'region', 'role');
const VALUES = fc.constantFrom('x', 'y', 'constructor', '__proto__');

/** Up to eight key=value pairs; a key may repeat (OR within a key). */
export const metadataPairs = fc.array(fc.tuple(KEYS, VALUES), { maxLength: 8 });

/** The pairs as a unit's `[X-Fleet] MachineMetadata=` options, in order. */
export function metadataOptions(pairs: readonly (readonly [string, string])[]): UnitOption[] {
  return pairs.map(([k, v]) => ({ section: 'X-Fleet', name: 'MachineMetadata', value: `${k}=${v}` }));
}

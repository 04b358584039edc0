/**
 * `MachineMetadata=key=value`: requirements grouped by key, OR within a key, AND across keys; a machine
 * without a required key fails. Values that do not split into exactly two non-empty parts on `=` are
 * ignored, as fleet does (fleet-reference §3.4).
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import { doesNotFit, FITS, type FilterRule } from '../types.js';
import { METADATA_KEYS, xFleetValues } from '../x-fleet.js';

export const METADATA_FILTER = 'metadata';
export const REASON_METADATA = 'machine metadata does not match (MachineMetadata)';

/** key → accepted values. */
export type MetadataRequirements = ReadonlyMap<string, ReadonlySet<string>>;

export function metadataRequirements(unit: UnitRecord): MetadataRequirements {
  const wanted = new Map<string, Set<string>>();
  for (const value of xFleetValues(unit, METADATA_KEYS)) {
    const parts = value.split('=');
    if (parts.length !== 2) continue;
    const [key, accepted] = parts as [string, string];
    if (key === '' || accepted === '') continue;
    const set = wanted.get(key) ?? new Set<string>();
    set.add(accepted);
    wanted.set(key, set);
  }
  return wanted;
}

export function metadataMatches(machine: MachineRecord, wanted: MetadataRequirements): boolean {
  for (const [key, accepted] of wanted) {
    const have = machine.metadata[key];
    if (have === undefined || !accepted.has(have)) return false;
  }
  return true;
}

export const metadataFilter: FilterRule = {
  name: METADATA_FILTER,
  prepare(unit) {
    const wanted = metadataRequirements(unit);
    if (wanted.size === 0) return undefined;
    return (machine) => (metadataMatches(machine, wanted) ? FITS : doesNotFit(REASON_METADATA));
  },
};

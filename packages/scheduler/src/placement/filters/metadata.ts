/**
 * `MachineMetadata=key=value`: OR within a key, AND across keys; a machine without a required key fails
 * (fleet's `machine.HasMetadata`). Values that are not `key=value` are dropped when core parses the unit
 * (core/src/unit/fleet-requirements.ts), as fleet drops them: such a value is ignored, not an error.
 */
import { ownValue, type MachineRecord, type UnitRecord } from '@flotilla/core';
import { requirementsOf } from '../requirements.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';
import { ofMachines } from '../wording.js';

export const METADATA_FILTER = 'metadata';
export const REASON_METADATA = 'machine metadata does not match (MachineMetadata)';

/** key → accepted values, as core's FleetRequirements.metadata. */
export type MetadataRequirements = Readonly<Record<string, readonly string[]>>;

/** Reads only the machine's own keys (core user-keys.ts), so `constructor=x` is a key like any other
 * (test/chaos/settled.ts judges running units with it too). */
export function metadataMatches(machine: Pick<MachineRecord, 'metadata'>, wanted: MetadataRequirements): boolean {
  return Object.entries(wanted).every(([key, accepted]) => {
    const have = ownValue(machine.metadata, key);
    return have !== undefined && accepted.includes(have);
  });
}

function wantedOf(unit: UnitRecord): MetadataRequirements | undefined {
  const wanted = requirementsOf(unit).metadata;
  return Object.keys(wanted).length === 0 ? undefined : wanted;
}

export const metadataFilter: FilterRule = {
  name: METADATA_FILTER,
  judgesGlobalUnits: true,
  prepare(unit) {
    const wanted = wantedOf(unit);
    if (!wanted) return undefined;
    return (machine) => (metadataMatches(machine, wanted) ? FITS : doesNotFit(REASON_METADATA));
  },
  machineClass(unit) {
    const wanted = wantedOf(unit);
    if (!wanted) return undefined;
    return JSON.stringify(Object.keys(wanted).sort().map((k) => [k, [...(wanted[k] ?? [])].sort()]));
  },
  label: (unit) =>
    `MachineMetadata ${Object.entries(requirementsOf(unit).metadata).map(([k, vs]) => vs.map((v) => `${k}=${v}`).join('|')).join(' ')}`,
  outcome: (excluded, total) => `${ofMachines(excluded, total)} not matching`,
};

/**
 * `MachineMetadata=key=value`: OR within a key, AND across keys; a machine without a required key fails
 * (fleet's `machine.HasMetadata`; core parses and drops malformed values).
 */
import { machineMetadataSatisfies, type MachineRecord } from '@flotilla/core';
import { requirementsOf } from '../requirements.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';

export const METADATA_FILTER = 'metadata';
export const REASON_METADATA = 'machine metadata does not match (MachineMetadata)';

/** key → accepted values, as core's FleetRequirements.metadata. */
export type MetadataRequirements = Readonly<Record<string, readonly string[]>>;

/** core's rule, the one the agent also applies (own keys only, so `constructor=x` is a key like any other). */
export function metadataMatches(machine: MachineRecord, wanted: MetadataRequirements): boolean {
  return machineMetadataSatisfies(machine.metadata, wanted);
}

export const metadataFilter: FilterRule = {
  name: METADATA_FILTER,
  prepare(unit) {
    const wanted = requirementsOf(unit).metadata;
    if (Object.keys(wanted).length === 0) return undefined;
    return (machine) => (metadataMatches(machine, wanted) ? FITS : doesNotFit(REASON_METADATA));
  },
};

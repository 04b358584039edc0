/**
 * What placement reads from a unit record, parsed once per (immutable) record: its `[X-Fleet]` requirements and its
 * resource requests. The conflicts filter reads the requirements of every unit already on a machine, for every
 * candidate, so re-parsing would dominate a large plan; the memo is keyed by the record, so it changes no result.
 *
 * The memo holds one entry per unit (a leader: 100,000s), and most units say nothing in `[X-Fleet]` and request
 * nothing. So empty parts are shared, frozen copies (the scheduler only reads them; freezing makes a write throw
 * rather than leak into every unit): each parse made three empty arrays and an empty null-prototype metadata record
 * (~300 bytes a unit), and each unit its own zero requests (40 bytes). Both live in one `WeakMap` (two cost 4 MiB
 * more at 100,000 units): docs/benchmarks.md, "Leader memory, second pass" and "fourth pass".
 */
import { keyedRecord, parseFleetRequirements, parseRequests, type FleetRequirements, type MachineCapacity, type UnitRecord } from '@flotilla/core';

export type Resources = MachineCapacity;

export const NO_RESOURCES: Resources = Object.freeze({ cpuMillis: 0, memoryBytes: 0 });

const NO_VALUES = Object.freeze([]) as unknown as string[];
const NO_METADATA = Object.freeze(keyedRecord<string[]>());
const NO_REQUIREMENTS: FleetRequirements = Object.freeze({
  machineOf: NO_VALUES,
  metadata: NO_METADATA,
  conflicts: NO_VALUES,
  global: false,
  replaces: NO_VALUES,
});

interface Parsed {
  requirements: FleetRequirements;
  requests: Resources;
}

/** A unit that neither requires nor requests anything (most of them). */
const NOTHING: Parsed = Object.freeze({ requirements: NO_REQUIREMENTS, requests: NO_RESOURCES });

const memo = new WeakMap<UnitRecord, Parsed>();

function parsedOf(unit: UnitRecord): Parsed {
  let parsed = memo.get(unit);
  if (!parsed) {
    const requirements = shareEmptyParts(parseFleetRequirements(unit.name, unit.options));
    const requests = shareNone(parseRequests(unit.options));
    parsed = requirements === NO_REQUIREMENTS && requests === NO_RESOURCES ? NOTHING : { requirements, requests };
    memo.set(unit, parsed);
  }
  return parsed;
}

export function requirementsOf(unit: UnitRecord): FleetRequirements {
  return parsedOf(unit).requirements;
}

export function requestsOf(unit: UnitRecord): Resources {
  return parsedOf(unit).requests;
}

function shareNone(r: Resources): Resources {
  return r.cpuMillis === 0 && r.memoryBytes === 0 ? NO_RESOURCES : r;
}

function shareEmptyParts(r: FleetRequirements): FleetRequirements {
  const noMetadata = Object.keys(r.metadata).length === 0;
  if (r.machineId === undefined && !r.global && noMetadata && r.machineOf.length === 0 && r.conflicts.length === 0 && r.replaces.length === 0) {
    return NO_REQUIREMENTS;
  }
  if (r.machineOf.length === 0) r.machineOf = NO_VALUES;
  if (noMetadata) r.metadata = NO_METADATA;
  if (r.conflicts.length === 0) r.conflicts = NO_VALUES;
  if (r.replaces.length === 0) r.replaces = NO_VALUES;
  return r;
}

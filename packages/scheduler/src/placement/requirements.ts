/**
 * A unit's `[X-Fleet]` requirements, parsed by core once per unit record. The conflicts filter reads the
 * requirements of every unit already on a machine, for every candidate, so re-parsing would dominate a large
 * plan; the memo is keyed by the (immutable) record, so it changes no result.
 *
 * The memo holds one entry per unit (a leader: 100,000s), and most units say nothing in `[X-Fleet]`: each parse
 * made three empty arrays and an empty null-prototype metadata record (a dictionary-mode object, ~190 bytes),
 * ~300 bytes a unit (docs/benchmarks.md, "Leader memory, second pass"). Empty parts are shared, frozen copies
 * instead (the scheduler only reads requirements; freezing makes a write throw rather than leak into every unit).
 */
import { keyedRecord, parseFleetRequirements, type FleetRequirements, type UnitRecord } from '@flotilla/core';

const parsed = new WeakMap<UnitRecord, FleetRequirements>();

const NO_VALUES = Object.freeze([]) as unknown as string[];
const NO_METADATA = Object.freeze(keyedRecord<string[]>());
const NO_REQUIREMENTS: FleetRequirements = Object.freeze({
  machineOf: NO_VALUES,
  metadata: NO_METADATA,
  conflicts: NO_VALUES,
  global: false,
  replaces: NO_VALUES,
});

export function requirementsOf(unit: UnitRecord): FleetRequirements {
  let requirements = parsed.get(unit);
  if (!requirements) {
    requirements = shareEmptyParts(parseFleetRequirements(unit.name, unit.options));
    parsed.set(unit, requirements);
  }
  return requirements;
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

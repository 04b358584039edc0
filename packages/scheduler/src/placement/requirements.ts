/**
 * A unit's `[X-Fleet]` requirements, parsed by core once per unit record. The conflicts filter reads the
 * requirements of every unit already on a machine, for every candidate, so re-parsing would dominate a large
 * plan; the memo is keyed by the (immutable) record, so it changes no result.
 */
import { parseFleetRequirements, type FleetRequirements, type UnitRecord } from '@flotilla/core';

const parsed = new WeakMap<UnitRecord, FleetRequirements>();

export function requirementsOf(unit: UnitRecord): FleetRequirements {
  let requirements = parsed.get(unit);
  if (!requirements) {
    requirements = parseFleetRequirements(unit.name, unit.options);
    parsed.set(unit, requirements);
  }
  return requirements;
}

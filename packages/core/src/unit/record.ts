/** Builds the stored UnitRecord from a submitted spec: hash of the canonical text, global flag from [X-Fleet]. */
import type { DesiredState, UnitRecord, UnitSpec } from '../model.js';
import { unitHash } from './canonical.js';
import { parseFleetRequirements } from './fleet-requirements.js';

export function makeUnitRecord(spec: UnitSpec, desiredState: DesiredState): UnitRecord {
  return {
    name: spec.name,
    options: spec.options.map(({ section, name, value }) => ({ section, name, value })),
    hash: unitHash(spec.options),
    desiredState,
    global: parseFleetRequirements(spec.name, spec.options).global,
  };
}

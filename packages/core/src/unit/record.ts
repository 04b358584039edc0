/** Builds the stored UnitRecord from a submitted spec: hash of the canonical text, global flag from [X-Fleet]. */
import { TemplateActivationError } from '../errors.js';
import type { DesiredState, UnitRecord, UnitSpec } from '../model.js';
import { unitHash } from './canonical.js';
import { parseFleetRequirements } from './fleet-requirements.js';
import { assertNewUnitName, unitNameInfo } from './name.js';
import { validateUnitOptions } from './validate-options.js';

export function makeUnitRecord(spec: UnitSpec, desiredState: DesiredState): UnitRecord {
  return {
    name: spec.name,
    options: spec.options.map(({ section, name, value }) => ({ section, name, value })),
    hash: unitHash(spec.options),
    desiredState,
    global: parseFleetRequirements(spec.name, spec.options).global,
  };
}

/** A template is a pattern, never run itself: only `inactive` may be asked of it (fleet's API refuses the rest). */
export function rejectTemplateActivation(name: string, state: DesiredState): void {
  if (state !== 'inactive' && unitNameInfo(name).isTemplate) throw new TemplateActivationError(name);
}

/** The record a submit writes, after every check a new unit must pass; the same for each registry and batch. */
export function newUnitRecord(spec: UnitSpec, desiredState: DesiredState = 'inactive'): UnitRecord {
  assertNewUnitName(spec.name);
  validateUnitOptions(spec.name, spec.options);
  const record = makeUnitRecord(spec, desiredState);
  rejectTemplateActivation(record.name, record.desiredState);
  return record;
}

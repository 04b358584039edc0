/**
 * Keeping stored services' counts, pure (docs/services.md): given the service records and the units in the
 * registry, which numbered instances `TEMPLATE@1..N` to create (launched, from the stored template), which
 * existing ones to launch, and which numbered instances above N to destroy. A service whose template is not
 * stored does nothing. Placement is a separate step: the instances created here are placed by the next pass.
 */
import { makeUnitRecord, planScale, scaleTemplateParts, type ServiceChange, type ServiceRecord, type UnitRecord } from '@flotilla/core';

export function planServices(services: readonly ServiceRecord[], units: readonly UnitRecord[]): ServiceChange[] {
  const byName = new Map(units.map((u) => [u.name, u]));
  const names = units.map((u) => u.name);
  const changes: ServiceChange[] = [];
  for (const service of services) {
    const template = byName.get(service.template);
    const parts = scaleTemplateParts(service.template);
    if (!template || !parts) continue;
    const plan = planScale({ dir: '', ...parts }, service.count, names);
    for (const name of plan.wanted) {
      const existing = byName.get(name);
      if (!existing) changes.push({ kind: 'create', unit: makeUnitRecord({ name, options: template.options }, 'launched') });
      else if (existing.desiredState !== 'launched') changes.push({ kind: 'launch', unit: name });
    }
    for (const name of plan.remove) changes.push({ kind: 'destroy', unit: name });
  }
  return changes;
}

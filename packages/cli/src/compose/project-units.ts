/**
 * Which registry units belong to a compose project: those whose `[X-Flotilla] Project=` names it (compose writes
 * it into every unit; a template's instances are copies of it), with the service from `ServiceName=`. By the
 * key, not by the name prefix, so `shop` never takes `shop-admin`'s units.
 */
import type { UnitRecord } from '@flotilla/core';

const SECTION = 'X-Flotilla';

function lastValue(unit: Pick<UnitRecord, 'options'>, key: string): string | undefined {
  const found = unit.options.filter((o) => o.section === SECTION && o.name === key).pop();
  return found?.value.trim();
}

export function projectOfUnit(unit: Pick<UnitRecord, 'options'>): string | undefined {
  return lastValue(unit, 'Project');
}

export function serviceOfUnit(unit: Pick<UnitRecord, 'options'>): string | undefined {
  return lastValue(unit, 'ServiceName');
}

export function projectUnitsOf<U extends Pick<UnitRecord, 'options'>>(units: readonly U[], project: string): U[] {
  return units.filter((u) => projectOfUnit(u) === project);
}

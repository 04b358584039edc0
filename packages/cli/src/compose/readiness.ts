/**
 * Whether a compose service is up, purely, from the registry's units and states: every unit of it (the single
 * unit, or instances 1..N of its template) reports `active` with the stored contents, and — for `healthy` — the
 * engine's health check says `healthy`. A global service is ready when every machine running it is.
 */
import type { UnitRecord, UnitStateRecord } from '@flotilla/core';
import type { ComposeUnit } from '@flotilla/compose';

export type Readiness = 'started' | 'healthy';

export interface ServiceStatus {
  ready: boolean;
  /** What is still missing, for the timeout's message: `shop-app@2.container: activating`. */
  waitingFor: string[];
}

/** The unit names that make up the service when it runs (a template's 1..N instances). */
export function runningUnitsOf(unit: Pick<ComposeUnit, 'name' | 'replicas'>): string[] {
  if (unit.replicas === undefined) return [unit.name];
  const at = unit.name.indexOf('@');
  return Array.from({ length: unit.replicas }, (_, i) => `${unit.name.slice(0, at + 1)}${i + 1}${unit.name.slice(at + 1)}`);
}

export function serviceStatus(
  unit: Pick<ComposeUnit, 'name' | 'replicas'>,
  want: Readiness,
  units: readonly Pick<UnitRecord, 'name' | 'hash'>[],
  states: readonly UnitStateRecord[],
): ServiceStatus {
  const waitingFor: string[] = [];
  for (const name of runningUnitsOf(unit)) {
    const record = units.find((u) => u.name === name);
    const mine = states.filter((s) => s.unit === name && record !== undefined && s.hash === record.hash);
    if (!record) waitingFor.push(`${name}: not created yet`);
    else if (mine.length === 0) waitingFor.push(`${name}: not running yet`);
    else {
      for (const s of mine) {
        if (s.activeState !== 'active') waitingFor.push(`${name}: ${s.activeState}${s.container?.error ? ` (${s.container.error})` : ''}`);
        else if (want === 'healthy' && s.container?.health !== 'healthy') waitingFor.push(`${name}: health ${s.container?.health ?? 'unknown'}`);
      }
    }
  }
  return { ready: waitingFor.length === 0, waitingFor };
}

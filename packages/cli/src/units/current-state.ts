/**
 * fleet's per-unit "currentState", which Flotilla does not store: it is derived from the states agents
 * publish. launched = systemd reports it active on some machine; loaded = some machine reports it at all;
 * inactive = nobody does.
 */
import type { UnitStateRecord } from '@flotilla/core';
import type { CurrentState } from '../render/list-unit-files.js';

export function currentState(states: readonly UnitStateRecord[]): CurrentState {
  if (states.some((s) => s.activeState === 'active')) return 'launched';
  return states.length > 0 ? 'loaded' : 'inactive';
}

/** Groups states by unit name. */
export function statesByUnit(states: readonly UnitStateRecord[]): Map<string, UnitStateRecord[]> {
  const byUnit = new Map<string, UnitStateRecord[]>();
  for (const s of states) {
    const list = byUnit.get(s.unit);
    if (list) list.push(s);
    else byUnit.set(s.unit, [s]);
  }
  return byUnit;
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

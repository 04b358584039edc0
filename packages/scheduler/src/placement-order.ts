/**
 * The order units are placed in: by name, except that a unit comes after the units it must run next to
 * (MachineOf), so chains resolve in one plan. Cycles (fleet documents that bidirectional MachineOf
 * deadlocks) keep name order and stay unplaceable.
 */
import type { UnitRecord } from '@flotilla/core';
import { requirementsOf } from './placement/requirements.js';

export function placementOrder(units: readonly UnitRecord[]): UnitRecord[] {
  const sorted = [...units].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byName = new Map(sorted.map((u) => [u.name, u]));
  const order: UnitRecord[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (unit: UnitRecord): void => {
    if (state.has(unit.name)) return;
    state.set(unit.name, 'visiting');
    for (const peer of requirementsOf(unit).machineOf) {
      const other = byName.get(peer);
      if (other) visit(other);
    }
    state.set(unit.name, 'done');
    order.push(unit);
  };
  for (const unit of sorted) visit(unit);
  return order;
}

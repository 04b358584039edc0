/**
 * The order units are placed in: by name, except that a unit comes after the units it must run next to
 * (MachineOf), so chains resolve in one plan. Cycles (fleet documents that bidirectional MachineOf
 * deadlocks) keep name order and stay unplaceable.
 */
import type { UnitRecord } from '@flotilla/core';
import { requirementsOf } from './placement/requirements.js';

export function placementOrder(units: readonly UnitRecord[]): UnitRecord[] {
  const sorted = [...units].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Only units with peers, and their peers, can leave name order; every other unit is placed in its turn. At
  // 1,000,000 units, walking every unit through the depth-first visit blocked the leader for seconds.
  const peers = new Map<string, readonly string[]>();
  const targets = new Set<string>();
  for (const unit of sorted) {
    const machineOf = requirementsOf(unit).machineOf;
    if (machineOf.length === 0) continue;
    peers.set(unit.name, machineOf);
    for (const peer of machineOf) targets.add(peer);
  }
  if (peers.size === 0) return sorted;
  const byName = new Map<string, UnitRecord>();
  for (const unit of sorted) if (targets.has(unit.name)) byName.set(unit.name, unit);
  const order: UnitRecord[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (unit: UnitRecord): void => {
    if (state.has(unit.name)) return;
    state.set(unit.name, 'visiting');
    for (const peer of peers.get(unit.name) ?? []) {
      const other = byName.get(peer);
      if (other) visit(other);
    }
    state.set(unit.name, 'done');
    order.push(unit);
  };
  for (const unit of sorted) {
    if (peers.has(unit.name) || targets.has(unit.name)) visit(unit);
    else order.push(unit);
  }
  return order;
}

/**
 * What `flotilla plan UNIT...` prints, pure: where each named unit is or would go if the scheduler ran a pass
 * on this snapshot now, and for a unit that fits nowhere, every rule in the way with counts: the plan's own
 * explanation (placement/explain.ts), the one the leader records in the cluster event log.
 */
import type { ClusterSnapshot } from '@flotilla/core';
import { planSchedule } from './plan.js';
import { defaultPlacementConfig } from './placement/place.js';
import type { PlacementConfig } from './placement/types.js';
import { needsPlacement } from './reasons.js';

export type UnitPlan =
  | { unit: string; kind: 'unknown' }
  | { unit: string; kind: 'not-placed'; reason: string }
  | { unit: string; kind: 'stays'; machineId: string }
  | { unit: string; kind: 'moves'; from: string; machineId: string; reason: string }
  | { unit: string; kind: 'placed'; machineId: string }
  | { unit: string; kind: 'unschedulable'; reasons: string[]; broken?: true }
  | { unit: string; kind: 'global'; machineIds: string[]; machines: number };

export function planUnits(snapshot: ClusterSnapshot, names: readonly string[], config: PlacementConfig = defaultPlacementConfig()): UnitPlan[] {
  const plan = planSchedule(snapshot, config);
  const units = new Map(snapshot.units.map((u) => [u.name, u]));
  return names.map((name): UnitPlan => {
    const unit = units.get(name);
    if (!unit) return { unit: name, kind: 'unknown' };
    const mine = plan.decisions.filter((d) => d.unit === name);
    if (unit.global) {
      const on = new Set(snapshot.globalAssignments.get(name)?.keys() ?? []);
      for (const d of mine) d.kind === 'unassign-global' ? on.delete(d.machineId) : on.add(d.machineId);
      return { unit: name, kind: 'global', machineIds: [...on].sort(), machines: snapshot.machines.length };
    }
    if (!needsPlacement(unit)) return { unit: name, kind: 'not-placed', reason: unit.desiredState === 'inactive' ? 'desired state is inactive' : 'templates are not placed' };
    const assign = mine.find((d) => d.kind === 'assign');
    const unassign = mine.find((d) => d.kind === 'unassign');
    if (assign && unassign) return { unit: name, kind: 'moves', from: unassign.machineId, machineId: assign.machineId, reason: unassign.reason };
    if (assign) return { unit: name, kind: 'placed', machineId: assign.machineId };
    const current = snapshot.schedule.get(name);
    if (current !== undefined && !unassign) return { unit: name, kind: 'stays', machineId: current };
    // Pass 3 tries every unit that should run and is left unscheduled, so the plan has explained this one.
    const why = plan.unplaceable.find((u) => u.unit === name);
    return { unit: name, kind: 'unschedulable', reasons: why?.reasons ?? [], ...(why?.broken ? { broken: true as const } : {}) };
  });
}

/**
 * What a plan's passes share (plan.ts runs them; global-plan.ts, drain.ts, rebalance.ts and replaces.ts are
 * passes): the decisions a plan is made of, the working state they update, and the one way a pass records a
 * decision and picks a machine. Kept apart from plan.ts so the passes depend on this, not on the plan that calls
 * them.
 */
import type { ClusterSnapshot, MachineRecord, UnitRecord } from '@flotilla/core';
import { MachineQueues } from './placement/machine-queues.js';
import { narrowedCandidates, place, placeFirst } from './placement/place.js';
import { addUnitOn, removeUnitFrom, type MutablePlacementState } from './placement/state.js';
import type { Explanation } from './placement/explain.js';
import type { PlacementConfig } from './placement/types.js';
import type { PlanBase } from './plan-base.js';

export interface Decision {
  /** `assign-global`/`unassign-global` touch only `assignments/<machine>/<unit>` (global units have no schedule);
   * `refresh` rewrites a scheduled unit's assignment that lags its record, where it is (no placement change). */
  kind: 'assign' | 'unassign' | 'assign-global' | 'unassign-global' | 'refresh';
  unit: string;
  machineId: string;
  reason: string;
}

/** A unit that should run but fits no machine, and why (placement/explain.ts). */
export interface Unplaceable extends Explanation {
  unit: string;
}

export interface SchedulePlan {
  decisions: Decision[];
  unplaceable: Unplaceable[];
  /** An incremental plan: the units it looked at (`unplaceable` covers only those). Absent = every unit. */
  considered?: ReadonlySet<string>;
}

/** What the passes share; decisions update `schedule`, `state` and `queue` as they are made. */
export interface Working {
  snapshot: ClusterSnapshot;
  config: PlacementConfig;
  units: ReadonlyMap<string, UnitRecord>;
  machines: ReadonlyMap<string, MachineRecord>;
  schedule: Map<string, string>;
  state: MutablePlacementState;
  queues: MachineQueues;
  plan: SchedulePlan;
  /** The live state a scoped plan started from (plan-base.ts), for its indexes; absent = built from the snapshot. */
  base?: PlanBase;
}

export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Records a decision and keeps state and queue in step with it. */
export function decide(work: Working, decision: Decision, unit?: UnitRecord): void {
  work.plan.decisions.push(decision);
  if (decision.kind === 'refresh') return;
  if (decision.kind === 'assign' || decision.kind === 'assign-global') {
    if (decision.kind === 'assign') work.schedule.set(decision.unit, decision.machineId);
    if (unit) addUnitOn(work.state, decision.machineId, unit);
  } else {
    if (decision.kind === 'unassign') work.schedule.delete(decision.unit);
    removeUnitFrom(work.state, decision.machineId, decision.unit);
  }
  work.queues.update(decision.machineId);
}

/** Units a rule narrows to a few machines (MachineID, MachineOf: FilterRule.narrow) are judged on those; every
 * other unit walks the queue of its class of machines. */
export function chooseMachine(work: Working, unit: UnitRecord): string | undefined {
  const candidates = narrowedCandidates(unit, work, work.config);
  if (candidates === undefined) return placeFirst(unit, work.queues.forUnit(unit), work.state, work.config);
  const result = place(unit, candidates, work.state, work.config);
  return result.placed ? result.machineId : undefined;
}

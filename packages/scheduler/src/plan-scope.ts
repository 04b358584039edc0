/**
 * Incremental planning, pure: which units a plan must look at, given what events marked dirty (dirty.ts).
 * From a settled cluster, a plan of this scope makes the same decisions as a plan of everything (property-
 * tested in plan.incremental.property.test.ts), because it covers every unit whose verdict an event can change:
 * - the dirty units, every unit scheduled on a dirty machine or on a machine a dirty unit is scheduled or
 *   assigned (global) to (Conflicts and resources are judged per machine), and the MachineOf followers of all
 *   those, transitively;
 * - global units on the dirty machines (on every machine when a global unit itself is dirty);
 * - the unscheduled units among them; when room was freed or a machine joined, also every unscheduled unit that
 *   now passes every filter on one of the changed machines (it fitted nowhere before, and nothing else changed
 *   elsewhere), with its followers.
 * The plan widens the scope itself when its first passes free room (plan.ts).
 */
import type { ClusterSnapshot, UnitRecord } from '@flotilla/core';
import { requirementsOf } from './placement/requirements.js';
import type { PlanBase } from './plan-base.js';

export interface PlanScope {
  units: ReadonlySet<string>;
  machines: ReadonlySet<string>;
  /** Global units on every machine. */
  globals: boolean;
  /** Every unscheduled unit, not only those in scope. */
  retryUnscheduled: boolean;
}

export interface ExpandedScope {
  /** Every unit the plan looks at (scheduled or not). */
  units: Set<string>;
  /** Machines where something changed (dirty, or holding a dirty unit): where room may have been freed. */
  machines: Set<string>;
  /** Machines whose global units are re-evaluated; undefined = every machine. */
  globalMachines: Set<string> | undefined;
  retryUnscheduled: boolean;
}

/** `base`: the live indexes for `snapshot` (units per machine, followers), else both are derived from it. */
export function expandScope(snapshot: ClusterSnapshot, scope: PlanScope, units: ReadonlyMap<string, UnitRecord>, base?: PlanBase): ExpandedScope {
  const inScope = new Set(scope.units);
  const machines = new Set(scope.machines);
  let globals = scope.globals;
  for (const name of scope.units) {
    const machineId = snapshot.schedule.get(name);
    if (machineId !== undefined) machines.add(machineId);
    if (units.get(name)?.global || snapshot.globalAssignments.has(name)) globals = true;
    // A global unit counts on every machine it is assigned to: the units beside it there are judged again too.
    for (const assignedOn of snapshot.globalAssignments.get(name)?.keys() ?? []) machines.add(assignedOn);
  }
  if (base) for (const machineId of machines) for (const name of base.scheduledOn(machineId)) inScope.add(name);
  else if (machines.size > 0) for (const [name, machineId] of snapshot.schedule) if (machines.has(machineId)) inScope.add(name);
  addFollowers(base ?? snapshot.units, inScope);
  return { units: inScope, machines, globalMachines: globals ? undefined : machines, retryUnscheduled: scope.retryUnscheduled };
}

/** Adds every unit that follows (MachineOf) a unit in `names`, transitively; from every unit, or from the live
 * followers index. */
export function addFollowers(all: readonly UnitRecord[] | Pick<PlanBase, 'followers'>, names: Set<string>): void {
  let followersOf: (peer: string) => Iterable<string>;
  if ('followers' in all) followersOf = (peer) => all.followers(peer);
  else {
    const followers = new Map<string, string[]>();
    for (const unit of all) {
      for (const peer of requirementsOf(unit).machineOf) {
        const list = followers.get(peer);
        if (list) list.push(unit.name);
        else followers.set(peer, [unit.name]);
      }
    }
    if (followers.size === 0) return;
    followersOf = (peer) => followers.get(peer) ?? [];
  }
  const queue = [...names];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    for (const follower of followersOf(name)) {
      if (names.has(follower)) continue;
      names.add(follower);
      queue.push(follower);
    }
  }
}

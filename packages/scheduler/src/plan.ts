/**
 * One scheduling plan from one registry snapshot (fleet's engine reconcile, `engine/reconciler.go`), pure.
 * Pass 1 unassigns what must not stay where it is; pass 2 brings global units' per-machine assignments in
 * line with the machines that match them (global-plan.ts); pass 3 places every unit that should run and is
 * not scheduled. The in-memory state follows each decision, so a unit unassigned in pass 1 is placed again
 * in pass 3, and three units on three empty machines spread one per machine.
 */
import type { ClusterSnapshot, UnitRecord } from '@flotilla/core';
import { drainPass, type DrainOptions } from './drain.js';
import { byName, chooseMachine, decide, type Decision, type SchedulePlan, type Working } from './working.js';
import { planGlobalUnits } from './global-plan.js';
import { placementOrder } from './placement-order.js';
import { addFollowers, expandScope, type ExpandedScope, type PlanScope } from './plan-scope.js';
import { rebalance, type RebalanceOptions } from './rebalance.js';
import { replacersOf, replacesPass } from './replaces.js';
import { explainUnplaceable } from './placement/explain.js';
import { MachineQueues } from './placement/machine-queues.js';
import { checksFor, defaultPlacementConfig, firstFailure } from './placement/place.js';
import { requirementsOf } from './placement/requirements.js';
import { copyPlacementState, placementStateFrom } from './placement/state.js';
import { OverlayMap } from './overlay-map.js';
import type { PlanBase } from './plan-base.js';
import type { PlacementConfig } from './placement/types.js';
import { needsPlacement, REASON_ASSIGNMENT_LAGS, REASON_GLOBAL, REASON_INACTIVE, REASON_UNIT_GONE, REASON_UNSCHEDULED, reasonMachineGone, reasonNoLongerFits } from './reasons.js';

export * from './reasons.js';
export { byName, chooseMachine, decide, type Decision, type SchedulePlan, type Unplaceable, type Working } from './working.js';

export interface PlanOptions {
  /** Rebalance (rebalance.ts) when the plan has nothing else to do; absent = no moves for balance. */
  rebalance?: RebalanceOptions;
  /** Units not to place in this plan: moves waiting for their old machine to stop them (stop-before-start.ts). */
  held?: ReadonlySet<string>;
  /** Plan only what events made dirty (plan-scope.ts); absent = every unit. */
  scope?: PlanScope;
  /** Take units off draining machines (drain.ts); absent = draining machines are only cordoned. */
  drain?: DrainOptions;
  /** The leader's live state for this snapshot (loop/live-placement.ts): a scoped plan starts from it instead of
   * building maps and placement state from every unit. Must describe exactly `snapshot`. */
  base?: PlanBase;
  /** Units placed between two steps of planSteps (default PLAN_STEP_UNITS; tests use small ones). */
  stepUnits?: number;
}

export function planSchedule(snapshot: ClusterSnapshot, config: PlacementConfig = defaultPlacementConfig(), opts: PlanOptions = {}): SchedulePlan {
  const steps = planSteps(snapshot, config, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Units handled between two yields of planSteps. */
export const PLAN_STEP_UNITS = 2000;

/**
 * What a step of planSteps may hand out: decisions that are final (settled), in the order made, before the plan ends.
 * Nothing decided later removes, reorders or must be written before them, so the leader writes them while it
 * plans the rest (docs/scheduler.md, "Writing while planning").
 */
export type PlanStep = readonly Decision[] | void;

/**
 * planSchedule as steps: yields after every PLAN_STEP_UNITS units, so the leader loop can let its election
 * keepalives and watches run while it plans 100,000 units (loop/plan-async.ts). Same result as planSchedule;
 * during the place pass, the steps also carry the decisions settled since the last one (see settledSoFar).
 */
export function* planSteps(snapshot: ClusterSnapshot, config: PlacementConfig = defaultPlacementConfig(), opts: PlanOptions = {}): Generator<PlanStep, SchedulePlan> {
  const base = opts.scope ? opts.base : undefined;
  const state = base ? copyPlacementState(base.state) : placementStateFrom(snapshot);
  const work: Working = {
    snapshot,
    config,
    units: base ? base.units : new Map(snapshot.units.map((u) => [u.name, u])),
    machines: base ? base.machines : new Map(snapshot.machines.map((m) => [m.id, m])),
    schedule: base ? new OverlayMap(base.schedule) : new Map(snapshot.schedule),
    state,
    queues: new MachineQueues(snapshot.machines, state, config),
    plan: { decisions: [], unplaceable: [] },
    ...(base ? { base } : {}),
  };
  yield;
  const scope = opts.scope && expandScope(snapshot, opts.scope, work.units, base);
  yield;
  unassignPass(work, scope);
  if (opts.drain) drainPass(work, opts.drain);
  refreshPass(work);
  yield;
  const freed = widenAfterUnassign(work, scope);
  yield* planGlobalUnits(work, freed?.globalMachines);
  yield;
  const candidates = freed && (yield* withRetried(work, freed));
  yield* placePass(work, opts.held ?? new Set(), candidates, opts.stepUnits ?? PLAN_STEP_UNITS, settledSoFar(work));
  replacesPass(work);
  // Only a settled cluster is rebalanced, so moves never compete with placements or recoveries.
  if (opts.rebalance && work.plan.decisions.length === 0) rebalance(work, opts.rebalance);
  if (candidates) work.plan.considered = candidates;
  return work.plan;
}

/**
 * Pass 1: every scheduled unit (or those in scope), in name order. Removing a unit can only break MachineOf
 * (a follower whose peer left), so units with peers are checked again until nothing more moves.
 */
function unassignPass(work: Working, scope: ExpandedScope | undefined): void {
  const among = (names: Iterable<string>) => [...names].filter((name) => work.schedule.has(name)).sort(byName);
  let check = scope ? among(scope.units) : [...work.schedule.keys()].sort(byName);
  while (check.length > 0) {
    let removed = false;
    for (const unitName of check) {
      const machineId = work.schedule.get(unitName);
      const reason = machineId === undefined ? undefined : unassignReason(work, unitName, machineId);
      if (reason === undefined || machineId === undefined) continue;
      decide(work, { kind: 'unassign', unit: unitName, machineId, reason });
      removed = true;
    }
    check = removed ? among(scope ? scope.units : work.schedule.keys()).filter((name) => hasPeers(work.units.get(name))) : [];
  }
}

/**
 * Scheduled units that stay where they are but whose assignment there lags their record (another desired state
 * or hash: a record written without its assignment) get it rewritten. Every such unit, in or out of scope: they
 * are few (the snapshot keeps only those), and a full plan and an incremental one make the same decisions.
 */
function refreshPass(work: Working): void {
  const lagging = [...work.snapshot.laggingAssignments.values()].sort((a, b) => byName(a.unit, b.unit));
  for (const stored of lagging) {
    const unit = work.units.get(stored.unit);
    if (!unit || work.schedule.get(unit.name) !== stored.machineId || !needsPlacement(unit)) continue;
    decide(work, { kind: 'refresh', unit: unit.name, machineId: stored.machineId, reason: REASON_ASSIGNMENT_LAGS });
  }
}

/** A unit taken off a machine in pass 1 frees room there: its global units are looked at again, and so is every
 * unscheduled unit. */
function widenAfterUnassign(work: Working, scope: ExpandedScope | undefined): ExpandedScope | undefined {
  if (!scope) return undefined;
  const from = work.plan.decisions.filter((d) => d.kind === 'unassign').map((d) => d.machineId);
  if (from.length === 0) return scope;
  const globalMachines = scope.globalMachines && new Set([...scope.globalMachines, ...from]);
  return { units: scope.units, machines: new Set([...scope.machines, ...from]), globalMachines, retryUnscheduled: true };
}

/**
 * The units pass 3 looks at in an incremental plan: those in scope, and — when room was freed (by events, or by
 * this plan's removals) or machines joined — every unscheduled unit that now passes every filter on one of the
 * changed machines, with its followers. Any other unscheduled unit fitted nowhere before, and the machines it
 * is not checked against have only lost room since, so a full plan would not place it either.
 */
function* withRetried(work: Working, scope: ExpandedScope): Generator<void, Set<string>> {
  const removedGlobals = work.plan.decisions.filter((d) => d.kind === 'unassign-global').map((d) => d.machineId);
  if (!scope.retryUnscheduled && removedGlobals.length === 0) return scope.units;
  const changed = [...new Set([...scope.machines, ...removedGlobals])].flatMap((id) => work.machines.get(id) ?? []);
  const units = new Set(scope.units);
  if (changed.length === 0) return units;
  // Live state: the units waiting for a machine are indexed (those the plan scheduled are skipped below).
  const waiting = work.base ? [...work.base.unscheduled].flatMap((name) => work.units.get(name) ?? []) : work.snapshot.units;
  for (const [i, unit] of waiting.entries()) {
    if ((i + 1) % PLAN_STEP_UNITS === 0) yield;
    if (units.has(unit.name) || !needsPlacement(unit) || work.schedule.has(unit.name)) continue;
    const checks = checksFor(unit, work.config);
    if (changed.some((m) => firstFailure(checks, m, work.state) === undefined)) units.add(unit.name);
  }
  addFollowers(work.base ?? work.snapshot.units, units);
  return units;
}

function hasPeers(unit: UnitRecord | undefined): boolean {
  return unit !== undefined && requirementsOf(unit).machineOf.length > 0;
}

function unassignReason(work: Working, unitName: string, machineId: string): string | undefined {
  const unit = work.units.get(unitName);
  if (!unit) return REASON_UNIT_GONE;
  if (unit.global) return REASON_GLOBAL;
  if (unit.desiredState === 'inactive') return REASON_INACTIVE;
  const machine = work.machines.get(machineId);
  if (!machine) return reasonMachineGone(machineId);
  const failure = firstFailure(checksFor(unit, work.config, 'stay'), machine, work.state);
  return failure === undefined ? undefined : reasonNoLongerFits(failure);
}

/**
 * Once the place pass starts, may the plan's decisions be handed out as they are made? Only when nothing after
 * it can touch them: the place pass only adds assignments, but Replaces (replaces.ts) may take one back or
 * displace a unit after it, and a unit unassigned from a live machine earlier in this plan is a move whose new
 * assignment stop-before-start.ts drops. Then every decision made so far is settled too: their removals are
 * written first, as a whole plan's are (loop/execute.ts). undefined: hand out nothing early.
 */
function settledSoFar(work: Working): (() => PlanStep) | undefined {
  if (replacersOf(work).length > 0) return undefined;
  if (work.plan.decisions.some((d) => d.kind === 'unassign' && work.machines.has(d.machineId))) return undefined;
  let handedOut = 0;
  return () => {
    const settled = work.plan.decisions.slice(handedOut);
    handedOut = work.plan.decisions.length;
    return settled.length > 0 ? settled : undefined;
  };
}

/** Pass 3: every unit that should run somewhere and is not scheduled (or those of `only`), peers (MachineOf) before
 * followers. `settled`: hand out the decisions made so far at each step (settledSoFar). */
function* placePass(work: Working, held: ReadonlySet<string>, only: ReadonlySet<string> | undefined, stepUnits: number, settled?: () => PlanStep): Generator<PlanStep> {
  const candidates = only ? [...only].flatMap((name) => work.units.get(name) ?? []) : work.snapshot.units;
  const wanted = candidates.filter((u) => needsPlacement(u) && !work.schedule.has(u.name) && !held.has(u.name));
  // A term's first plan parses every unit's [X-Fleet] requirements (memoized per record): a step at a time too.
  for (const [i, unit] of wanted.entries()) {
    requirementsOf(unit);
    if ((i + 1) % stepUnits === 0) yield settled?.();
  }
  let handled = 0;
  for (const unit of placementOrder(wanted)) {
    if (++handled % stepUnits === 0) yield settled?.();
    const machineId = chooseMachine(work, unit);
    if (machineId === undefined) {
      work.plan.unplaceable.push({ unit: unit.name, ...explainUnplaceable(unit, work.snapshot.machines, work.state, work.config, work) });
      continue;
    }
    decide(work, { kind: 'assign', unit: unit.name, machineId, reason: REASON_UNSCHEDULED }, unit);
  }
}


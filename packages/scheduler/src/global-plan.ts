/**
 * Pass 2 of a plan: global units. A global unit that is not inactive belongs on every machine whose metadata it
 * matches and where no unit already there conflicts with it (between two conflicting globals the first by name
 * wins, as fleet's agents decided in `desiredAgentState`, `agent/reconcile.go`) and its resource requests still
 * fit: the rules that judge global units (FilterRule.judgesGlobalUnits), in configured order. Each wanted machine
 * gets an `assign-global` (also when the stored assignment's hash or desired state lags the unit's, since the
 * registry mirrors desired state only into scheduled assignments); every other assignment not backed by a
 * schedule entry gets an `unassign-global`: machines that stopped matching or went away, inactive or destroyed
 * units, units no longer global.
 */
import type { Assignment, MachineRecord, UnitRecord } from '@flotilla/core';
import { checksFor, firstFailure } from './placement/place.js';
import { addUnitOn, removeUnitFrom } from './placement/state.js';
import { byName, decide, type Working } from './working.js';
import {
  REASON_GLOBAL_CHANGED,
  REASON_GLOBAL_MATCHES,
  REASON_INACTIVE,
  REASON_NOT_GLOBAL,
  REASON_UNIT_GONE,
  reasonMachineGone,
  reasonNoLongerFits,
} from './reasons.js';

/** Machines checked for global units between two yields (3 global units × 10,000 machines is 30,000 checks). */
const CHECKS_PER_STEP = 2000;

/** `only`: the machines to look at (incremental planning, plan-scope.ts); undefined = every machine. Yields now and
 * then, like planSteps. */
export function* planGlobalUnits(work: Working, only?: ReadonlySet<string>): Generator<void> {
  const stored = work.snapshot.globalAssignments;
  const inScope = (machineId: string) => only === undefined || only.has(machineId);
  // Start from no global unit anywhere, then add them back in name order, so the first one by name wins a conflict.
  const cleared = new Set<string>();
  for (const [unitName, byMachine] of stored) {
    for (const machineId of byMachine.keys()) {
      if (!inScope(machineId)) continue;
      removeUnitFrom(work.state, machineId, unitName);
      cleared.add(machineId);
    }
  }
  for (const machineId of cleared) work.queues.update(machineId);
  if (only?.size === 0) return;
  const machines = only === undefined ? work.snapshot.machines : work.snapshot.machines.filter((m) => only.has(m.id));
  const globals = work.base ? work.base.globalUnits : work.snapshot.units.filter((u) => u.global).map((u) => u.name);
  const names = new Set([...stored.keys(), ...globals]);
  for (const unitName of [...names].sort(byName)) yield* planOne(work, unitName, stored.get(unitName) ?? new Map(), machines, inScope);
}

function* planOne(
  work: Working,
  unitName: string,
  current: ReadonlyMap<string, Assignment>,
  machines: readonly MachineRecord[],
  inScope: (machineId: string) => boolean,
): Generator<void> {
  const unit = work.units.get(unitName);
  const goneReason = !unit ? REASON_UNIT_GONE : !unit.global ? REASON_NOT_GLOBAL : unit.desiredState === 'inactive' ? REASON_INACTIVE : undefined;
  const storedOn = [...current.keys()].filter(inScope).sort(byName);
  if (goneReason !== undefined || !unit) {
    for (const machineId of storedOn) remove(work, unitName, machineId, goneReason ?? REASON_UNIT_GONE);
    return;
  }
  const checks = checksFor(unit, work.config, 'global');
  for (const [i, machine] of machines.entries()) {
    if (i > 0 && i % CHECKS_PER_STEP === 0) yield;
    const stored = current.get(machine.id);
    const failure = firstFailure(checks, machine, work.state);
    if (failure !== undefined) {
      if (stored) remove(work, unitName, machine.id, reasonNoLongerFits(failure));
      continue;
    }
    // A hash the unit pins belongs to a deployment in progress: the deploy driver moves it (docs/deployments.md).
    const pinned = stored !== undefined && unit.pinned?.[stored.hash] !== undefined;
    const inStep = stored !== undefined && (stored.hash === unit.hash || pinned) && stored.desiredState === unit.desiredState;
    const reason = stored ? REASON_GLOBAL_CHANGED : REASON_GLOBAL_MATCHES;
    if (inStep) addBack(work, unit, machine.id);
    else decide(work, { kind: 'assign-global', unit: unitName, machineId: machine.id, reason }, unit);
  }
  for (const machineId of storedOn) {
    if (!work.machines.has(machineId)) remove(work, unitName, machineId, reasonMachineGone(machineId));
  }
}

/** An in-step assignment stays: no write, but it counts on the machine again. */
function addBack(work: Working, unit: UnitRecord, machineId: string): void {
  addUnitOn(work.state, machineId, unit);
  work.queues.update(machineId);
}

function remove(work: Working, unit: string, machineId: string, reason: string): void {
  work.plan.decisions.push({ kind: 'unassign-global', unit, machineId, reason });
}

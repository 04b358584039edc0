/**
 * Places one unit. `place` runs every filter rule that applies on every candidate (a machine is counted once,
 * under the first reason that excluded it) and takes the best feasible machine in placement order; it is
 * what `plan` and "why unschedulable" print. `placeFirst` finds the same machine without looking at them
 * all: it walks a MachineQueue in placement order and stops at the first machine that fits.
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import { filterRules } from './filters/registry.js';
import { compareMachines, type MachineQueue } from './machine-queue.js';
import { scoreRule } from './scores/registry.js';
import type { FilterRule, MachineCheck, PlacementCluster, PlacementConfig, PlacementResult, PlacementState, ReasonCounts } from './types.js';

export function defaultPlacementConfig(score?: string): PlacementConfig {
  return { filters: filterRules(), score: scoreRule(score) };
}

const DEFAULT_CONFIG = defaultPlacementConfig();

export function place(
  unit: UnitRecord,
  candidates: readonly MachineRecord[],
  state: PlacementState,
  config: PlacementConfig = DEFAULT_CONFIG,
): PlacementResult {
  const checks = checksFor(unit, config);
  const excluded: ReasonCounts = {};
  let best: MachineRecord | undefined;
  for (const machine of candidates) {
    const reason = firstFailure(checks, machine, state);
    if (reason !== undefined) excluded[reason] = (excluded[reason] ?? 0) + 1;
    else if (!best || compareMachines(machine, best, state, config.score) < 0) best = machine;
  }
  const counts = { candidates: candidates.length, excluded };
  return best ? { placed: true, machineId: best.id, ...counts } : { placed: false, ...counts };
}

/** The machine `place` would choose, found by walking `queue` (left as it was); undefined if none fits. */
export function placeFirst(unit: UnitRecord, queue: MachineQueue, state: PlacementState, config: PlacementConfig = DEFAULT_CONFIG): string | undefined {
  const checks = checksFor(unit, config);
  const popped: MachineRecord[] = [];
  let found: MachineRecord | undefined;
  for (let machine = queue.pop(); machine; machine = queue.pop()) {
    popped.push(machine);
    if (firstFailure(checks, machine, state) === undefined) {
      found = machine;
      break;
    }
  }
  for (const machine of popped) queue.push(machine);
  return found?.id;
}

/** What a set of checks decides: placing a unit; whether a placed unit may `stay` where it is (placement-only
 * rules such as the cordon left out); on which machines a `global` unit runs. */
export type CheckPurpose = 'place' | 'stay' | 'global';

const judges: Record<CheckPurpose, (rule: FilterRule) => boolean> = {
  place: () => true,
  stay: (rule) => rule.placementOnly !== true,
  global: (rule) => rule.judgesGlobalUnits === true,
};

/** The checks of every filter rule that applies to `unit` for `purpose`, in configured order. */
export function checksFor(unit: UnitRecord, config: PlacementConfig = DEFAULT_CONFIG, purpose: CheckPurpose = 'place'): MachineCheck[] {
  return config.filters
    .filter(judges[purpose])
    .map((f) => f.prepare(unit))
    .filter((c): c is MachineCheck => c !== undefined);
}

/** The only machines `unit` can go to, from the first rule that narrows them (MachineID, then MachineOf in the
 * default order); undefined = any machine. */
export function narrowedCandidates(unit: UnitRecord, cluster: PlacementCluster, config: PlacementConfig = DEFAULT_CONFIG): readonly MachineRecord[] | undefined {
  for (const rule of config.filters) {
    const machines = rule.narrow?.(unit, cluster);
    if (machines !== undefined) return machines;
  }
  return undefined;
}

/** The reason of the first check `machine` fails, if any. */
export function firstFailure(checks: readonly MachineCheck[], machine: MachineRecord, state: PlacementState): string | undefined {
  for (const check of checks) {
    const verdict = check(machine, state);
    if (!verdict.fits) return verdict.reason;
  }
  return undefined;
}

/**
 * Places one unit: every filter rule that applies checks every candidate (a machine is counted once, under
 * the first reason that excluded it), then the scores rank the machines left. Ties go to the machine with
 * fewer units, then to the lowest machine id, so a placement is fully determined by its inputs.
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import { filterRules } from './filters/registry.js';
import { weightedScores } from './scores/registry.js';
import type { MachineCheck, PlacementConfig, PlacementResult, PlacementState, ReasonCounts, WeightedScore } from './types.js';

export function defaultPlacementConfig(): PlacementConfig {
  return { filters: filterRules(), scores: weightedScores() };
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
  const feasible = candidates.filter((machine) => {
    const reason = firstFailure(checks, machine, state);
    if (reason === undefined) return true;
    excluded[reason] = (excluded[reason] ?? 0) + 1;
    return false;
  });
  const best = bestMachine(unit, feasible, state, config.scores);
  const counts = { candidates: candidates.length, excluded };
  return best ? { placed: true, machineId: best.id, ...counts } : { placed: false, ...counts };
}

/** The checks of every filter rule that applies to `unit`, in configured order. */
export function checksFor(unit: UnitRecord, config: PlacementConfig = DEFAULT_CONFIG): MachineCheck[] {
  return config.filters.map((f) => f.prepare(unit)).filter((c): c is MachineCheck => c !== undefined);
}

/** The reason of the first check `machine` fails, if any. */
export function firstFailure(checks: readonly MachineCheck[], machine: MachineRecord, state: PlacementState): string | undefined {
  for (const check of checks) {
    const verdict = check(machine, state);
    if (!verdict.fits) return verdict.reason;
  }
  return undefined;
}

interface Ranked {
  machine: MachineRecord;
  score: number;
  load: number;
}

function bestMachine(
  unit: UnitRecord,
  feasible: readonly MachineRecord[],
  state: PlacementState,
  scores: readonly WeightedScore[],
): MachineRecord | undefined {
  const ranked: Ranked[] = feasible.map((machine) => ({
    machine,
    score: scores.reduce((sum, s) => sum + s.weight * s.rule.score(unit, machine, state), 0),
    load: state.unitsOn.get(machine.id)?.length ?? 0,
  }));
  ranked.sort(compareRanked);
  return ranked[0]?.machine;
}

function compareRanked(a: Ranked, b: Ranked): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.load !== b.load) return a.load - b.load;
  return a.machine.id < b.machine.id ? -1 : a.machine.id > b.machine.id ? 1 : 0;
}

/**
 * Placement vocabulary, after Kubernetes' filter/score plugins and Nomad's feasibility-then-rank: filters
 * decide whether a machine can run a unit (and say why not), scores rank the machines that can.
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';

/** What placement knows about the cluster: the units each machine runs or is about to run. */
export interface PlacementState {
  /** machine id → units there (scheduled non-inactive units and the global units that run there). */
  readonly unitsOn: ReadonlyMap<string, readonly UnitRecord[]>;
}

export type FilterVerdict = { fits: true } | { fits: false; reason: string };

/** Checks one machine for the unit a filter was prepared for. */
export type MachineCheck = (machine: MachineRecord, state: PlacementState) => FilterVerdict;

/** One placement rule (MachineID, MachineMetadata, Conflicts…). */
export interface FilterRule {
  readonly name: string;
  /** Reads the unit's options once. `undefined` = the rule has nothing to say about this unit: skip it. */
  prepare(unit: UnitRecord): MachineCheck | undefined;
}

/** Ranks a feasible machine: higher is better. */
export interface ScoreRule {
  readonly name: string;
  score(unit: UnitRecord, machine: MachineRecord, state: PlacementState): number;
}

export interface WeightedScore {
  rule: ScoreRule;
  weight: number;
}

/** Which rules run, in order (cheap and narrowing filters first), and the weight of each score. */
export interface PlacementConfig {
  filters: readonly FilterRule[];
  scores: readonly WeightedScore[];
}

/** Reason constant → number of machines it excluded (Nomad's "N nodes excluded by filter"). */
export type ReasonCounts = Record<string, number>;

interface PlacementCounts {
  /** Machines considered. */
  candidates: number;
  excluded: ReasonCounts;
}

export type PlacementResult = PlacementCounts & ({ placed: true; machineId: string } | { placed: false });

export const FITS: FilterVerdict = { fits: true };

export function doesNotFit(reason: string): FilterVerdict {
  return { fits: false, reason };
}

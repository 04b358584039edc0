/**
 * Placement vocabulary, after Kubernetes' filter/score plugins and Nomad's feasibility-then-rank: filters
 * decide whether a machine can run a unit (and say why not), scores rank the machines that can.
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import type { Resources } from './resources.js';

/** What placement knows about the cluster: the units each machine runs or is about to run. */
export interface PlacementState {
  /** machine id → units there (scheduled non-inactive units and the global units that run there). */
  readonly unitsOn: ReadonlyMap<string, readonly UnitRecord[]>;
  /** machine id → resources those units request (absent = none). */
  readonly used: ReadonlyMap<string, Resources>;
}

export type FilterVerdict = { fits: true } | { fits: false; reason: string };

/** Checks one machine for the unit a filter was prepared for. */
export type MachineCheck = (machine: MachineRecord, state: PlacementState) => FilterVerdict;

/** One placement rule (MachineID, MachineMetadata, Conflicts…). */
export interface FilterRule {
  readonly name: string;
  /** Decides only where a unit may go next: a unit already on a machine that fails it stays there (cordon). */
  readonly placementOnly?: boolean;
  /** Reads the unit's options once. `undefined` = the rule has nothing to say about this unit: skip it. */
  prepare(unit: UnitRecord): MachineCheck | undefined;
}

/**
 * Ranks feasible machines: an ordering, best first (negative = `a` is better). An ordering rather than a
 * number per machine, so the planner can keep machines in a priority queue and stop at the first feasible one
 * (Nomad's limit iterator) instead of scoring 10,000 machines per unit. Ties go to fewer units, then the
 * lower machine id (place.ts).
 */
export interface ScoreRule {
  readonly name: string;
  compare(a: MachineRecord, b: MachineRecord, state: PlacementState): number;
}

/** Which rules run, in order (cheap and narrowing filters first), and the ordering of feasible machines. */
export interface PlacementConfig {
  filters: readonly FilterRule[];
  score: ScoreRule;
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

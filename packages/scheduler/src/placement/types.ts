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
  /** machine id → those of its units that declare Conflicts globs (absent = none): the only units there whose
   * globs the Conflicts filter must read (filters/conflicts.ts). */
  readonly declaringConflictsOn: ReadonlyMap<string, readonly UnitRecord[]>;
}

export type FilterVerdict = { fits: true } | { fits: false; reason: string };

/** Checks one machine for the unit a filter was prepared for. */
export type MachineCheck = (machine: MachineRecord, state: PlacementState) => FilterVerdict;

/** What the plan knows right now beyond the machines' loads: every unit, every machine, the schedule so far. */
export interface PlacementCluster {
  readonly units: ReadonlyMap<string, UnitRecord>;
  readonly machines: ReadonlyMap<string, MachineRecord>;
  /** unit → machine, as decided so far (earlier decisions of the same plan included). */
  readonly schedule: ReadonlyMap<string, string>;
}

/**
 * One placement rule (MachineID, MachineMetadata, Conflicts…), whole: its check, the machines it can possibly
 * allow, and its wording. A new rule is its file in filters/ plus one line in filters/registry.ts.
 * After Kubernetes' filter plugins: a machine fits or does not fit (Unschedulable, `FilterVerdict`), and apart
 * from that a rule can be broken for a unit (Error: the rule itself names something that does not exist).
 */
export interface FilterRule {
  readonly name: string;
  /** Decides only where a unit may go next: a unit already on a machine that fails it stays there (cordon). */
  readonly placementOnly?: boolean;
  /** Also decides which machines a global unit runs on (global-plan.ts); the others judge placed units only. */
  readonly judgesGlobalUnits?: boolean;
  /** Reads the unit's options once. `undefined` = the rule has nothing to say about this unit: skip it. */
  prepare(unit: UnitRecord): MachineCheck | undefined;
  /**
   * The only machines the check can let through, when the rule knows them without walking the cluster
   * (Kubernetes' PreFilterResult): MachineID → the machine it names. `undefined` = no narrowing.
   */
  narrow?(unit: UnitRecord, cluster: PlacementCluster): readonly MachineRecord[] | undefined;
  /**
   * For a check that reads only the machine record (never what runs there): a key naming the class of machines
   * the unit accepts, so units of one class walk one queue of just those machines (machine-queues.ts, Nomad's
   * per-class feasibility cache). `undefined` = no class for this unit.
   */
  machineClass?(unit: UnitRecord): string | undefined;
  /** Why the rule is in error for this unit, e.g. `names no unit: x.service`; `undefined` = not broken. */
  broken?(unit: UnitRecord, cluster: PlacementCluster): string | undefined;
  /** What the unit asks, in its own terms, e.g. `MachineMetadata role=db` (explain.ts starts a line with it). */
  label(unit: UnitRecord): string;
  /** Why `excluded` of `total` machines do not fit, e.g. `40 of 40 machines not matching` (explain.ts). */
  outcome(excluded: number, total: number): string;
}

/**
 * Ranks feasible machines: an ordering, best first (negative = `a` is better). An ordering rather than a
 * number per machine, so the planner can keep machines in a priority queue and stop at the first feasible one
 * (Nomad's limit iterator) instead of scoring 10,000 machines per unit. Ties go to fewer units, then the
 * lower machine id (place.ts).
 */
/** How feasible machines are ordered: by their keys, compared in order, lower first. A machine's keys change only
 * with its load, so a MachineQueue reads them once per load change instead of on every comparison. */
export interface ScoreRule {
  readonly name: string;
  keys(machine: MachineRecord, state: PlacementState): readonly [number, number];
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

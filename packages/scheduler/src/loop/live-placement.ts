/**
 * The leader's placement state kept current from watch events (ClusterCache feeds it), so an incremental pass
 * starts from it instead of rebuilding it from 100,000 units: per machine, the units that count there and what
 * they request (`placementStateFrom`'s rule), and the indexes a scoped plan asks (units scheduled per machine,
 * MachineOf followers per peer, units waiting for a machine, global units, units with Replaces).
 * Every change is re-derived for the units it touches only; `live-placement.property.test.ts` checks that after
 * any sequence of events the state equals one rebuilt from scratch.
 * A plan copies the per-machine maps (O(machines)) and works on the copy, replacing any array it changes
 * (placement/state.ts); the arrays themselves are this state's own and change in place. That is safe because events
 * reach this state only while no pass holds the view (ClusterFollower.hold): a plan never sees one change under it.
 * Replacing them instead copied a machine's whole list on every event there: at 1,000,000 units, 100 units a
 * machine, ~1,000,000 copies of ~50 entries while placing (docs/benchmarks.md, "Leader memory, fourth pass").
 */
import type { Assignment, MachineRecord, UnitRecord } from '@flotilla/core';
import { addUnitOn, emptyPlacementState, removeUnitFrom, type MutablePlacementState } from '../placement/state.js';
import { requirementsOf } from '../placement/requirements.js';
import { needsPlacement } from '../reasons.js';
import type { PlanBase } from '../plan-base.js';
import { addMember, holds, members, removeMember, type OneOrMany } from './one-or-many.js';

/** The cache's maps, read (never written) here. */
export interface LiveSources {
  readonly units: ReadonlyMap<string, UnitRecord>;
  readonly machines: ReadonlyMap<string, MachineRecord>;
  readonly schedule: ReadonlyMap<string, string>;
  /** Assignments no schedule entry backs: unit → machine → assignment. */
  readonly unbacked: ReadonlyMap<string, ReadonlyMap<string, Assignment>>;
}

export class LivePlacement implements PlanBase {
  readonly state: MutablePlacementState = emptyPlacementState({ ownArrays: true });
  readonly unscheduled = new Set<string>();
  readonly globalUnits = new Set<string>();
  readonly replacers = new Set<string>();
  /** Where each unit counts now (its contribution to `state`). The record counted is the sources' own: every unit
   * change comes through `unitChanged`, which counts the unit afresh (an object per unit holding the record too was
   * 4 MiB at 100,000 units: docs/benchmarks.md, "Leader memory, fourth pass"). */
  private readonly counted = new Map<string, OneOrMany>();
  /** machine → units with a schedule entry or an unbacked assignment there (whose count a machine event changes). */
  private readonly refs = new Map<string, Set<string>>();
  /** unit → the machines it is in `refs` of (one-or-many.ts: one, unless global). */
  private readonly refsOf = new Map<string, OneOrMany>();
  private readonly onMachine = new Map<string, Set<string>>();
  private readonly followersOf = new Map<string, Set<string>>();
  private readonly peersOf = new Map<string, readonly string[]>();

  /** Built from the sources at once; `fill` instead builds it a step at a time. */
  constructor(private readonly src: LiveSources, filled = true) {
    if (filled) for (const _ of this.fill(Number.POSITIVE_INFINITY));
  }

  /**
   * Indexes every unit of the sources, yielding after every `step` units: at a term's start this parses 100,000
   * units' [X-Fleet] requirements (memoized per record, so the first plan does not again), which must not block
   * the election's keepalives.
   */
  *fill(step: number): Generator<void> {
    let done = 0;
    for (const name of this.src.units.keys()) {
      this.unitChanged(name);
      if (++done % step === 0) yield;
    }
    for (const [unit, machineId] of this.src.schedule) addTo(this.onMachine, machineId, unit);
    // Units were counted above; schedule entries and assignments of units that no longer exist are indexed here.
    for (const name of new Set([...this.src.schedule.keys(), ...this.src.unbacked.keys()])) if (!this.src.units.has(name)) this.recount(name);
  }

  get units(): ReadonlyMap<string, UnitRecord> {
    return this.src.units;
  }

  get machines(): ReadonlyMap<string, MachineRecord> {
    return this.src.machines;
  }

  get schedule(): ReadonlyMap<string, string> {
    return this.src.schedule;
  }

  scheduledOn(machineId: string): Iterable<string> {
    return this.onMachine.get(machineId) ?? [];
  }

  followers(peer: string): Iterable<string> {
    return this.followersOf.get(peer) ?? [];
  }

  /** A unit record was put or deleted (the sources already show the new state). */
  unitChanged(name: string): void {
    const unit = this.src.units.get(name);
    const peers = unit ? requirementsOf(unit).machineOf : [];
    for (const peer of this.peersOf.get(name) ?? []) removeFrom(this.followersOf, peer, name);
    for (const peer of peers) addTo(this.followersOf, peer, name);
    if (peers.length > 0) this.peersOf.set(name, peers);
    else this.peersOf.delete(name);
    toggle(this.globalUnits, name, unit?.global === true);
    toggle(this.replacers, name, unit !== undefined && !unit.global && requirementsOf(unit).replaces.length > 0);
    this.recount(name);
  }

  /** `unit`'s schedule entry moved from `before` (undefined: it had none) to what the sources show. */
  scheduleChanged(unit: string, before: string | undefined): void {
    if (before !== undefined) removeFrom(this.onMachine, before, unit);
    const now = this.src.schedule.get(unit);
    if (now !== undefined) addTo(this.onMachine, now, unit);
    this.markWaiting(unit);
    if (before !== undefined) this.recountOn(unit, before);
    if (now !== undefined && now !== before) this.recountOn(unit, now);
  }

  /** An assignment of `unit` on `machineId` was put or deleted. */
  assignmentChanged(unit: string, machineId: string): void {
    this.recountOn(unit, machineId);
  }

  /** A machine joined, left or changed: the units counted (or stored) there are counted again there. */
  machineChanged(machineId: string): void {
    for (const unit of [...(this.refs.get(machineId) ?? [])]) this.recountOn(unit, machineId);
  }

  private markWaiting(name: string): void {
    const unit = this.src.units.get(name);
    toggle(this.unscheduled, name, unit !== undefined && needsPlacement(unit) && !this.src.schedule.has(name));
  }

  /** Whether `name` has a schedule entry or an unbacked assignment on `machineId`, and whether it counts there
   * (placementStateFrom's rule). */
  private standing(name: string, machineId: string): { stored: boolean; counts: boolean } {
    const unit = this.src.units.get(name);
    const scheduledHere = this.src.schedule.get(name) === machineId;
    const assignedHere = this.src.unbacked.get(name)?.has(machineId) === true;
    const counts = unit !== undefined && unit.desiredState !== 'inactive' && this.src.machines.has(machineId) && (unit.global ? assignedHere : scheduledHere);
    return { stored: scheduledHere || assignedHere, counts };
  }

  /** Re-derives `name` on one machine only: a global unit's assignment event must not touch its 10,000 others. */
  private recountOn(name: string, machineId: string): void {
    const unit = this.src.units.get(name);
    const { stored, counts } = this.standing(name, machineId);
    if (stored) addTo(this.refs, machineId, name), addMember(this.refsOf, name, machineId);
    else removeFrom(this.refs, machineId, name), removeMember(this.refsOf, name, machineId);
    const counted = holds(this.counted.get(name), machineId);
    if (counts && !counted && unit !== undefined) {
      addUnitOn(this.state, machineId, unit);
      addMember(this.counted, name, machineId);
    } else if (!counts && counted) {
      removeUnitFrom(this.state, machineId, name);
      removeMember(this.counted, name, machineId);
    }
  }

  /** Re-derives every machine of `name` and its per-unit indexes (a unit record put or deleted). */
  private recount(name: string): void {
    this.markWaiting(name);
    const machines = new Set([...members(this.refsOf.get(name)), ...members(this.counted.get(name))]);
    const scheduledOn = this.src.schedule.get(name);
    if (scheduledOn !== undefined) machines.add(scheduledOn);
    for (const machineId of this.src.unbacked.get(name)?.keys() ?? []) machines.add(machineId);
    // Start from nothing counted, so the current record is what counts.
    for (const machineId of members(this.counted.get(name))) removeUnitFrom(this.state, machineId, name);
    this.counted.delete(name);
    for (const machineId of machines) this.recountOn(name, machineId);
  }
}

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (set) set.add(value);
  else index.set(key, new Set([value]));
}

function removeFrom(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  set?.delete(value);
  if (set?.size === 0) index.delete(key);
}

function toggle(set: Set<string>, value: string, present: boolean): void {
  if (present) set.add(value);
  else set.delete(value);
}

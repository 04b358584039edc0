/**
 * The leader's copy of the cluster, kept current from `watchCluster` events after one snapshot, so a pass
 * plans from memory instead of re-reading 100,000 units per event. Events are applied in revision order;
 * `seen` is the highest revision applied, which lets the loop wait until its own writes have come back before
 * planning again (otherwise it would re-plan units it just placed).
 */
import { assignmentInStep, scheduleChangeOf, type Assignment, type ClusterEvent, type ClusterSnapshot, type MachineRecord, type RegistryLayout, type UnitRecord } from '@flotilla/core';
import type { Prior } from '../dirty.js';
import { LivePlacement } from './live-placement.js';

export class ClusterCache {
  private readonly units = new Map<string, UnitRecord>();
  private readonly unitRevisions = new Map<string, string>();
  private readonly machines = new Map<string, MachineRecord>();
  private readonly schedule = new Map<string, string>();
  /** Every assignment: unit → its one assignment, or machine → assignment when it has several (a global unit's).
   * A Map per unit cost ~500 bytes at 100,000 units (docs/benchmarks.md, "Leader memory, second pass"). A unit's one
   * assignment that says what its record says (hash and desired state: the usual case) is held as its machine id
   * alone and rebuilt from the record when read; before the record changes, it is rebuilt from the old one (56 bytes
   * a unit: "Leader memory, fourth pass"). */
  private readonly assignments = new Map<string, Assignment | string | Map<string, Assignment>>();
  /** The assignments no schedule entry backs (global units' and strays), kept current so a view need not scan
   * every assignment. */
  private readonly unbacked = new Map<string, Map<string, Assignment>>();
  /** Scheduled units whose assignment on their machine lags their record (assignmentInStep): normally none. */
  private readonly lagging = new Map<string, Assignment>();
  /** Arrays and copies of a view, reused until a unit (or machine) event changes them: most events are the
   * leader's own schedule/assignment writes coming back. The revisions' copy is made only for `view()` (the live
   * view and `unitList()` need none: 3.5 MiB at 100,000 units). */
  private unitsView: UnitRecord[] | undefined;
  private revisionsView: Map<string, string> | undefined;
  private machinesView: MachineRecord[] | undefined;
  private seenRevision = 0n;
  private layoutNow: RegistryLayout;
  /** A unit's schedule entry, for scheduleChangeOf: one function, not one per event (every echo passes here). */
  private readonly scheduledOn = (unit: string): string | undefined => this.schedule.get(unit);
  /** Placement state and indexes kept current with every event (what an incremental plan starts from); built on
   * first use, or a step at a time by `prepareLive`. */
  private liveState: LivePlacement | undefined;

  constructor(snapshot: ClusterSnapshot) {
    for (const u of snapshot.units) this.units.set(u.name, u);
    for (const [name, rev] of snapshot.unitRevisions) this.unitRevisions.set(name, rev);
    for (const m of snapshot.machines) this.machines.set(m.id, m);
    for (const [name, machine] of snapshot.schedule) {
      const u = this.units.get(name);
      const unit = u?.name ?? name;
      const machineId = this.machineId(machine);
      this.schedule.set(unit, machineId);
      const stored = snapshot.laggingAssignments.get(unit);
      if (stored?.machineId === machine) this.setAssignment(stored);
      else if (u) this.setAssignment({ unit, machineId, hash: u.hash, desiredState: u.desiredState });
      this.relag(unit);
    }
    for (const byMachine of snapshot.globalAssignments.values()) for (const a of byMachine.values()) this.setAssignment(a);
    this.seenRevision = BigInt(snapshot.revision);
    this.layoutNow = snapshot.layout ?? 1;
  }

  get live(): LivePlacement {
    return (this.liveState ??= new LivePlacement(this.sources()));
  }

  /** Builds the live state yielding to the event loop every 2,000 units; call before any event is applied. */
  async prepareLive(): Promise<void> {
    if (this.liveState) return;
    const live = new LivePlacement(this.sources(), false);
    for (const _ of live.fill(2000)) await new Promise((resolve) => setImmediate(resolve));
    this.liveState = live;
  }

  private sources() {
    return { units: this.units, machines: this.machines, schedule: this.schedule, unbacked: this.unbacked };
  }

  /** Highest etcd revision this cache reflects. */
  get seen(): bigint {
    return this.seenRevision;
  }

  /**
   * Points the event's unit names, machine ids and assignment hash at the cache's own copies of the same text
   * (in place: the watch made the event for this cache). Decoded from etcd, each event brings its own copies,
   * and a name cut from a key keeps the whole key alive; the schedule and assignments kept from 100,000s of
   * events, and the events a pass holds back (ClusterFollower.hold), would each keep theirs (docs/benchmarks.md,
   * "Leader memory, second pass").
   */
  shareNames(event: ClusterEvent): void {
    if (event.kind === 'schedule') {
      event.unit = this.unitName(event.unit);
      if (event.type === 'put') event.machineId = this.machineId(event.machineId);
    } else if (event.kind === 'assignment') {
      if (event.type === 'delete') {
        event.unit = this.unitName(event.unit);
        event.machineId = this.machineId(event.machineId);
        return;
      }
      const a = event.assignment;
      const unit = this.units.get(a.unit);
      if (unit) {
        a.unit = unit.name;
        if (a.hash === unit.hash) a.hash = unit.hash;
      }
      a.machineId = this.machineId(a.machineId);
    }
  }

  private unitName(name: string): string {
    return this.units.get(name)?.name ?? name;
  }

  private machineId(id: string): string {
    return this.machines.get(id)?.id ?? id;
  }

  /** Applies `event`; returns what the cache held for its unit before (dirty.ts marks from it). */
  apply(event: ClusterEvent): Prior {
    const prior = this.priorOf(event);
    const revision = BigInt(event.revision);
    if (revision > this.seenRevision) this.seenRevision = revision;
    if (event.kind === 'unit') {
      this.unitsView = undefined;
      this.revisionsView = undefined;
      const name = event.type === 'put' ? event.unit.name : event.name;
      this.expandAssignment(name);
      if (event.type === 'put') {
        this.units.set(event.unit.name, event.unit);
        this.unitRevisions.set(event.unit.name, event.modRevision);
      } else {
        this.units.delete(event.name);
        this.unitRevisions.delete(event.name);
      }
      this.relag(name);
      this.liveState?.unitChanged(name);
    } else if (event.kind === 'machine') {
      this.machinesView = undefined;
      const id = event.type === 'put' ? event.machine.id : event.id;
      if (event.type === 'put') this.machines.set(event.machine.id, event.machine);
      else this.machines.delete(event.id);
      this.liveState?.machineChanged(id);
    } else {
      // A schedule key, or (both layouts read the same: core's scheduleChangeOf) a placed assignment's put or the
      // delete of the assignment the schedule names.
      const change = scheduleChangeOf(event, this.scheduledOn);
      if (event.kind === 'assignment') {
        if (event.type === 'put') this.setAssignment(event.assignment);
        else {
          this.removeAssignment(event.unit, event.machineId);
          remove(this.unbacked, event.unit, event.machineId);
        }
      }
      const unit = event.kind === 'assignment' && event.type === 'put' ? event.assignment.unit : event.unit;
      if (change) this.scheduleAt(change.unit, change.machineId);
      else this.relag(unit);
      if (event.kind === 'assignment') this.liveState?.assignmentChanged(unit, event.type === 'put' ? event.assignment.machineId : event.machineId);
    }
    return prior;
  }

  /** The registry's layout as of the last snapshot, or as the leader moved it since (`layoutMoved`). */
  get layout(): RegistryLayout {
    return this.layoutNow;
  }

  /** The leader moved the registry to `layout` (layout-migration): the marker is not a cluster event. */
  layoutMoved(layout: RegistryLayout): void {
    this.layoutNow = layout;
  }

  /** Puts (`machineId`) or removes (undefined) `unit`'s schedule entry. */
  private scheduleAt(unit: string, machineId: string | undefined): void {
    const before = this.schedule.get(unit);
    if (machineId === before) return;
    if (machineId !== undefined) this.schedule.set(unit, machineId);
    else this.schedule.delete(unit);
    // The assignment on the old machine (if any) is no longer backed; the one on the new machine now is.
    if (before !== undefined) this.classify(unit, before);
    if (machineId !== undefined) this.classify(unit, machineId);
    this.relag(unit);
    this.liveState?.scheduleChanged(unit, before);
  }

  private priorOf(event: ClusterEvent): Prior {
    const name = event.kind === 'unit' ? (event.type === 'put' ? event.unit.name : event.name) : event.kind === 'schedule' ? event.unit : undefined;
    if (name === undefined) return {};
    const unit = this.units.get(name);
    const scheduledOn = this.schedule.get(name);
    return { ...(unit ? { unit } : {}), ...(scheduledOn !== undefined ? { scheduledOn } : {}) };
  }

  /** The cluster as a snapshot (what planSchedule takes); global assignments = those no schedule entry backs.
   * Its arrays are shared between views until they change: callers must not mutate a view. */
  view(): ClusterSnapshot {
    const globalAssignments: ClusterSnapshot['globalAssignments'] = new Map();
    for (const [unit, byMachine] of this.unbacked) globalAssignments.set(unit, new Map(byMachine));
    this.machinesView ??= [...this.machines.values()];
    return {
      units: this.unitList(),
      machines: this.machinesView,
      schedule: new Map(this.schedule),
      unitRevisions: (this.revisionsView ??= new Map(this.unitRevisions)),
      globalAssignments,
      laggingAssignments: new Map(this.lagging),
      revision: this.seenRevision.toString(),
      layout: this.layoutNow,
    };
  }

  /**
   * The cluster as a snapshot that shares the cache's own maps (no O(units) copies; the unit array is built only
   * when read, and reused until a unit changes): valid only until the next `apply`. The follower keeps events
   * back while a pass holds one (ClusterFollower.hold).
   */
  liveView(): ClusterSnapshot {
    const cache = this;
    return {
      get units() {
        return cache.unitList();
      },
      machines: (this.machinesView ??= [...this.machines.values()]),
      schedule: this.schedule,
      unitRevisions: this.unitRevisions,
      globalAssignments: this.unbacked,
      laggingAssignments: this.lagging,
      revision: this.seenRevision.toString(),
      layout: this.layoutNow,
    };
  }

  /** Every unit, as of the last event: an array shared until a unit changes (callers must not mutate it). */
  unitList(): UnitRecord[] {
    return (this.unitsView ??= [...this.units.values()]);
  }

  private setAssignment(a: Assignment): void {
    const held = this.assignments.get(a.unit);
    if (held === undefined || (!(held instanceof Map) && machineOf(held) === a.machineId)) this.assignments.set(a.unit, this.compact(a));
    else if (held instanceof Map) held.set(a.machineId, a);
    else this.assignments.set(a.unit, new Map([[machineOf(held), this.expand(a.unit, held)], [a.machineId, a]]));
    this.classify(a.unit, a.machineId);
  }

  private assignmentOf(unit: string, machineId: string): Assignment | undefined {
    const held = this.assignments.get(unit);
    if (held instanceof Map) return held.get(machineId);
    return held !== undefined && machineOf(held) === machineId ? this.expand(unit, held) : undefined;
  }

  /** The machine id alone when the record says the same (see `assignments`). */
  private compact(a: Assignment): Assignment | string {
    const unit = this.units.get(a.unit);
    return unit !== undefined && a.hash === unit.hash && a.desiredState === unit.desiredState ? a.machineId : a;
  }

  private expand(unit: string, held: Assignment | string): Assignment {
    if (typeof held !== 'string') return held;
    const record = this.units.get(unit) as UnitRecord; // held compact only while the record is there
    return { unit: record.name, machineId: held, hash: record.hash, desiredState: record.desiredState };
  }

  /** Before `unit`'s record changes: its compact assignment, rebuilt from the record it mirrors. */
  private expandAssignment(unit: string): void {
    const held = this.assignments.get(unit);
    if (typeof held === 'string') this.assignments.set(unit, this.expand(unit, held));
  }

  private removeAssignment(unit: string, machineId: string): void {
    const held = this.assignments.get(unit);
    if (!(held instanceof Map)) {
      if (held !== undefined && machineOf(held) === machineId) this.assignments.delete(unit);
      return;
    }
    held.delete(machineId);
    if (held.size > 1) return;
    const [left] = held.values();
    if (left) this.assignments.set(unit, this.compact(left));
    else this.assignments.delete(unit);
  }

  /** Files `unit` as lagging or not: scheduled, its assignment there held in full (a compact one mirrors the record)
   * and not in step with the record. */
  private relag(unit: string): void {
    const machineId = this.schedule.get(unit);
    const held = machineId === undefined ? undefined : this.assignments.get(unit);
    const a = held instanceof Map ? held.get(machineId as string) : typeof held === 'object' && held.machineId === machineId ? held : undefined;
    const record = a && this.units.get(unit);
    if (a && record && !assignmentInStep(a, record)) this.lagging.set(unit, a);
    else this.lagging.delete(unit);
  }

  /** Files the assignment of `unit` on `machineId` (if there is one) as backed by the schedule or not. */
  private classify(unit: string, machineId: string): void {
    const a = this.assignmentOf(unit, machineId);
    if (!a || this.schedule.get(unit) === machineId) return remove(this.unbacked, unit, machineId);
    let byMachine = this.unbacked.get(unit);
    if (!byMachine) this.unbacked.set(unit, (byMachine = new Map()));
    byMachine.set(machineId, a);
  }
}

function machineOf(held: Assignment | string): string {
  return typeof held === 'string' ? held : held.machineId;
}

function remove(map: Map<string, Map<string, Assignment>>, unit: string, machineId: string): void {
  const byMachine = map.get(unit);
  byMachine?.delete(machineId);
  if (byMachine?.size === 0) map.delete(unit);
}

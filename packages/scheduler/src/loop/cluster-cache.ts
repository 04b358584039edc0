/**
 * The leader's copy of the cluster, kept current from `watchCluster` events after one snapshot, so a pass
 * plans from memory instead of re-reading 100,000 units per event. Events are applied in revision order;
 * `seen` is the highest revision applied, which lets the loop wait until its own writes have come back before
 * planning again (otherwise it would re-plan units it just placed).
 */
import type { Assignment, ClusterEvent, ClusterSnapshot, MachineRecord, UnitRecord } from '@flotilla/core';
import type { Prior } from '../dirty.js';

export class ClusterCache {
  private readonly units = new Map<string, UnitRecord>();
  private readonly unitRevisions = new Map<string, string>();
  private readonly machines = new Map<string, MachineRecord>();
  private readonly schedule = new Map<string, string>();
  /** Every assignment: unit → machine → assignment (scheduled ones and global ones alike). */
  private readonly assignments = new Map<string, Map<string, Assignment>>();
  private seenRevision = 0n;

  constructor(snapshot: ClusterSnapshot) {
    for (const u of snapshot.units) this.units.set(u.name, u);
    for (const [name, rev] of snapshot.unitRevisions) this.unitRevisions.set(name, rev);
    for (const m of snapshot.machines) this.machines.set(m.id, m);
    for (const [unit, machineId] of snapshot.schedule) {
      this.schedule.set(unit, machineId);
      const u = this.units.get(unit);
      if (u) this.setAssignment({ unit, machineId, hash: u.hash, desiredState: u.desiredState });
    }
    for (const byMachine of snapshot.globalAssignments.values()) for (const a of byMachine.values()) this.setAssignment(a);
    this.seenRevision = BigInt(snapshot.revision);
  }

  /** Highest etcd revision this cache reflects. */
  get seen(): bigint {
    return this.seenRevision;
  }

  /** Applies `event`; returns what the cache held for its unit before (dirty.ts marks from it). */
  apply(event: ClusterEvent): Prior {
    const prior = this.priorOf(event);
    const revision = BigInt(event.revision);
    if (revision > this.seenRevision) this.seenRevision = revision;
    if (event.kind === 'unit') {
      if (event.type === 'put') {
        this.units.set(event.unit.name, event.unit);
        this.unitRevisions.set(event.unit.name, event.modRevision);
      } else {
        this.units.delete(event.name);
        this.unitRevisions.delete(event.name);
      }
    } else if (event.kind === 'machine') {
      if (event.type === 'put') this.machines.set(event.machine.id, event.machine);
      else this.machines.delete(event.id);
    } else if (event.kind === 'schedule') {
      if (event.type === 'put') this.schedule.set(event.unit, event.machineId);
      else this.schedule.delete(event.unit);
    } else if (event.type === 'put') {
      this.setAssignment(event.assignment);
    } else {
      const byMachine = this.assignments.get(event.unit);
      byMachine?.delete(event.machineId);
      if (byMachine?.size === 0) this.assignments.delete(event.unit);
    }
    return prior;
  }

  private priorOf(event: ClusterEvent): Prior {
    const name = event.kind === 'unit' ? (event.type === 'put' ? event.unit.name : event.name) : event.kind === 'schedule' ? event.unit : undefined;
    if (name === undefined) return {};
    const unit = this.units.get(name);
    const scheduledOn = this.schedule.get(name);
    return { ...(unit ? { unit } : {}), ...(scheduledOn !== undefined ? { scheduledOn } : {}) };
  }

  /** The cluster as a snapshot (what planSchedule takes); global assignments = those no schedule entry backs. */
  view(): ClusterSnapshot {
    const globalAssignments: ClusterSnapshot['globalAssignments'] = new Map();
    for (const [unit, byMachine] of this.assignments) {
      for (const [machineId, a] of byMachine) {
        if (this.schedule.get(unit) === machineId) continue;
        let entry = globalAssignments.get(unit);
        if (!entry) globalAssignments.set(unit, (entry = new Map()));
        entry.set(machineId, a);
      }
    }
    return {
      units: [...this.units.values()],
      machines: [...this.machines.values()],
      schedule: new Map(this.schedule),
      unitRevisions: new Map(this.unitRevisions),
      globalAssignments,
      revision: this.seenRevision.toString(),
    };
  }

  private setAssignment(a: Assignment): void {
    let byMachine = this.assignments.get(a.unit);
    if (!byMachine) this.assignments.set(a.unit, (byMachine = new Map()));
    byMachine.set(a.machineId, a);
  }
}

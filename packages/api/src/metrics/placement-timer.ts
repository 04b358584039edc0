/**
 * Placement latency from the cluster's own history, pure: a unit starts waiting when it wants to run
 * (desired loaded/launched) and has no schedule — submitted, started, or its machine died — and stops when a
 * schedule appears (a `schedule/` key, or in registry layout 2 a placed assignment). Fed with watchCluster events and the time they arrived; returns the waits that ended.
 * Global units have no schedule and are never timed.
 */
import { scheduleChangeOf, type ClusterEvent, type ClusterSnapshot } from '@flotilla/core';

export class PlacementTimer {
  /** unit → ms it started waiting. */
  private readonly waiting = new Map<string, number>();
  /** unit → the machine its schedule entry names. */
  private readonly scheduled = new Map<string, string>();
  private readonly wants = new Set<string>();

  /** Starts from a snapshot: units already waiting are timed from `now` (their real start is unknown). */
  constructor(snapshot: Pick<ClusterSnapshot, 'units' | 'schedule'>, now: number) {
    for (const [name, machineId] of snapshot.schedule) this.scheduled.set(name, machineId);
    for (const u of snapshot.units) if (!u.global && u.desiredState !== 'inactive') this.wants.add(u.name);
    for (const name of this.wants) if (!this.scheduled.has(name)) this.waiting.set(name, now);
  }

  /** Returns the placement latency in ms when this event ends a wait. */
  observe(event: ClusterEvent, now: number): number | undefined {
    if (event.kind === 'unit') {
      const name = event.type === 'put' ? event.unit.name : event.name;
      const wants = event.type === 'put' && !event.unit.global && event.unit.desiredState !== 'inactive';
      if (wants) this.wants.add(name);
      else this.wants.delete(name);
      this.update(name, now);
      return undefined;
    }
    // A schedule key, or a placed assignment (both layouts read the same: core's scheduleChangeOf).
    const change = scheduleChangeOf(event, (unit) => this.scheduled.get(unit));
    if (!change) return undefined;
    if (change.machineId === undefined) {
      this.scheduled.delete(change.unit);
      this.update(change.unit, now);
      return undefined;
    }
    this.scheduled.set(change.unit, change.machineId);
    const since = this.waiting.get(change.unit);
    this.waiting.delete(change.unit);
    return since === undefined ? undefined : Math.max(0, now - since);
  }

  private update(name: string, now: number): void {
    if (this.wants.has(name) && !this.scheduled.has(name)) {
      if (!this.waiting.has(name)) this.waiting.set(name, now);
    } else this.waiting.delete(name);
  }
}

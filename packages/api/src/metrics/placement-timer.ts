/**
 * Placement latency from the cluster's own history, pure: a unit starts waiting when it wants to run
 * (desired loaded/launched) and has no schedule — submitted, started, or its machine died — and stops when a
 * schedule appears. Fed with watchCluster events and the time they arrived; returns the waits that ended.
 * Global units have no schedule and are never timed.
 */
import type { ClusterEvent, ClusterSnapshot } from '@flotilla/core';

export class PlacementTimer {
  /** unit → ms it started waiting. */
  private readonly waiting = new Map<string, number>();
  private readonly scheduled = new Set<string>();
  private readonly wants = new Set<string>();

  /** Starts from a snapshot: units already waiting are timed from `now` (their real start is unknown). */
  constructor(snapshot: Pick<ClusterSnapshot, 'units' | 'schedule'>, now: number) {
    for (const name of snapshot.schedule.keys()) this.scheduled.add(name);
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
    if (event.kind !== 'schedule') return undefined;
    if (event.type === 'delete') {
      this.scheduled.delete(event.unit);
      this.update(event.unit, now);
      return undefined;
    }
    this.scheduled.add(event.unit);
    const since = this.waiting.get(event.unit);
    this.waiting.delete(event.unit);
    return since === undefined ? undefined : Math.max(0, now - since);
  }

  private update(name: string, now: number): void {
    if (this.wants.has(name) && !this.scheduled.has(name)) {
      if (!this.waiting.has(name)) this.waiting.set(name, now);
    } else this.waiting.delete(name);
  }
}

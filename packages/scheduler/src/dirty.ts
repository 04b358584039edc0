/**
 * What a cluster event can change in a plan, pure (incremental planning, docs/scheduler.md). Events mark units
 * and machines dirty; `expandScope` (plan-scope.ts) turns that into the units a plan must look at. The rules
 * are conservative: a unit whose placement could change is always marked, at the price of a few that cannot.
 * - a unit: itself; if it was scheduled, its machine (the units beside it: Conflicts, resources); if it is or
 *   was global, every machine's global units; if it occupied room (scheduled or global), a retry of every
 *   unscheduled unit (freed room may make them fit).
 * - a machine (joined, left, metadata or capacity changed): the units on it and the global units there, and a
 *   retry of unscheduled units when it joined or changed (it may fit them now).
 * - a schedule or assignment entry written by someone else: the unit and both machines.
 */
import type { ClusterEvent, UnitRecord } from '@flotilla/core';

export interface Dirty {
  /** Plan everything (term start, re-read, conflict, the periodic safety net). */
  full: boolean;
  units: Set<string>;
  machines: Set<string>;
  /** Global units must be re-evaluated on every machine. */
  globals: boolean;
  /** Every unscheduled unit must be tried again (room was freed or a machine joined). */
  retryUnscheduled: boolean;
}

/** What the cache held for the event's unit before applying it. */
export interface Prior {
  unit?: UnitRecord;
  /** The unit's `schedule/` machine before the event. */
  scheduledOn?: string;
}

export function emptyDirty(full = false): Dirty {
  return { full, units: new Set(), machines: new Set(), globals: false, retryUnscheduled: false };
}

export function isClean(d: Dirty): boolean {
  return !d.full && d.units.size === 0 && d.machines.size === 0 && !d.globals && !d.retryUnscheduled;
}

export function markEvent(d: Dirty, event: ClusterEvent, prior: Prior): void {
  switch (event.kind) {
    case 'unit': {
      const name = event.type === 'put' ? event.unit.name : event.name;
      d.units.add(name);
      if (event.type === 'put' && event.unit.global) d.globals = true;
      if (!prior.unit) return;
      if (prior.scheduledOn !== undefined) freed(d, prior.scheduledOn);
      if (prior.unit.global) {
        d.globals = true;
        d.retryUnscheduled = true;
      }
      return;
    }
    case 'machine':
      if (event.type === 'put') {
        d.machines.add(event.machine.id);
        d.retryUnscheduled = true;
      } else d.machines.add(event.id);
      return;
    case 'schedule':
      d.units.add(event.unit);
      if (event.type === 'put') d.machines.add(event.machineId);
      if (prior.scheduledOn !== undefined && (event.type === 'delete' || prior.scheduledOn !== event.machineId)) freed(d, prior.scheduledOn);
      return;
    case 'assignment': {
      const unit = event.type === 'put' ? event.assignment.unit : event.unit;
      const machineId = event.type === 'put' ? event.assignment.machineId : event.machineId;
      d.units.add(unit);
      d.machines.add(machineId);
      if (event.type === 'delete') d.retryUnscheduled = true;
      return;
    }
  }
}

function freed(d: Dirty, machineId: string): void {
  d.machines.add(machineId);
  d.retryUnscheduled = true;
}

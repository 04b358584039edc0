/**
 * What changed between two health reports, as the dashboard's live stream sends it: the summary whole (it is
 * small), units and machines as upserts and removals by name, and log entries not sent before. Pure; at
 * 10,000 units a change of one unit is one small message, not the whole report.
 */
import type { ClusterLogEvent } from '@flotilla/core';
import type { HealthCounts, HealthReport, MachineHealth, Problem, ServiceHealth, UnitHealth } from './types.js';

export interface HealthSummary {
  generatedAt: number;
  status: HealthReport['status'];
  leader: string | null;
  problems: Problem[];
  counts: HealthCounts;
}

export interface HealthDelta {
  summary: HealthSummary;
  units: { upsert: UnitHealth[]; remove: string[] };
  machines: { upsert: MachineHealth[]; remove: string[] };
  /** Services and global units (their deployment's progress included): few, so compared whole. */
  services: { upsert: ServiceHealth[]; remove: string[] };
  events: ClusterLogEvent[];
}

export function summaryOf(r: HealthReport): HealthSummary {
  return { generatedAt: r.generatedAt, status: r.status, leader: r.leader, problems: r.problems, counts: r.counts };
}

/** Items are small and flat: equal when every field is (metadata/capacity objects compared by JSON). */
function sameFields<T extends object>(a: T, b: T): boolean {
  const ka = Object.keys(a) as (keyof T)[];
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k] || (typeof a[k] === 'object' && JSON.stringify(a[k]) === JSON.stringify(b[k])));
}

function changes<T extends object>(prev: readonly T[], next: readonly T[], key: (item: T) => string): { upsert: T[]; remove: string[] } {
  const before = new Map(prev.map((item) => [key(item), item]));
  const upsert = next.filter((item) => {
    const old = before.get(key(item));
    return old === undefined || !sameFields(old, item);
  });
  const present = new Set(next.map(key));
  const remove = [...before.keys()].filter((k) => !present.has(k));
  return { upsert, remove };
}

/** Ignores `lastSeen` of up machines, which is the report's generation time and changes every time. */
function machineKey(m: MachineHealth): MachineHealth {
  return m.status === 'up' ? { ...m, lastSeen: 0 } : m;
}

export function diffHealth(prev: HealthReport, next: HealthReport): HealthDelta {
  const seen = new Set(prev.events.map((e) => e.id));
  const machines = changes(prev.machines.map(machineKey), next.machines.map(machineKey), (m) => m.id);
  const byId = new Map(next.machines.map((m) => [m.id, m]));
  return {
    summary: summaryOf(next),
    units: changes(prev.units, next.units, (u) => u.name),
    machines: { upsert: machines.upsert.map((m) => byId.get(m.id) as MachineHealth), remove: machines.remove },
    services: changes(prev.services, next.services, (s) => s.name),
    events: next.events.filter((e) => !seen.has(e.id)),
  };
}

export function isEmptyDelta(d: HealthDelta): boolean {
  return d.units.upsert.length + d.units.remove.length + d.machines.upsert.length + d.machines.remove.length + d.services.upsert.length + d.services.remove.length + d.events.length === 0;
}

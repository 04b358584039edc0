/**
 * `flotilla health`'s one-screen text: a status line, the leader, machine and unit counts, then the problems
 * (at most `maxProblems`, with how many more), the services (instances running of the count, version, latest
 * deployment), restarted units and the last few log entries. Pure.
 */
import type { ClusterLogEvent } from '@flotilla/core';
import { eventSentence } from './event-sentence.js';
import type { HealthReport, MachineHealth, ServiceHealth, UnitHealth } from './types.js';

export interface SummaryOptions {
  maxProblems?: number;
  maxEvents?: number;
  /** Units with restarts listed (most restarts first); default 5. */
  maxRestarted?: number;
  /** Services listed (by name); default 10. */
  maxServices?: number;
}

/** An entry as `flotilla health` prints it: machines by hostname where the report lists them. */
export function describeEvent(e: ClusterLogEvent, machines: readonly Pick<MachineHealth, 'id' | 'hostname'>[] = []): string {
  const hostnames = new Map(machines.map((m) => [m.id, m.hostname]));
  return eventSentence(e, (id) => (id === undefined ? '?' : hostnames.get(id) || id));
}

/** `, 1 cordoned, 1 draining`: machines taking no new units (docs/machine-lifecycle.md); '' when none. */
function unschedulable(r: HealthReport): string {
  const counts = new Map<string, number>();
  for (const m of r.machines) if (m.scheduling && m.scheduling !== 'schedulable') counts.set(m.scheduling, (counts.get(m.scheduling) ?? 0) + 1);
  return ['cordoned', 'draining', 'drained'].map((s) => (counts.has(s) ? `, ${counts.get(s)} ${s}` : '')).join('');
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function renderHealthSummary(r: HealthReport, opts: SummaryOptions = {}): string {
  const maxProblems = opts.maxProblems ?? 10;
  const maxEvents = opts.maxEvents ?? 5;
  const u = r.counts.units;
  const lines = [
    `Cluster: ${r.status === 'ok' ? 'OK' : 'NEEDS ATTENTION'}`,
    `Leader: ${r.leader ?? '(none)'}`,
    `Machines: ${r.counts.machines.up} up, ${r.counts.machines.down} down${unschedulable(r)}`,
    `Units: ${u.total} total, ${u.ok} ok, ${u.pending} pending, ${u.failed} failed, ${u.unscheduled} unscheduled, ${u.lost} lost, ${u.unhealthy} unhealthy, ${u.inactive} inactive`,
  ];
  if (r.problems.length > 0) {
    lines.push('', 'Problems:');
    for (const p of r.problems.slice(0, maxProblems)) lines.push(`  ${p.kind.padEnd(16)} ${p.detail}`);
    if (r.problems.length > maxProblems) lines.push(`  … and ${r.problems.length - maxProblems} more (-o json lists all)`);
  }
  lines.push(...serviceLines(r.services, opts.maxServices ?? 10));
  lines.push(...restartedLines(r.units, opts.maxRestarted ?? 5));
  const recent = r.events.slice(-maxEvents);
  if (recent.length > 0) {
    lines.push('', 'Recent events:');
    for (const e of recent) lines.push(`  ${isoTime(e.at)}  ${describeEvent(e, r.machines)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Units systemd restarted, most restarts first (then by name), with since when they are in their state. */
function restartedLines(units: readonly UnitHealth[], max: number): string[] {
  const restarted = units.filter((u) => (u.restarts ?? 0) > 0).sort((a, b) => (b.restarts ?? 0) - (a.restarts ?? 0) || (a.name < b.name ? -1 : 1));
  if (restarted.length === 0) return [];
  const lines = ['', 'Restarted units:'];
  for (const u of restarted.slice(0, max)) {
    const since = u.since !== undefined ? `, ${u.activeState ?? u.actual} since ${isoTime(u.since)}` : '';
    lines.push(`  ${u.name.padEnd(24)} ${u.restarts} restarts${u.machineId ? ` on ${u.machineId}` : ''}${since}`);
  }
  if (restarted.length > max) lines.push(`  … and ${restarted.length - max} more`);
  return lines;
}

/** `app@.service  2/3 running, version 1a2b3c4, deployment app-2 running (1/3 healthy)`: what a service does now. */
function serviceLines(services: readonly ServiceHealth[], max: number): string[] {
  if (services.length === 0) return [];
  const lines = ['', 'Services:'];
  for (const s of services.slice(0, max)) {
    const d = s.deployment;
    const deployment = d === undefined ? '' : `, deployment ${d.id} ${d.state}${d.active ? ` (${d.healthy}/${d.total} healthy${d.waitingPromotion ? ', waiting for promote' : ''})` : ''}`;
    lines.push(`  ${s.name.padEnd(24)} ${s.running}/${s.desired} running${s.kind === 'global' ? ' (global)' : ''}, version ${s.hash.slice(0, 7)}${deployment}`);
  }
  if (services.length > max) lines.push(`  … and ${services.length - max} more (-o json lists all)`);
  return lines;
}

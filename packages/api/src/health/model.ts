/**
 * The pure health model: one snapshot + published states + leader + event log in, the health report out.
 * No clock (the caller passes `now`), no I/O. Indexes are built once, so 10,000 units cost one pass each.
 */
import { machineSchedulingState, nonGlobalUnitCounts, parseRequests, type MachineCapacity, type MachineRecord, type UnitRecord, type UnitStateRecord } from '@flotilla/core';
import type { ActualState, HealthCounts, HealthInput, HealthReport, MachineHealth, Problem, UnitHealth, UnitHealthStatus } from './types.js';
import { PROBLEM_ORDER, byName } from './order.js';
import { servicesOf } from './services.js';
import { actualOf, checkOf, restartsOf, sinceOf } from './unit-state.js';

export { actualOf } from './unit-state.js';

interface Index {
  live: Map<string, MachineRecord>;
  /** unit → machine → state */
  states: Map<string, Map<string, UnitStateRecord>>;
}

function indexInput(input: HealthInput): Index {
  const live = new Map(input.machines.map((m) => [m.id, m]));
  const states = new Map<string, Map<string, UnitStateRecord>>();
  for (const s of input.states) {
    let byMachine = states.get(s.unit);
    if (!byMachine) states.set(s.unit, (byMachine = new Map()));
    byMachine.set(s.machineId, s);
  }
  return { live, states };
}

/** A launched unit whose health check says unhealthy is `unhealthy`, not `ok`. */
function healthOf(unit: UnitRecord, state: UnitStateRecord | undefined): UnitHealthStatus {
  const actual = actualOf(state);
  if (unit.desiredState === 'inactive') return 'inactive';
  if (actual === 'failed') return 'failed';
  if (unit.desiredState === 'launched') return actual !== 'launched' ? 'pending' : checkOf(state) === 'unhealthy' ? 'unhealthy' : 'ok';
  return actual === 'inactive' ? 'pending' : 'ok';
}

/** Built as one literal (no spreads): this runs 10,000 times per report. */
function placedUnit(unit: UnitRecord, input: HealthInput, ix: Index): UnitHealth {
  const machineId = input.schedule.get(unit.name);
  if (machineId === undefined) {
    const health = unit.desiredState === 'inactive' ? 'inactive' : 'unscheduled';
    return { name: unit.name, desired: unit.desiredState, global: false, actual: 'inactive', health };
  }
  const state = ix.states.get(unit.name)?.get(machineId);
  const actual = actualOf(state);
  const health = ix.live.has(machineId) || unit.desiredState === 'inactive' ? healthOf(unit, state) : 'lost';
  const placed: UnitHealth = { name: unit.name, desired: unit.desiredState, global: false, machineId, actual, health };
  if (state) addStateFacts(placed, state);
  return placed;
}

function addStateFacts(placed: UnitHealth, state: UnitStateRecord): void {
  placed.activeState = state.activeState;
  placed.subState = state.subState;
  placed.since = sinceOf(state);
  if (state.restarts !== undefined) placed.restarts = state.restarts;
  const check = checkOf(state);
  if (check !== undefined) placed.check = check;
}

/** A global unit is failed if it failed anywhere, ok if it is in the desired state everywhere it is assigned. */
function globalUnit(unit: UnitRecord, input: HealthInput, ix: Index): UnitHealth {
  const assigned = [...(input.globalAssignments.get(unit.name)?.keys() ?? [])].filter((m) => ix.live.has(m));
  const states = assigned.map((m) => ix.states.get(unit.name)?.get(m));
  const healths = states.map((s) => healthOf(unit, s));
  const health = globalHealthOf(unit, healths);
  const settled = health === 'ok' || health === 'unhealthy';
  const actual: ActualState = health === 'failed' ? 'failed' : healths.length > 0 && settled ? actualOf(states[0]) : 'inactive';
  const global: UnitHealth = { name: unit.name, desired: unit.desiredState, actual, health, global: true, machines: assigned.length };
  const restarts = restartsOf(states);
  if (restarts !== undefined) global.restarts = restarts;
  return global;
}

function globalHealthOf(unit: UnitRecord, healths: readonly UnitHealthStatus[]): UnitHealthStatus {
  if (unit.desiredState === 'inactive') return 'inactive';
  if (healths.includes('failed')) return 'failed';
  if (!healths.every((h) => h === 'ok' || h === 'unhealthy')) return 'pending';
  return healths.includes('unhealthy') ? 'unhealthy' : 'ok';
}

/** Machines down: reported lost (last log entry for it is machine-lost) or still holding placements. */
function machinesOf(input: HealthInput, ix: Index, units: readonly UnitHealth[]): MachineHealth[] {
  const placed = new Map<string, number>();
  const used = new Map<string, MachineCapacity>();
  const records = new Map(input.units.map((u) => [u.name, u]));
  const count = (m: string, unitName: string) => {
    placed.set(m, (placed.get(m) ?? 0) + 1);
    const record = records.get(unitName);
    if (record) addUse(used, m, parseRequests(record.options));
  };
  for (const u of units) if (u.machineId) count(u.machineId, u.name);
  for (const [unitName, byMachine] of input.globalAssignments) for (const m of byMachine.keys()) count(m, unitName);
  const lostAt = new Map<string, number | undefined>();
  for (const e of input.events) {
    if (!e.machineId) continue;
    if (e.kind === 'machine-lost') lostAt.set(e.machineId, e.at);
    else if (e.kind === 'machine-joined') lostAt.delete(e.machineId);
  }
  for (const m of placed.keys()) if (!lostAt.has(m)) lostAt.set(m, undefined);
  const nonGlobal = nonGlobalUnitCounts(input.units, input.schedule);
  const up: MachineHealth[] = input.machines.map((m) => ({
    id: m.id, status: 'up', hostname: m.hostname, ip: m.ip, metadata: m.metadata, lastSeen: input.now,
    startedAt: m.startedAt, units: placed.get(m.id) ?? 0,
    ...(m.capacity ? { capacity: m.capacity } : {}), ...(used.has(m.id) ? { used: used.get(m.id)! } : {}),
    ...(m.apiUrl ? { apiUrl: m.apiUrl } : {}),
    scheduling: machineSchedulingState(m, nonGlobal.get(m.id) ?? 0), ...(m.cordon ? { cordon: m.cordon } : {}),
  }));
  const down: MachineHealth[] = [...lostAt]
    .filter(([id]) => !ix.live.has(id))
    .map(([id, at]) => ({ id, status: 'down', metadata: {}, units: placed.get(id) ?? 0, ...(at !== undefined ? { lastSeen: at } : {}) }));
  return [...up, ...down].sort(byName((m) => m.id));
}

/** Adds a unit's requests to its machine's use; a unit that requests nothing leaves no entry. */
function addUse(used: Map<string, MachineCapacity>, machineId: string, requests: MachineCapacity): void {
  if (requests.cpuMillis === 0 && requests.memoryBytes === 0) return;
  const sum = used.get(machineId) ?? { cpuMillis: 0, memoryBytes: 0 };
  used.set(machineId, { cpuMillis: sum.cpuMillis + requests.cpuMillis, memoryBytes: sum.memoryBytes + requests.memoryBytes });
}

function problemsOf(leader: string | undefined, machines: readonly MachineHealth[], units: readonly UnitHealth[]): Problem[] {
  const problems: Problem[] = [];
  if (leader === undefined) problems.push({ kind: 'no-leader', subject: '', detail: 'no scheduler is elected' });
  for (const m of machines) {
    if (m.status === 'down') problems.push({ kind: 'machine-lost', subject: m.id, detail: `machine ${m.id} is gone (${m.units} units placed on it)` });
  }
  for (const u of units) {
    if (u.health === 'failed') problems.push({ kind: 'unit-failed', subject: u.name, detail: `${u.name} failed${u.machineId ? ` on ${u.machineId}` : ''}` });
    if (u.health === 'unscheduled') problems.push({ kind: 'unit-unscheduled', subject: u.name, detail: `${u.name} wants ${u.desired} but is placed nowhere` });
    if (u.health === 'unhealthy') problems.push({ kind: 'unit-unhealthy', subject: u.name, detail: `${u.name} is running but its health check fails` });
    if (u.health === 'lost') problems.push({ kind: 'unit-lost', subject: u.name, detail: `${u.name} is placed on lost machine ${u.machineId}` });
  }
  return problems.sort((a, b) => PROBLEM_ORDER[a.kind] - PROBLEM_ORDER[b.kind] || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
}

export function countsOf(machines: readonly MachineHealth[], units: readonly UnitHealth[]): HealthCounts {
  const counts: HealthCounts = {
    machines: { up: 0, down: 0 },
    units: { total: units.length, ok: 0, inactive: 0, pending: 0, failed: 0, unscheduled: 0, lost: 0, unhealthy: 0 },
  };
  const byHealth = new Map<UnitHealthStatus, number>();
  for (const u of units) byHealth.set(u.health, (byHealth.get(u.health) ?? 0) + 1);
  for (const [health, n] of byHealth) counts.units[health] = n;
  for (const m of machines) counts.machines[m.status]++;
  return counts;
}

/** Global unit → its live assigned machines and how many of them run it. */
function globalRunningOf(input: HealthInput, ix: Index): Map<string, { assigned: number; running: number }> {
  const out = new Map<string, { assigned: number; running: number }>();
  for (const u of input.units) {
    if (!u.global) continue;
    const assigned = [...(input.globalAssignments.get(u.name)?.keys() ?? [])].filter((m) => ix.live.has(m));
    out.set(u.name, { assigned: assigned.length, running: assigned.filter((m) => actualOf(ix.states.get(u.name)?.get(m)) === 'launched').length });
  }
  return out;
}

export function buildHealth(input: HealthInput): HealthReport {
  const ix = indexInput(input);
  const units = input.units.map((u) => (u.global ? globalUnit(u, input, ix) : placedUnit(u, input, ix))).sort(byName((u) => u.name));
  const machines = machinesOf(input, ix, units);
  const problems = problemsOf(input.leader, machines, units);
  return {
    generatedAt: input.now,
    status: problems.length > 0 ? 'attention' : 'ok',
    leader: input.leader ?? null,
    problems,
    counts: countsOf(machines, units),
    machines,
    units,
    services: servicesOf({
      units: input.units,
      services: input.services ?? [],
      deployments: input.deployments ?? [],
      health: new Map(units.map((u) => [u.name, u])),
      globalRunning: globalRunningOf(input, ix),
    }),
    events: [...input.events],
  };
}

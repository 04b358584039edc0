/**
 * Properties of planSchedule over random clusters (fast-check): applying a plan never breaks a rule
 * (MachineID, metadata, MachineOf, Conflicts both ways, capacity, global placement), the same snapshot
 * always gives the same plan, and the queue walk picks the machine a full evaluation would.
 */
import fc from 'fast-check';
import type { ClusterSnapshot, MachineRecord, UnitRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { planSchedule, type SchedulePlan } from './plan.js';
import { unitsConflict } from './placement/filters/conflicts.js';
import { machineIdMatches } from './placement/filters/machine-id.js';
import { metadataMatches } from './placement/filters/metadata.js';
import { MachineQueue } from './placement/machine-queue.js';
import { defaultPlacementConfig, place, placeFirst } from './placement/place.js';
import { requirementsOf } from './placement/requirements.js';
import { requestsOf } from './placement/resources.js';
import { placementStateFrom } from './placement/state.js';
import { capacity, machine, snapshot, unit } from './test-support/builders.js';

const ROLES = ['a', 'b'];

const machineArb = fc.record({
  role: fc.constantFrom(...ROLES),
  limited: fc.boolean(),
});

const unitArb = fc.record({
  role: fc.option(fc.constantFrom(...ROLES), { nil: undefined }),
  conflicts: fc.option(fc.constantFrom('u1*', 'u2*', 'u*'), { nil: undefined }),
  pin: fc.option(fc.nat(5), { nil: undefined }),
  peer: fc.option(fc.nat(9), { nil: undefined }),
  memoryG: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  global: fc.boolean(),
  placedOn: fc.option(fc.nat(7), { nil: undefined }),
});

const clusterArb = fc.record({
  machines: fc.array(machineArb, { minLength: 0, maxLength: 6 }),
  units: fc.array(unitArb, { minLength: 0, maxLength: 10 }),
});

type Cluster = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Cluster): ClusterSnapshot {
  const machines = c.machines.map((m, i) => machine(`m${i}`, { role: m.role }, m.limited ? capacity(2, 4096) : undefined));
  const schedule: Record<string, string> = {};
  const units = c.units.map((u, i) => {
    const name = `u${i}.service`;
    let b = unit(name);
    if (u.global) b = b.global();
    if (u.role) b = b.metadata(`role=${u.role}`);
    if (u.conflicts) b = b.conflicts(u.conflicts);
    if (!u.global && u.pin !== undefined) b = b.machineId(`m${u.pin}`);
    if (!u.global && u.peer !== undefined && u.peer !== i) b = b.machineOf(`u${u.peer}.service`);
    if (u.memoryG) b = b.service('MemoryMax', `${u.memoryG}G`);
    if (!u.global && u.placedOn !== undefined) schedule[name] = `m${u.placedOn}`;
    return b;
  });
  return snapshot({ units, machines, schedule });
}

/** unit → machines after the plan's decisions. */
function applied(snap: ClusterSnapshot, plan: SchedulePlan): Map<string, Set<string>> {
  const on = new Map<string, Set<string>>();
  const at = (u: string) => on.get(u) ?? on.set(u, new Set()).get(u)!;
  for (const [u, m] of snap.schedule) at(u).add(m);
  for (const [u, byMachine] of snap.globalAssignments) for (const m of byMachine.keys()) at(u).add(m);
  for (const d of plan.decisions) {
    if (d.kind === 'assign' || d.kind === 'assign-global') at(d.unit).add(d.machineId);
    else at(d.unit).delete(d.machineId);
  }
  return on;
}

function violations(snap: ClusterSnapshot, plan: SchedulePlan): string[] {
  const units = new Map(snap.units.map((u) => [u.name, u]));
  const machines = new Map(snap.machines.map((m) => [m.id, m]));
  const byMachine = new Map<string, UnitRecord[]>();
  const found: string[] = [];
  for (const [name, where] of applied(snap, plan)) {
    const u = units.get(name);
    if (where.size > 0 && !u) found.push(`${name} is gone but assigned`);
    if (!u) continue;
    if (!u.global && where.size > 1) found.push(`${name} on ${where.size} machines`);
    for (const id of where) {
      const m = machines.get(id);
      if (!m) found.push(`${name} on missing ${id}`);
      else byMachine.set(id, [...(byMachine.get(id) ?? []), u]);
      if (m) found.push(...unitViolations(u, m));
    }
  }
  for (const [id, list] of byMachine) found.push(...machineViolations(machines.get(id) as MachineRecord, list));
  return found;
}

function unitViolations(u: UnitRecord, m: MachineRecord): string[] {
  const req = requirementsOf(u);
  const out: string[] = [];
  if (req.machineId !== undefined && !machineIdMatches(m, req.machineId)) out.push(`${u.name} not on its MachineID`);
  if (!metadataMatches(m, req.metadata)) out.push(`${u.name} on ${m.id} against metadata`);
  return out;
}

function machineViolations(m: MachineRecord, list: UnitRecord[]): string[] {
  const out: string[] = [];
  const names = new Set(list.map((u) => u.name));
  for (const u of list) {
    for (const peer of requirementsOf(u).machineOf) if (!names.has(peer)) out.push(`${u.name} on ${m.id} without peer ${peer}`);
    for (const o of list) if (unitsConflict(u, o)) out.push(`${u.name} and ${o.name} conflict on ${m.id}`);
  }
  const memory = list.reduce((sum, u) => sum + requestsOf(u).memoryBytes, 0);
  if (m.capacity && memory > m.capacity.memoryBytes) out.push(`${m.id} memory overcommitted`);
  return out;
}

describe('planSchedule properties', () => {
  test('no plan breaks a rule; every unit that should run is placed or reported', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        const snap = build(c);
        const plan = planSchedule(snap);
        expect(violations(snap, plan)).toEqual([]);
        // Placed units (non-global, wanted) are either scheduled or reported unplaceable.
        const on = applied(snap, plan);
        const reported = new Set(plan.unplaceable.map((u) => u.unit));
        for (const u of snap.units) if (!u.global && (on.get(u.name)?.size ?? 0) === 0) expect(reported.has(u.name)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('rebalancing never breaks a rule either', () => {
    fc.assert(
      fc.property(clusterArb, fc.integer({ min: 1, max: 5 }), (c, maxMoves) => {
        const snap = build(c);
        expect(violations(snap, planSchedule(snap, defaultPlacementConfig(), { rebalance: { maxMoves } }))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  test('the same snapshot gives the same plan', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        expect(planSchedule(build(c))).toEqual(planSchedule(build(c)));
      }),
      { numRuns: 200 },
    );
  });

  test('placeFirst picks what place picks, and leaves the queue as it was', () => {
    fc.assert(
      fc.property(clusterArb, fc.constantFrom('spread', 'binpack'), (c, score) => {
        const snap = build(c);
        const state = placementStateFrom(snap);
        const config = defaultPlacementConfig(score);
        const queue = new MachineQueue(snap.machines, state, config.score);
        for (const u of snap.units) {
          const full = place(u, snap.machines, state, config);
          expect(placeFirst(u, queue, state, config)).toBe(full.placed ? full.machineId : undefined);
        }
        expect(queue.size).toBe(snap.machines.length);
      }),
      { numRuns: 200 },
    );
  });
});

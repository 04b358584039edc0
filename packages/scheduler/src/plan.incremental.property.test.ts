/**
 * Incremental planning (plan-scope.ts, dirty.ts) against the full plan, fast-check: from a settled cluster (full
 * plans applied until one decides nothing), a random sequence of events (units added, changed, started, stopped,
 * destroyed; machines joined, lost, relabelled) is applied to the leader's ClusterCache, marking dirty what each
 * event affects. The plan of that scope must make exactly the decisions of a full plan of the same snapshot, and
 * report nothing unplaceable that the full plan does not; so must the same scope planned from the leader's live
 * placement state.
 */
import fc from 'fast-check';
import type { ClusterEvent, ClusterSnapshot, UnitRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { emptyDirty, markEvent, type Dirty } from './dirty.js';
import { ClusterCache } from './loop/cluster-cache.js';
import { planSchedule, type Decision } from './plan.js';
import type { PlacementState } from './placement/types.js';
import { capacity, machine, snapshot, unit } from './test-support/builders.js';

const ROLES = ['a', 'b'];

const specArb = fc.record({
  role: fc.option(fc.constantFrom(...ROLES), { nil: undefined }),
  conflicts: fc.option(fc.constantFrom('u1*', 'u2*', 'u*'), { nil: undefined }),
  pin: fc.option(fc.nat(7), { nil: undefined }),
  peer: fc.option(fc.nat(11), { nil: undefined }),
  memoryG: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  global: fc.boolean(),
  inactive: fc.boolean(),
});
type Spec = typeof specArb extends fc.Arbitrary<infer T> ? T : never;

const machineArb = fc.record({ role: fc.constantFrom(...ROLES), limited: fc.boolean() });

const eventArb = fc.oneof(
  fc.record({ op: fc.constant('submit' as const), spec: specArb }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(11), spec: specArb }),
  fc.record({ op: fc.constant('desired' as const), at: fc.nat(11), inactive: fc.boolean() }),
  fc.record({ op: fc.constant('destroy' as const), at: fc.nat(11) }),
  fc.record({ op: fc.constant('join' as const), m: machineArb }),
  fc.record({ op: fc.constant('leave' as const), at: fc.nat(7) }),
  fc.record({ op: fc.constant('relabel' as const), at: fc.nat(7), role: fc.constantFrom(...ROLES) }),
);
type Op = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function unitOf(name: string, s: Spec): UnitRecord {
  let b = unit(name);
  if (s.global) b = b.global();
  if (s.role) b = b.metadata(`role=${s.role}`);
  if (s.conflicts) b = b.conflicts(s.conflicts);
  if (!s.global && s.pin !== undefined) b = b.machineId(`m${s.pin}`);
  if (!s.global && s.peer !== undefined && `u${s.peer}.service` !== name) b = b.machineOf(`u${s.peer}.service`);
  if (s.memoryG) b = b.service('MemoryMax', `${s.memoryG}G`);
  if (s.inactive) b = b.state('inactive');
  return { ...b.build(), hash: `hash-${name}-${JSON.stringify(s)}` };
}

function machineOf(id: string, m: { role: string; limited: boolean }) {
  return machine(id, { role: m.role }, m.limited ? capacity(2, 4096) : undefined);
}

/** A placement state's per-machine lists, by name (a copy: later changes to the state do not show in it). */
function listed(state: PlacementState) {
  const names = (index: ReadonlyMap<string, readonly UnitRecord[]>) => [...index].map(([m, units]) => [m, units.map((u) => u.name)]);
  return { unitsOn: names(state.unitsOn), declaringConflictsOn: names(state.declaringConflictsOn) };
}

let revision = 1000;
const rev = () => String(++revision);

/** The watch events a plan's writes produce (what the leader sees of its own writes: never marked dirty). */
function echoes(decisions: readonly Decision[], units: ReadonlyMap<string, UnitRecord>): ClusterEvent[] {
  return decisions.flatMap((d): ClusterEvent[] => {
    const u = units.get(d.unit);
    const assignment = { unit: d.unit, machineId: d.machineId, hash: u?.hash ?? '', desiredState: u?.desiredState ?? 'launched' };
    switch (d.kind) {
      case 'assign':
        return [{ kind: 'schedule', type: 'put', unit: d.unit, machineId: d.machineId, revision: rev() }, { kind: 'assignment', type: 'put', assignment, revision: rev() }];
      case 'unassign':
        return [{ kind: 'schedule', type: 'delete', unit: d.unit, revision: rev() }, { kind: 'assignment', type: 'delete', unit: d.unit, machineId: d.machineId, revision: rev() }];
      case 'assign-global':
      case 'refresh':
        return [{ kind: 'assignment', type: 'put', assignment, revision: rev() }];
      case 'unassign-global':
        return [{ kind: 'assignment', type: 'delete', unit: d.unit, machineId: d.machineId, revision: rev() }];
    }
  });
}

/** The events a registry operation writes (one transaction each, as the registry does). */
function eventsOf(op: Op, view: ClusterSnapshot, next: () => number): ClusterEvent[] {
  const unitAt = (i: number) => view.units[i % Math.max(1, view.units.length)];
  const assignmentsOf = (name: string) => [
    ...(view.schedule.has(name) ? [view.schedule.get(name) as string] : []),
    ...(view.globalAssignments.get(name)?.keys() ?? []),
  ];
  const dropAssignments = (name: string): ClusterEvent[] => [
    ...(view.schedule.has(name) ? [{ kind: 'schedule' as const, type: 'delete' as const, unit: name, revision: rev() }] : []),
    ...assignmentsOf(name).map((machineId) => ({ kind: 'assignment' as const, type: 'delete' as const, unit: name, machineId, revision: rev() })),
  ];
  switch (op.op) {
    case 'submit': {
      const r = rev();
      return [{ kind: 'unit', type: 'put', unit: unitOf(`u${next()}.service`, op.spec), modRevision: r, revision: r }];
    }
    case 'replace': {
      const u = unitAt(op.at);
      if (!u) return [];
      const r = rev();
      return [{ kind: 'unit', type: 'put', unit: unitOf(u.name, op.spec), modRevision: r, revision: r }];
    }
    case 'desired': {
      const u = unitAt(op.at);
      if (!u) return [];
      const r = rev();
      const changed: UnitRecord = { ...u, desiredState: op.inactive ? 'inactive' : 'launched' };
      return [{ kind: 'unit', type: 'put', unit: changed, modRevision: r, revision: r }, ...(op.inactive ? dropAssignments(u.name) : [])];
    }
    case 'destroy': {
      const u = unitAt(op.at);
      return u ? [{ kind: 'unit', type: 'delete', name: u.name, revision: rev() }, ...dropAssignments(u.name)] : [];
    }
    case 'join':
      return [{ kind: 'machine', type: 'put', machine: machineOf(`m${next()}`, op.m), revision: rev() }];
    case 'leave': {
      const m = view.machines[op.at % Math.max(1, view.machines.length)];
      return m ? [{ kind: 'machine', type: 'delete', id: m.id, revision: rev() }] : [];
    }
    case 'relabel': {
      const m = view.machines[op.at % Math.max(1, view.machines.length)];
      return m ? [{ kind: 'machine', type: 'put', machine: { ...m, metadata: { role: op.role } }, revision: rev() }] : [];
    }
  }
}

/** Applies full plans until one decides nothing; undefined if that takes more than 5 plans. */
function settle(cache: ClusterCache): boolean {
  for (let i = 0; i < 5; i++) {
    const view = cache.view();
    const plan = planSchedule(view);
    if (plan.decisions.length === 0) return true;
    for (const e of echoes(plan.decisions, new Map(view.units.map((u) => [u.name, u])))) cache.apply(e);
  }
  return false;
}

function scopeOf(d: Dirty) {
  return { units: d.units, machines: d.machines, globals: d.globals, retryUnscheduled: d.retryUnscheduled };
}

describe('incremental planning', () => {
  test('after random events, the plan of what they marked dirty equals the full plan', () => {
    fc.assert(
      fc.property(
        fc.array(machineArb, { maxLength: 6 }),
        fc.array(specArb, { maxLength: 10 }),
        fc.array(eventArb, { minLength: 1, maxLength: 6 }),
        (machines, specs, ops) => {
          const start = snapshot({ machines: machines.map((m, i) => machineOf(`m${i}`, m)), units: specs.map((s, i) => unitOf(`u${i}.service`, s)) });
          const cache = new ClusterCache(start);
          fc.pre(settle(cache));
          let counter = 20;
          const dirty = emptyDirty();
          for (const op of ops) for (const event of eventsOf(op, cache.view(), () => counter++)) markEvent(dirty, event, cache.apply(event));
          const view = cache.view();
          const full = planSchedule(view);
          const incremental = planSchedule(view, undefined, { scope: scopeOf(dirty) });
          expect(incremental.decisions).toEqual(full.decisions);
          // The same scope planned from the leader's live state (loop/live-placement.ts) decides the same, and leaves
          // that state as it was (a plan changes only arrays it made: placement/state.ts).
          const liveBefore = listed(cache.live.state);
          const fromLive = planSchedule(view, undefined, { scope: scopeOf(dirty), base: cache.live });
          expect(listed(cache.live.state)).toEqual(liveBefore);
          expect(fromLive.decisions).toEqual(full.decisions);
          expect(fromLive.unplaceable).toEqual(incremental.unplaceable);
          for (const u of incremental.unplaceable) expect(full.unplaceable).toContainEqual(u);
          if (incremental.considered === undefined) expect(incremental.unplaceable).toEqual(full.unplaceable);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('nothing dirty: nothing planned, nothing looked at', () => {
    const snap = snapshot({ machines: [machine('m1')], units: [unit('a.service')], schedule: { 'a.service': 'm1' } });
    const plan = planSchedule(snap, undefined, { scope: scopeOf(emptyDirty()) });
    expect(plan).toEqual({ decisions: [], unplaceable: [], considered: new Set() });
  });
});

/**
 * The leader's live placement state (live-placement.ts) against one rebuilt from scratch, fast-check: after any
 * sequence of watch events (units put and deleted — global, inactive, with requests, MachineOf, Replaces —
 * machines joining, leaving and changing, schedule entries and assignments put and deleted, also for units or
 * machines that do not exist), every index equals what the cache's view derives: the per-machine state
 * (`placementStateFrom`), units scheduled per machine, followers, units waiting for a machine, global units,
 * replacers. And a scoped plan started from it leaves it as it was.
 */
import fc from 'fast-check';
import type { ClusterEvent, ClusterSnapshot, UnitRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { placementStateFrom } from '../placement/state.js';
import { requirementsOf } from '../placement/requirements.js';
import type { PlacementState } from '../placement/types.js';
import { planSchedule } from '../plan.js';
import { needsPlacement } from '../reasons.js';
import { capacity, machine, snapshot, unit } from '../test-support/builders.js';
import { ClusterCache } from './cluster-cache.js';
import type { LivePlacement } from './live-placement.js';

const UNITS = 6;
const MACHINES = 4;
const unitName = (i: number) => `u${i}.service`;
const machineId = (i: number) => `m${i}`;

const specArb = fc.record({
  global: fc.boolean(),
  inactive: fc.boolean(),
  memoryG: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
  peer: fc.option(fc.nat(UNITS - 1), { nil: undefined }),
  replaces: fc.boolean(),
  conflicts: fc.boolean(),
});
type Spec = typeof specArb extends fc.Arbitrary<infer T> ? T : never;

function unitOf(name: string, s: Spec): UnitRecord {
  let b = unit(name);
  if (s.global) b = b.global();
  if (s.memoryG) b = b.service('MemoryMax', `${s.memoryG}G`);
  if (s.peer !== undefined && unitName(s.peer) !== name) b = b.machineOf(unitName(s.peer));
  if (s.replaces) b = b.xFleet('Replaces', 'u*.service');
  if (s.conflicts) b = b.conflicts('u*.service');
  if (s.inactive) b = b.state('inactive');
  return { ...b.build(), hash: `hash-${name}-${JSON.stringify(s)}` };
}

const eventArb = fc.oneof(
  fc.record({ op: fc.constant('unit-put' as const), u: fc.nat(UNITS - 1), spec: specArb }),
  fc.record({ op: fc.constant('unit-delete' as const), u: fc.nat(UNITS - 1) }),
  fc.record({ op: fc.constant('machine-put' as const), m: fc.nat(MACHINES - 1), limited: fc.boolean(), role: fc.constantFrom('a', 'b') }),
  fc.record({ op: fc.constant('machine-delete' as const), m: fc.nat(MACHINES - 1) }),
  fc.record({ op: fc.constant('schedule-put' as const), u: fc.nat(UNITS - 1), m: fc.nat(MACHINES - 1) }),
  fc.record({ op: fc.constant('schedule-delete' as const), u: fc.nat(UNITS - 1) }),
  fc.record({ op: fc.constant('assignment-put' as const), u: fc.nat(UNITS - 1), m: fc.nat(MACHINES - 1) }),
  fc.record({ op: fc.constant('assignment-delete' as const), u: fc.nat(UNITS - 1), m: fc.nat(MACHINES - 1) }),
);
type Op = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

let revision = 100;
const rev = () => String(++revision);

function eventOf(op: Op): ClusterEvent {
  const r = rev();
  switch (op.op) {
    case 'unit-put':
      return { kind: 'unit', type: 'put', unit: unitOf(unitName(op.u), op.spec), modRevision: r, revision: r };
    case 'unit-delete':
      return { kind: 'unit', type: 'delete', name: unitName(op.u), revision: r };
    case 'machine-put':
      return { kind: 'machine', type: 'put', machine: machine(machineId(op.m), { role: op.role }, op.limited ? capacity(2, 4096) : undefined), revision: r };
    case 'machine-delete':
      return { kind: 'machine', type: 'delete', id: machineId(op.m), revision: r };
    case 'schedule-put':
      return { kind: 'schedule', type: 'put', unit: unitName(op.u), machineId: machineId(op.m), revision: r };
    case 'schedule-delete':
      return { kind: 'schedule', type: 'delete', unit: unitName(op.u), revision: r };
    case 'assignment-put':
      return { kind: 'assignment', type: 'put', assignment: { unit: unitName(op.u), machineId: machineId(op.m), hash: 'h', desiredState: 'launched' }, revision: r };
    case 'assignment-delete':
      return { kind: 'assignment', type: 'delete', unit: unitName(op.u), machineId: machineId(op.m), revision: r };
  }
}

/** A state as plain data: machine → unit names sorted (with the record's hash), and resources in use. */
function normalized(state: PlacementState) {
  const byMachine = (index: ReadonlyMap<string, readonly UnitRecord[]>) =>
    Object.fromEntries([...index].filter(([, units]) => units.length > 0).map(([m, units]) => [m, units.map((u) => `${u.name}:${u.hash}`).sort()] as const).sort());
  return { on: byMachine(state.unitsOn), used: Object.fromEntries([...state.used].sort()), declaringConflicts: byMachine(state.declaringConflictsOn) };
}

/** Every index as the view derives it. */
function derived(view: ClusterSnapshot) {
  const scheduledOn: Record<string, string[]> = {};
  for (const [u, m] of view.schedule) (scheduledOn[m] ??= []).push(u);
  const followers: Record<string, string[]> = {};
  for (const u of view.units) for (const peer of requirementsOf(u).machineOf) (followers[peer] ??= []).push(u.name);
  return {
    state: normalized(placementStateFrom(view)),
    scheduledOn: sortedValues(scheduledOn),
    followers: sortedValues(followers),
    unscheduled: view.units.filter((u) => needsPlacement(u) && !view.schedule.has(u.name)).map((u) => u.name).sort(),
    globalUnits: view.units.filter((u) => u.global).map((u) => u.name).sort(),
    replacers: view.units.filter((u) => !u.global && requirementsOf(u).replaces.length > 0).map((u) => u.name).sort(),
  };
}

function live(l: LivePlacement, view: ClusterSnapshot) {
  const ids = new Set([...view.schedule.values(), ...view.machines.map((m) => m.id), ...Array.from({ length: MACHINES }, (_, i) => machineId(i))]);
  const names = Array.from({ length: UNITS }, (_, i) => unitName(i));
  return {
    state: normalized(l.state),
    scheduledOn: sortedValues(Object.fromEntries([...ids].map((m) => [m, [...l.scheduledOn(m)]]).filter(([, us]) => us!.length > 0))),
    followers: sortedValues(Object.fromEntries(names.map((n) => [n, [...l.followers(n)]]).filter(([, us]) => us!.length > 0))),
    unscheduled: [...l.unscheduled].sort(),
    globalUnits: [...l.globalUnits].sort(),
    replacers: [...l.replacers].sort(),
  };
}

function sortedValues(record: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, [...v].sort()] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('live placement state', () => {
  test('after random events it equals the state rebuilt from the view; a scoped plan leaves it unchanged', () => {
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: UNITS }), fc.nat(MACHINES), fc.array(eventArb, { minLength: 1, maxLength: 25 }), (specs, machineCount, ops) => {
        const start = snapshot({
          machines: Array.from({ length: machineCount }, (_, i) => machine(machineId(i))),
          units: specs.map((s, i) => unitOf(unitName(i), s)),
        });
        const cache = new ClusterCache(start);
        expect(live(cache.live, cache.view())).toEqual(derived(cache.view()));
        for (const op of ops) cache.apply(eventOf(op));
        const view = cache.view();
        expect(live(cache.live, view)).toEqual(derived(view));
        const before = normalized(cache.live.state);
        const every = { units: new Set(view.units.map((u) => u.name)), machines: new Set(view.machines.map((m) => m.id)), globals: true, retryUnscheduled: true };
        planSchedule(view, undefined, { scope: every, base: cache.live });
        expect(normalized(cache.live.state)).toEqual(before);
        expect(new Map(cache.live.schedule)).toEqual(view.schedule);
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * ClusterCache keeps the schedule (keys, and placed assignments: core's layout.ts) and the unbacked (global) assignments current and reuses a view's arrays until they change;
 * checked against a plain model that recomputes everything from scratch, over random event sequences. Assignments
 * that mirror their unit's record (held compactly by the cache) and records that change under them are among them.
 */
import fc from 'fast-check';
import type { Assignment, ClusterEvent, UnitRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { machine, snapshot, unit } from '../test-support/builders.js';
import { ClusterCache } from './cluster-cache.js';

const UNITS = ['a.service', 'b.service', 'c.service'];
const MACHINES = ['m1', 'm2', 'm3'];

const eventArb = fc.oneof(
  fc.record({ kind: fc.constant('schedule-put' as const), u: fc.constantFrom(...UNITS), m: fc.constantFrom(...MACHINES) }),
  fc.record({ kind: fc.constant('schedule-delete' as const), u: fc.constantFrom(...UNITS) }),
  fc.record({ kind: fc.constant('assignment-put' as const), u: fc.constantFrom(...UNITS), m: fc.constantFrom(...MACHINES), hash: fc.constantFrom('h1', 'h2', 'own'), placed: fc.boolean() }),
  fc.record({ kind: fc.constant('assignment-delete' as const), u: fc.constantFrom(...UNITS), m: fc.constantFrom(...MACHINES) }),
  fc.record({ kind: fc.constant('unit-put' as const), u: fc.constantFrom(...UNITS), version: fc.constantFrom(1, 2) }),
  fc.record({ kind: fc.constant('machine-delete' as const), m: fc.constantFrom(...MACHINES) }),
);
type Op = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

const record = (name: string, version: number): UnitRecord => ({ ...unit(name).build(), hash: `hash${version}-${name}` });

/** `records`: the units as the events so far left them (an 'own' hash is the unit's record's). */
function toEvent(op: Op, revision: string, records: Map<string, UnitRecord>): ClusterEvent {
  switch (op.kind) {
    case 'schedule-put':
      return { kind: 'schedule', type: 'put', unit: op.u, machineId: op.m, revision };
    case 'schedule-delete':
      return { kind: 'schedule', type: 'delete', unit: op.u, revision };
    case 'assignment-put':
      return { kind: 'assignment', type: 'put', assignment: { unit: op.u, machineId: op.m, hash: op.hash === 'own' ? (records.get(op.u) as UnitRecord).hash : op.hash, desiredState: 'launched', ...(op.placed ? { placed: true as const } : {}) }, revision };
    case 'assignment-delete':
      return { kind: 'assignment', type: 'delete', unit: op.u, machineId: op.m, revision };
    case 'unit-put':
      return { kind: 'unit', type: 'put', unit: record(op.u, op.version), modRevision: revision, revision };
    case 'machine-delete':
      return { kind: 'machine', type: 'delete', id: op.m, revision };
  }
}

describe('ClusterCache', () => {
  test('a view equals one recomputed from scratch, and an earlier view never changes', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (ops) => {
        const cache = new ClusterCache(snapshot({ units: UNITS.map((u) => record(u, 1)), machines: MACHINES.map((m) => machine(m)) }));
        const schedule = new Map<string, string>();
        const assignments = new Map<string, Assignment>();
        const records = new Map(UNITS.map((u) => [u, record(u, 1)]));
        let rev = 100;
        for (const op of ops) {
          const before = cache.view();
          const frozen = JSON.stringify({ u: before.units, m: before.machines, s: [...before.schedule], r: [...before.unitRevisions] });
          const event = toEvent(op, String(++rev), records);
          if (event.kind === 'unit' && event.type === 'put') records.set(event.unit.name, event.unit);
          // As the follower delivers it: names pointed at the cache's copies first (no change in what it says).
          const said = JSON.stringify(event);
          cache.shareNames(event);
          expect(JSON.stringify(event)).toBe(said);
          cache.apply(event);
          if (event.kind === 'schedule') {
            if (event.type === 'put') schedule.set(event.unit, event.machineId);
            else schedule.delete(event.unit);
          } else if (event.kind === 'assignment') {
            // A placed assignment is its unit's schedule entry unless it has one; the entry's assignment gone, so is it.
            if (event.type === 'put') {
              const a = event.assignment;
              assignments.set(`${a.unit} ${a.machineId}`, a);
              if (a.placed === true && !schedule.has(a.unit)) schedule.set(a.unit, a.machineId);
            } else {
              assignments.delete(`${event.unit} ${event.machineId}`);
              if (schedule.get(event.unit) === event.machineId) schedule.delete(event.unit);
            }
          }
          expect(Object.fromEntries(cache.view().schedule)).toEqual(Object.fromEntries(schedule));
          expect(JSON.stringify({ u: before.units, m: before.machines, s: [...before.schedule], r: [...before.unitRevisions] })).toBe(frozen);
          const unbacked: Record<string, Record<string, string>> = {};
          for (const a of assignments.values()) if (schedule.get(a.unit) !== a.machineId) (unbacked[a.unit] ??= {})[a.machineId] = a.hash;
          const seen: Record<string, Record<string, string>> = {};
          for (const [u, byMachine] of cache.view().globalAssignments) for (const [m, a] of byMachine) (seen[u] ??= {})[m] = a.hash;
          expect(seen).toEqual(unbacked);
          // A scheduled unit's assignment on its machine that says another hash than its record lags.
          const lagging: Record<string, string> = {};
          for (const [u, m] of schedule) {
            const a = assignments.get(`${u} ${m}`);
            if (a && a.hash !== records.get(u)?.hash) lagging[u] = a.hash;
          }
          expect(Object.fromEntries([...cache.view().laggingAssignments].map(([u, a]) => [u, a.hash]))).toEqual(lagging);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('a lagging assignment read by the snapshot is kept (not rebuilt from the record) until a rewrite comes back', () => {
    const a = record('a.service', 1);
    const cache = new ClusterCache(snapshot({ units: [a], machines: [machine('m1')], schedule: { 'a.service': 'm1' }, lagging: { 'a.service': 'loaded' } }));
    expect([...cache.view().laggingAssignments]).toEqual([['a.service', { unit: 'a.service', machineId: 'm1', hash: a.hash, desiredState: 'loaded' }]]);
    cache.apply({ kind: 'assignment', type: 'put', assignment: { unit: 'a.service', machineId: 'm1', hash: a.hash, desiredState: 'launched' }, revision: '200' });
    expect(cache.view().laggingAssignments.size).toBe(0);
    expect(cache.liveView().laggingAssignments.size).toBe(0);
  });

  test('an assignment that mirrored its record keeps what it said when the record changes, and shows it once unbacked', () => {
    const cache = new ClusterCache(snapshot({ units: [record('a.service', 1)], machines: MACHINES.map((m) => machine(m)), schedule: { 'a.service': 'm1' } }));
    const events: Op[] = [{ kind: 'unit-put', u: 'a.service', version: 2 }, { kind: 'schedule-put', u: 'a.service', m: 'm2' }];
    const records = new Map([['a.service', record('a.service', 1)]]);
    for (const [i, op] of events.entries()) {
      const event = toEvent(op, String(200 + i), records);
      cache.shareNames(event);
      cache.apply(event);
    }
    const stranded = cache.view().globalAssignments.get('a.service')?.get('m1');
    expect(stranded).toEqual({ unit: 'a.service', machineId: 'm1', hash: 'hash1-a.service', desiredState: 'launched' });
  });
});

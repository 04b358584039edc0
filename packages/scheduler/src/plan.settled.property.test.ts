/**
 * The decisions planSteps hands out before the plan ends (settled: the leader writes them while it plans the rest)
 * must be final: the first decisions of the finished plan, untouched by stop-before-start's split, and never
 * followed by a removal (a plan's removals are written first). Random clusters with Replaces, moves off live
 * machines, lost machines and inactive units; one unit per step so every step can hand something out.
 */
import fc from 'fast-check';
import type { ClusterSnapshot } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { planSchedule, planSteps, type Decision, type PlanOptions, type SchedulePlan } from './plan.js';
import { splitMoves } from './stop-before-start.js';
import { capacity, machine, machines, snapshot, unit } from './test-support/builders.js';

/** `value` once in 8, else `otherwise`: with Replaces or an inactive unit in most clusters, nothing is handed out. */
function rarely<T, U>(value: fc.Arbitrary<T>, otherwise: U): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: fc.constant(otherwise), weight: 7 }, { arbitrary: value, weight: 1 });
}

const unitArb = fc.record({
  role: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
  conflicts: fc.option(fc.constantFrom('u1*', 'u*'), { nil: undefined }),
  replaces: rarely(fc.constantFrom('u*', 'u1.service'), undefined),
  peer: fc.option(fc.nat(7), { nil: undefined }),
  memoryG: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  global: fc.boolean(),
  inactive: rarely(fc.constant(true), false),
  // Up to m7 while there are at most 5 machines: some units sit on machines that are gone.
  placedOn: fc.option(fc.nat(7), { nil: undefined }),
});

const clusterArb = fc.record({
  machines: fc.array(fc.record({ role: fc.constantFrom('a', 'b'), limited: fc.boolean() }), { minLength: 0, maxLength: 5 }),
  units: fc.array(unitArb, { minLength: 0, maxLength: 8 }),
});

type Cluster = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Cluster): ClusterSnapshot {
  const schedule: Record<string, string> = {};
  const units = c.units.map((u, i) => {
    const name = `u${i}.service`;
    let b = unit(name);
    if (u.global) b = b.global();
    if (u.inactive) b = b.state('inactive');
    if (u.role) b = b.metadata(`role=${u.role}`);
    if (u.conflicts) b = b.conflicts(u.conflicts);
    if (u.replaces) b = b.xFleet('Replaces', u.replaces);
    if (!u.global && u.peer !== undefined && u.peer !== i) b = b.machineOf(`u${u.peer}.service`);
    if (u.memoryG) b = b.service('MemoryMax', `${u.memoryG}G`);
    if (!u.global && u.placedOn !== undefined) schedule[name] = `m${u.placedOn}`;
    return b;
  });
  const ms = c.machines.map((m, i) => machine(`m${i}`, { role: m.role }, m.limited ? capacity(2, 4096) : undefined));
  return snapshot({ units, machines: ms, schedule });
}

/** Runs planSteps to the end, collecting what its steps handed out. */
function stepped(snap: ClusterSnapshot, opts: PlanOptions = {}): { handedOut: Decision[]; plan: SchedulePlan } {
  const handedOut: Decision[] = [];
  const steps = planSteps(snap, undefined, { stepUnits: 1, ...opts });
  for (;;) {
    const step = steps.next();
    if (step.done) return { handedOut, plan: step.value };
    if (step.value) handedOut.push(...step.value);
  }
}

const isRemoval = (d: Decision) => d.kind === 'unassign' || d.kind === 'unassign-global';

describe('settled decisions', () => {
  test('are the first decisions of the finished plan, kept by the split, and no removal follows them', () => {
    let handedOutSomething = 0;
    fc.assert(
      fc.property(clusterArb, (c) => {
        const snap = build(c);
        const { handedOut, plan } = stepped(snap);
        expect(plan).toEqual(planSchedule(snap));
        if (handedOut.length === 0) return;
        handedOutSomething++;
        expect(plan.decisions.slice(0, handedOut.length)).toEqual(handedOut);
        const { plan: split, moves } = splitMoves(snap, plan);
        expect(split.decisions.slice(0, handedOut.length)).toEqual(handedOut);
        expect(moves).toEqual([]);
        expect(plan.decisions.slice(handedOut.length).filter(isRemoval)).toEqual([]);
      }),
      { numRuns: 1500 },
    );
    // The property above holds only if steps hand something out at all.
    expect(handedOutSomething).toBeGreaterThan(100);
  });

  test('a plain first plan hands its assignments out step by step', () => {
    const snap = snapshot({ units: ['a', 'b', 'c', 'd'].map((n) => unit(`${n}.service`)), machines: machines('m1', 'm2') });
    const handouts: number[] = [];
    const steps = planSteps(snap, undefined, { stepUnits: 1 });
    for (let step = steps.next(); !step.done; step = steps.next()) if (step.value) handouts.push(step.value.length);
    // Requirements of 4 units parsed (nothing decided yet), then one assignment per step; the 4th comes with the plan.
    expect(handouts).toEqual([1, 1, 1]);
  });

  test('nothing is handed out when a unit has Replaces, or a unit moves off a live machine', () => {
    const plain = ['a', 'b', 'c'].map((n) => unit(`${n}.service`));
    // r displaces x from m1 after the place pass: that removal would come after assignments already written.
    const replacer = snapshot({
      units: [...plain, unit('r.service').xFleet('Replaces', 'x.service'), unit('x.service')],
      machines: machines('m1', 'm2'),
      schedule: { 'r.service': 'm1', 'x.service': 'm1' },
    });
    const replaced = stepped(replacer);
    expect(replaced.plan.decisions.slice(-2)).toMatchObject([{ kind: 'unassign', unit: 'x.service', machineId: 'm1' }, { kind: 'assign', unit: 'x.service' }]);
    expect(replaced.handedOut).toEqual([]);
    const moving = snapshot({ units: [...plain, unit('p.service').machineId('m2')], machines: machines('m1', 'm2'), schedule: { 'p.service': 'm1' } });
    const { handedOut, plan } = stepped(moving);
    expect(plan.decisions.map((d) => d.kind)).toContain('unassign');
    expect(handedOut).toEqual([]);
    // A unit whose machine is gone is no move: its removal and the new assignments are handed out.
    const lost = snapshot({ units: [...plain, unit('l.service')], machines: machines('m1'), schedule: { 'l.service': 'gone' } });
    expect(stepped(lost).handedOut[0]).toMatchObject({ kind: 'unassign', unit: 'l.service', machineId: 'gone' });
  });
});

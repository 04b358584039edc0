import { describe, expect, test } from 'vitest';
import { planSchedule, REASON_UNSCHEDULED, type Decision } from './plan.js';
import { defaultPlacementConfig } from './placement/place.js';
import { REBALANCE_PREFIX } from './loop/rebalance-clock.js';
import { reasonRebalance } from './rebalance.js';
import { machine, machines, snapshot, unit, type SnapshotParts, type UnitBuilder } from './test-support/builders.js';

const move = (u: string, from: string, to: string, counts: [number, number]): Decision[] => [
  { kind: 'unassign', unit: u, machineId: from, reason: reasonRebalance(...counts) },
  { kind: 'assign', unit: u, machineId: to, reason: reasonRebalance(...counts) },
];

/** `n` units named `${prefix}N.service` all scheduled on `machineId`. */
function on(machineId: string, names: string[], build: (n: string) => UnitBuilder = unit): Pick<SnapshotParts, 'units' | 'schedule'> {
  return { units: names.map(build), schedule: Object.fromEntries(names.map((n) => [n, machineId])) };
}

const four = ['a.service', 'b.service', 'c.service', 'd.service'];

describe('rebalance', () => {
  test.each<{ name: string; cluster: SnapshotParts; maxMoves: number; want: Decision[] }>([
    {
      name: 'a machine joins: units move to it until counts differ by at most one',
      cluster: { ...on('m1', four), machines: machines('m1', 'm2') },
      maxMoves: 10,
      want: [...move('a.service', 'm1', 'm2', [4, 0]), ...move('b.service', 'm1', 'm2', [3, 1])],
    },
    {
      name: 'at most maxMoves per plan',
      cluster: { ...on('m1', four), machines: machines('m1', 'm2') },
      maxMoves: 1,
      want: move('a.service', 'm1', 'm2', [4, 0]),
    },
    {
      name: 'balanced within one: nothing moves',
      cluster: { ...on('m1', ['a.service', 'b.service']), machines: machines('m1', 'm2'), schedule: { 'a.service': 'm1', 'b.service': 'm2' } },
      maxMoves: 10,
      want: [],
    },
    {
      name: 'pinned units, MachineOf followers and their peers stay',
      cluster: {
        units: [unit('p.service').machineId('m1'), unit('f.service').machineOf('q.service'), unit('q.service'), unit('x.service')],
        schedule: { 'p.service': 'm1', 'f.service': 'm1', 'q.service': 'm1', 'x.service': 'm1' },
        machines: machines('m1', 'm2'),
      },
      maxMoves: 10,
      want: move('x.service', 'm1', 'm2', [4, 0]),
    },
    {
      name: 'one instance of a template per plan',
      cluster: { ...on('m1', ['web@1.service', 'web@2.service', 'web@3.service', 'web@4.service']), machines: machines('m1', 'm2') },
      maxMoves: 10,
      want: move('web@1.service', 'm1', 'm2', [4, 0]),
    },
    {
      name: 'never breaks a rule: the target must pass every filter',
      cluster: {
        ...on('m1', four, (n) => unit(n).metadata('disk=ssd')),
        machines: [machine('m1', { disk: 'ssd' }), machine('m2', { disk: 'hdd' })],
      },
      maxMoves: 10,
      want: [],
    },
  ])('$name', ({ cluster, maxMoves, want }) => {
    expect(planSchedule(snapshot(cluster), defaultPlacementConfig(), { rebalance: { maxMoves } }).decisions).toEqual(want);
  });

  test('only a settled cluster is rebalanced: a plan with placements moves nothing for balance', () => {
    const cluster = snapshot({ units: [...four.map((n) => unit(n)), unit('new.service')], schedule: Object.fromEntries(four.map((n) => [n, 'm1'])), machines: machines('m1', 'm2') });
    const plan = planSchedule(cluster, defaultPlacementConfig(), { rebalance: { maxMoves: 10 } });
    expect(plan.decisions).toEqual([{ kind: 'assign', unit: 'new.service', machineId: 'm2', reason: REASON_UNSCHEDULED }]);
  });

  test('reasons carry the prefix the leader loop counts rounds by', () => {
    expect(reasonRebalance(4, 0).startsWith(REBALANCE_PREFIX)).toBe(true);
  });
});

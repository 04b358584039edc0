import { describe, expect, test } from 'vitest';
import { planUnits, type UnitPlan } from './plan-units.js';
import { capacity, machine, machines, snapshot, unit, type SnapshotParts } from './test-support/builders.js';

const db = (n: number) => Array.from({ length: n }, (_, i) => machine(`m${i}`, { role: i < 2 ? 'web' : 'cache' }));

describe('planUnits', () => {
  test.each<{ name: string; cluster: SnapshotParts; units: string[]; want: UnitPlan[] }>([
    { name: 'unknown unit', cluster: { machines: machines('m1') }, units: ['x.service'], want: [{ unit: 'x.service', kind: 'unknown' }] },
    {
      name: 'scheduled unit stays; unscheduled one would be placed',
      cluster: { units: [unit('a.service'), unit('b.service')], machines: machines('m1', 'm2'), schedule: { 'a.service': 'm1' } },
      units: ['a.service', 'b.service'],
      want: [
        { unit: 'a.service', kind: 'stays', machineId: 'm1' },
        { unit: 'b.service', kind: 'placed', machineId: 'm2' },
      ],
    },
    {
      name: 'unit on a gone machine moves',
      cluster: { units: [unit('a.service')], machines: machines('m2'), schedule: { 'a.service': 'm1' } },
      units: ['a.service'],
      want: [{ unit: 'a.service', kind: 'moves', from: 'm1', machineId: 'm2', reason: 'machine m1 went away' }],
    },
    {
      name: 'unschedulable: every rule in the way, each machine counted under the first rule that excludes it',
      cluster: {
        units: [
          unit('web@1.service').conflicts('web@*.service'),
          unit('web@2.service').conflicts('web@*.service'),
          unit('web@3.service').conflicts('web@*.service').metadata('role=web').service('MemoryMax', '3G'),
        ],
        machines: db(4).map((m, i) => (i === 3 ? machine(m.id, m.metadata, capacity(1, 1024)) : m)),
      },
      units: ['web@3.service'],
      want: [
        {
          unit: 'web@3.service',
          kind: 'unschedulable',
          reasons: ['MachineMetadata role=web: 2 of 4 machines not matching', 'Conflicts web@*.service: 2 of 4 machines taken'],
        },
      ],
    },
    {
      name: 'global unit: the machines it would run on',
      cluster: { units: [unit('g.service').global().metadata('role=web')], machines: db(3) },
      units: ['g.service'],
      want: [{ unit: 'g.service', kind: 'global', machineIds: ['m0', 'm1'], machines: 3 }],
    },
    {
      name: 'inactive unit is not placed',
      cluster: { units: [unit('a.service').state('inactive')], machines: machines('m1') },
      units: ['a.service'],
      want: [{ unit: 'a.service', kind: 'not-placed', reason: 'desired state is inactive' }],
    },
  ])('$name', ({ cluster, units, want }) => {
    expect(planUnits(snapshot(cluster), units)).toEqual(want);
  });
});

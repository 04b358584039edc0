import { describe, expect, test } from 'vitest';
import type { MachineRecord } from '@flotilla/core';
import { capacity, machine, machines, unit, type UnitBuilder } from '../test-support/builders.js';
import { explainUnplaceable, REASON_NO_MACHINES, type Explanation } from './explain.js';
import { defaultPlacementConfig } from './place.js';
import { addUnitOn, emptyPlacementState } from './state.js';

interface Case {
  name: string;
  unit: UnitBuilder;
  candidates: MachineRecord[];
  /** machine id → units already there. */
  on?: Record<string, UnitBuilder[]>;
  /** Other units that exist (MachineOf peers). */
  known?: UnitBuilder[];
  want: Explanation;
}

const M1 = 'aaaaaaaa1111';

const cases: Case[] = [
  { name: 'no machines', unit: unit('a.service'), candidates: [], want: { reasons: [REASON_NO_MACHINES] } },
  { name: 'MachineID naming another machine', unit: unit('a.service').machineId('ffffffff'), candidates: machines(M1), want: { reasons: ['MachineID ffffffff: 1 of 1 machine not named'] } },
  {
    name: 'each machine counted once, under the first rule in the way, in rule order',
    unit: unit('web@3.service').conflicts('web@*.service').metadata('role=web').service('MemoryMax', '3G'),
    candidates: [machine('m1', { role: 'web' }), machine('m2', { role: 'web' }), machine('m3', { role: 'web' }, capacity(1, 1024)), machine('m4'), machine('m5', {}, capacity(1, 1024))],
    on: { m1: [unit('web@1.service')], m2: [unit('web@2.service')] },
    want: {
      reasons: ['MachineMetadata role=web: 2 of 5 machines not matching', 'Conflicts web@*.service: 2 of 5 machines taken', 'Resources MemoryMax=3072M: 1 of 5 machines without room'],
    },
  },
  {
    name: 'conflicts declared by a unit already there',
    unit: unit('db.service'),
    candidates: machines('m1'),
    on: { m1: [unit('backup.service').conflicts('db.*')] },
    want: { reasons: ['Conflicts (declared by units there): 1 of 1 machine taken'] },
  },
  {
    name: 'MachineOf a unit that is on no machine: does not fit',
    unit: unit('b.service').machineOf('a.service'),
    candidates: machines('m1', 'm2'),
    known: [unit('a.service')],
    want: { reasons: ['MachineOf a.service: 2 of 2 machines without its peers'] },
  },
  {
    name: 'MachineOf a unit that does not exist: broken, not counted',
    unit: unit('b.service').machineOf('ghost.service'),
    candidates: machines('m1', 'm2'),
    want: { reasons: ['MachineOf ghost.service: names no unit: ghost.service'], broken: true },
  },
  { name: 'cordoned machines', unit: unit('a.service'), candidates: [{ ...machine('m1'), cordon: { since: 1 } }], want: { reasons: ['Cordon: 1 of 1 machine cordoned or leaving'] } },
];

describe('explainUnplaceable', () => {
  test.each(cases)('$name', ({ unit: u, candidates, on = {}, known = [], want }) => {
    const state = emptyPlacementState();
    const units = new Map<string, ReturnType<UnitBuilder['build']>>();
    for (const [id, list] of Object.entries(on)) for (const x of list) addUnitOn(state, id, x.build());
    for (const x of [...known, ...Object.values(on).flat()]) units.set(x.build().name, x.build());
    const cluster = { units, machines: new Map(candidates.map((m) => [m.id, m])), schedule: new Map<string, string>() };
    expect(explainUnplaceable(u.build(), candidates, state, defaultPlacementConfig(), cluster)).toEqual(want);
  });
});

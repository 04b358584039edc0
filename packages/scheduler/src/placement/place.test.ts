import { describe, expect, test } from 'vitest';
import type { MachineRecord } from '@flotilla/core';
import { capacity, machine, machines, unit, type UnitBuilder } from '../test-support/builders.js';
import { REASON_CONFLICTS } from './filters/conflicts.js';
import { REASON_MACHINE_ID } from './filters/machine-id.js';
import { REASON_METADATA } from './filters/metadata.js';
import { REASON_CPU, REASON_MEMORY } from './filters/resources.js';
import { defaultPlacementConfig, place } from './place.js';
import { addUnitOn, emptyPlacementState } from './state.js';
import type { PlacementResult } from './types.js';

/** machine id → units already there. */
function stateWith(on: Record<string, UnitBuilder[]> = {}) {
  const state = emptyPlacementState();
  for (const [id, units] of Object.entries(on)) for (const u of units) addUnitOn(state, id, u.build());
  return state;
}

const placed = (machineId: string, candidates: number, excluded = {}): PlacementResult => ({
  placed: true,
  machineId,
  candidates,
  excluded,
});
const unplaced = (candidates: number, excluded = {}): PlacementResult => ({ placed: false, candidates, excluded });

const M1 = 'aaaaaaaa1111';
const M2 = 'bbbbbbbb2222';

interface Case {
  name: string;
  unit: UnitBuilder;
  candidates: MachineRecord[];
  on?: Record<string, UnitBuilder[]>;
  want: PlacementResult;
}

const cases: Case[] = [
  { name: 'no machines', unit: unit('a.service'), candidates: [], want: unplaced(0) },
  { name: 'empty machines: lowest id wins the tie', unit: unit('a.service'), candidates: machines('m2', 'm1', 'm3'), want: placed('m1', 3) },
  {
    name: 'least loaded wins over lower id',
    unit: unit('a.service'),
    candidates: machines('m1', 'm2'),
    on: { m1: [unit('x.service')] },
    want: placed('m2', 2),
  },
  { name: 'MachineID by full id', unit: unit('a.service').machineId(M2), candidates: machines(M1, M2), want: placed(M2, 2, { [REASON_MACHINE_ID]: 1 }) },
  { name: 'MachineID by 8-char short id', unit: unit('a.service').machineId('bbbbbbbb'), candidates: machines(M1, M2), want: placed(M2, 2, { [REASON_MACHINE_ID]: 1 }) },
  { name: 'MachineID prefix shorter than 8 chars does not match', unit: unit('a.service').machineId('bbbb'), candidates: machines(M1, M2), want: unplaced(2, { [REASON_MACHINE_ID]: 2 }) },
  { name: 'MachineID from the instance (%i)', unit: unit(`pin@${M1}.service`).machineId('%i'), candidates: machines(M1, M2), want: placed(M1, 2, { [REASON_MACHINE_ID]: 1 }) },
  {
    name: 'MachineID pins even to the busier machine',
    unit: unit('a.service').machineId(M1),
    candidates: machines(M1, M2),
    on: { [M1]: [unit('x.service'), unit('y.service')] },
    want: placed(M1, 2, { [REASON_MACHINE_ID]: 1 }),
  },
  {
    name: 'metadata: OR within a key',
    unit: unit('a.service').metadata('region=eu').metadata('region=us'),
    candidates: [machine('m1', { region: 'ap' }), machine('m2', { region: 'us' })],
    want: placed('m2', 2, { [REASON_METADATA]: 1 }),
  },
  {
    name: 'metadata: AND across keys, quoted values split',
    unit: unit('a.service').metadata('"region=eu" "disk=ssd"'),
    candidates: [machine('m1', { region: 'eu' }), machine('m2', { region: 'eu', disk: 'ssd' }), machine('m3', { disk: 'ssd' })],
    want: placed('m2', 3, { [REASON_METADATA]: 2 }),
  },
  // Keys are the user's: Object.prototype's member names are keys like any other (core user-keys.ts).
  {
    name: 'metadata key constructor: only the machine that has it',
    unit: unit('a.service').metadata('constructor=x'),
    candidates: [machine('m1'), machine('m2', { constructor: 'x' }), machine('m3', { constructor: 'y' })],
    want: placed('m2', 3, { [REASON_METADATA]: 2 }),
  },
  {
    name: 'metadata key __proto__ (as JSON and msgpack decode it): only the machine that has it',
    unit: unit('a.service').metadata('__proto__=x'),
    candidates: [machine('m1'), machine('m2', JSON.parse('{"__proto__":"x"}') as Record<string, string>)],
    want: placed('m2', 2, { [REASON_METADATA]: 1 }),
  },
  {
    name: 'metadata keys toString and hasOwnProperty: AND across them',
    unit: unit('a.service').metadata('"toString=x" "hasOwnProperty=y"'),
    candidates: [machine('m1', { toString: 'x' }), machine('m2', { toString: 'x', hasOwnProperty: 'y' })],
    want: placed('m2', 2, { [REASON_METADATA]: 1 }),
  },
  {
    name: 'metadata: malformed requirement ignored',
    unit: unit('a.service').metadata('region=eu=west').metadata('=x'),
    candidates: machines('m1'),
    want: placed('m1', 1),
  },
  {
    name: 'conflicts: the unit names a unit on the machine',
    unit: unit('web.1.service').conflicts('web.*.service'),
    candidates: machines('m1', 'm2'),
    on: { m1: [unit('web.0.service')], m2: [unit('x.service'), unit('y.service')] },
    want: placed('m2', 2, { [REASON_CONFLICTS]: 1 }),
  },
  {
    name: 'conflicts: a unit on the machine names this unit',
    unit: unit('db.service'),
    candidates: machines('m1', 'm2'),
    on: { m1: [unit('backup.service').conflicts('db.*')], m2: [unit('x.service'), unit('y.service')] },
    want: placed('m2', 2, { [REASON_CONFLICTS]: 1 }),
  },
  {
    name: 'conflicts: several globs in one value',
    unit: unit('a.service').conflicts('x.service y.*'),
    candidates: machines('m1', 'm2', 'm3'),
    on: { m1: [unit('x.service')], m2: [unit('y.1.service')], m3: [unit('z.service'), unit('w.service')] },
    want: placed('m3', 3, { [REASON_CONFLICTS]: 2 }),
  },
  {
    name: 'conflicts: never with itself',
    unit: unit('web.0.service').conflicts('web.*.service'),
    candidates: machines('m1'),
    on: { m1: [unit('web.0.service')] },
    want: placed('m1', 1),
  },
  {
    name: 'each machine counted once, under the first rule that excluded it',
    unit: unit('a.service').metadata('region=eu').conflicts('b.service'),
    candidates: [machine('m1', { region: 'us' }), machine('m2', { region: 'us' }), machine('m3', { region: 'eu' })],
    on: { m1: [unit('b.service')], m3: [unit('b.service')] },
    want: unplaced(3, { [REASON_METADATA]: 2, [REASON_CONFLICTS]: 1 }),
  },
];

describe('place', () => {
  test.each(cases)('$name', ({ unit: u, candidates, on, want }) => {
    expect(place(u.build(), candidates, stateWith(on))).toEqual(want);
  });
});

describe('place with resources and scores', () => {
  const big = capacity(8, 8192);
  test.each<{ name: string; score: string; unit: UnitBuilder; candidates: MachineRecord[]; on: Record<string, UnitBuilder[]>; want: PlacementResult }>([
    {
      name: 'spread: fewer units first, then less capacity in use',
      score: 'spread',
      unit: unit('a.service'),
      candidates: [machine('m1', {}, big), machine('m2', {}, big)],
      on: { m1: [unit('x.service').service('CPUQuota', '400%')], m2: [unit('y.service')] },
      want: placed('m2', 2),
    },
    {
      name: 'binpack: the fullest machine that still fits',
      score: 'binpack',
      unit: unit('a.service').service('MemoryMax', '2G'),
      candidates: [machine('m1', {}, big), machine('m2', {}, big), machine('m3', {}, big)],
      on: { m1: [unit('x.service').service('MemoryMax', '7G')], m2: [unit('y.service').service('MemoryMax', '4G')] },
      want: placed('m2', 3, { [REASON_MEMORY]: 1 }),
    },
    {
      name: 'CPU exhausted',
      score: 'spread',
      unit: unit('a.service').service('CPUQuota', '500%'),
      candidates: [machine('m1', {}, big)],
      on: { m1: [unit('x.service').service('CPUQuota', '400%')] },
      want: unplaced(1, { [REASON_CPU]: 1 }),
    },
  ])('$name', ({ score, unit: u, candidates, on, want }) => {
    expect(place(u.build(), candidates, stateWith(on), defaultPlacementConfig(score))).toEqual(want);
  });
});

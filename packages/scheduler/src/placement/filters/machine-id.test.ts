import { describe, expect, test } from 'vitest';
import { machine, machines, unit } from '../../test-support/builders.js';
import type { PlacementCluster } from '../types.js';
import { machineIdFilter, machineIdMatches } from './machine-id.js';

const FULL_ID = '2c5d84d6a3f94a4f8e0d1b7c9e6a5f43';

describe('machineIdMatches', () => {
  test.each([
    { name: 'full id', wanted: FULL_ID, machineId: FULL_ID, want: true },
    { name: 'short id (8 chars)', wanted: '2c5d84d6', machineId: FULL_ID, want: true },
    { name: 'other prefix lengths do not match', wanted: '2c5d84d', machineId: FULL_ID, want: false },
    { name: 'different machine', wanted: '2c5d84d7', machineId: FULL_ID, want: false },
    { name: 'short test ids match exactly', wanted: 'm1', machineId: 'm1', want: true },
  ])('$name', ({ wanted, machineId, want }) => {
    expect(machineIdMatches(machine(machineId), wanted)).toBe(want);
  });
});

describe('machineIdFilter.narrow: only the machine it names', () => {
  const cluster = (ids: string[]): PlacementCluster => ({ units: new Map(), machines: new Map(machines(...ids).map((m) => [m.id, m])), schedule: new Map() });
  test.each([
    { name: 'no MachineID: no narrowing', unit: unit('a.service'), ids: ['m1'], want: undefined },
    { name: 'full id', unit: unit('a.service').machineId(FULL_ID), ids: ['m1', FULL_ID], want: [FULL_ID] },
    { name: 'short id', unit: unit('a.service').machineId('2c5d84d6'), ids: ['m1', FULL_ID], want: [FULL_ID] },
    { name: 'a machine that is not there: none', unit: unit('a.service').machineId('2c5d84d7'), ids: ['m1', FULL_ID], want: [] },
  ])('$name', ({ unit: u, ids, want }) => {
    expect(machineIdFilter.narrow?.(u.build(), cluster(ids))?.map((m) => m.id)).toEqual(want);
  });
});

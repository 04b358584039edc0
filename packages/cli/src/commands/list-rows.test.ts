import { describe, expect, test } from 'vitest';
import type { MachineRecord, UnitRecord, UnitStateRecord } from '@flotilla/core';
import { unitFileRows } from './list-unit-files.js';
import { unitStateRows } from './list-units.js';

function machine(id: string): MachineRecord {
  return { id, hostname: id, ip: `10.0.0.${id.length}`, metadata: {}, version: '0.1.0', startedAt: 0 };
}

function state(unit: string, machineId: string, activeState = 'active'): UnitStateRecord {
  return { unit, machineId, hash: 'h', loadState: 'loaded', activeState, subState: '', updatedAt: 0 };
}

function unit(name: string, over: Partial<UnitRecord> = {}): UnitRecord {
  return { name, options: [], hash: 'h', desiredState: 'launched', global: false, ...over };
}

describe('unitStateRows', () => {
  test('sorted by unit then machine; unknown machines kept without a record', () => {
    const rows = unitStateRows([state('b.service', 'm1'), state('a.service', 'm2'), state('a.service', 'm1')], [machine('m1')]);
    expect(rows.map((r) => [r.state.unit, r.state.machineId, r.machine?.id])).toEqual([
      ['a.service', 'm1', 'm1'],
      ['a.service', 'm2', undefined],
      ['b.service', 'm1', 'm1'],
    ]);
  });
});

describe('unitFileRows', () => {
  test.each([
    {
      name: 'scheduled and active → launched with its machine',
      units: [unit('a.service')],
      schedule: [['a.service', 'm1']] as [string, string][],
      states: [state('a.service', 'm1')],
      want: [['a.service', 'launched', 'm1', 'm1']],
    },
    {
      name: 'scheduled on a machine that is gone; reported inactive → loaded',
      units: [unit('a.service')],
      schedule: [['a.service', 'gone']] as [string, string][],
      states: [state('a.service', 'gone', 'inactive')],
      want: [['a.service', 'loaded', 'gone', undefined]],
    },
    {
      name: 'unscheduled, sorted by name',
      units: [unit('b.service'), unit('a.service', { desiredState: 'inactive' })],
      schedule: [] as [string, string][],
      states: [],
      want: [
        ['a.service', 'inactive', undefined, undefined],
        ['b.service', 'inactive', undefined, undefined],
      ],
    },
  ])('$name', ({ units, schedule, states, want }) => {
    const rows = unitFileRows({ units, machines: [machine('m1')], schedule: new Map(schedule) }, states);
    expect(rows.map((r) => [r.unit.name, r.current, r.machineId, r.machine?.id])).toEqual(want);
  });
});

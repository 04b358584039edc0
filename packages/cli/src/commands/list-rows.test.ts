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

describe('unitFileRows with stored services', () => {
  test('a template row carries its count and its launched instances 1..count; its state shows them', async () => {
    const { UNIT_FILE_FIELDS } = await import('../render/list-unit-files.js');
    const { unitFileJson } = await import('../render/json.js');
    const units = [unit('app@.service', { desiredState: 'inactive' }), unit('app@1.service'), unit('app@2.service'), unit('app@3.service'), unit('web@.service', { desiredState: 'inactive' })];
    const snapshot = { units, machines: [machine('m1')], schedule: new Map([['app@1.service', 'm1'], ['app@2.service', 'm1'], ['app@3.service', 'm1']]) };
    // app@3 is active but above the count (being removed): not counted.
    const states = [state('app@1.service', 'm1'), state('app@2.service', 'm1', 'failed'), state('app@3.service', 'm1')];
    const rows = unitFileRows(snapshot, states, [{ template: 'app@.service', count: 2 }]);
    expect(rows.map((r) => [r.unit.name, r.service])).toEqual([
      ['app@.service', { count: 2, running: 1 }],
      ['app@1.service', undefined],
      ['app@2.service', undefined],
      ['app@3.service', undefined],
      ['web@.service', undefined],
    ]);
    expect(UNIT_FILE_FIELDS.state!(rows[0]!, false)).toBe('replicas 1/2');
    expect(UNIT_FILE_FIELDS.replicas!(rows[0]!, false)).toBe('1/2');
    expect(UNIT_FILE_FIELDS.replicas!(rows[4]!, false)).toBe('-');
    expect(unitFileJson(rows[0]!)).toMatchObject({ name: 'app@.service', replicas: { desired: 2, running: 1 } });
    expect(unitFileJson(rows[4]!)).not.toHaveProperty('replicas');
  });
});

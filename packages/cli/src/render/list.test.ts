import { describe, expect, test } from 'vitest';
import type { MachineRecord, UnitRecord, UnitStateRecord } from '@flotilla/core';
import { parseFields, renderList, type ListFormat } from './list.js';
import type { MachineRow } from '../machines/states.js';
import { DEFAULT_MACHINE_FIELDS, MACHINE_FIELDS } from './list-machines.js';
import { DEFAULT_UNIT_FILE_FIELDS, UNIT_FILE_FIELDS, type UnitFileRow } from './list-unit-files.js';
import { DEFAULT_UNIT_STATE_FIELDS, UNIT_STATE_FIELDS, type UnitStateRow } from './list-units.js';

// Builders: one default record; each case overrides what it is about.
const ID_A = '113f16a7b2c4d6e8f0a1b2c3d4e5f6a7';
const ID_B = '2c2e6f3d9a8b7c6d5e4f3a2b1c0d9e8f';
const HASH = 'd4c5b2f1e0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5';

function machine(over: Partial<MachineRecord> = {}): MachineRecord {
  return { id: ID_A, hostname: 'm1', ip: '172.17.8.101', metadata: {}, version: '0.1.0', startedAt: 0, ...over };
}

function unitState(over: Partial<UnitStateRecord> = {}): UnitStateRecord {
  return {
    unit: 'hello.service',
    machineId: ID_A,
    hash: HASH,
    loadState: 'loaded',
    activeState: 'active',
    subState: 'running',
    updatedAt: 0,
    ...over,
  };
}

function unit(over: Partial<UnitRecord> = {}): UnitRecord {
  return {
    name: 'hello.service',
    options: [{ section: 'Unit', name: 'Description', value: 'Hello World' }],
    hash: HASH,
    desiredState: 'launched',
    global: false,
    ...over,
  };
}

const format = (fields: string, over: Partial<ListFormat> = {}): ListFormat => ({
  fields: fields.split(','),
  full: false,
  noLegend: false,
  ...over,
});

describe('list-units', () => {
  test.each<{ name: string; rows: UnitStateRow[]; format: ListFormat; want: string }>([
    { name: 'header only when empty', rows: [], format: format(DEFAULT_UNIT_STATE_FIELDS), want: 'UNIT\tMACHINE\tACTIVE\tSUB\n' },
    {
      name: 'default columns with machine IP',
      rows: [{ state: unitState(), machine: machine() }],
      format: format(DEFAULT_UNIT_STATE_FIELDS),
      want: 'UNIT\t\tMACHINE\t\t\t\tACTIVE\tSUB\nhello.service\t113f16a7.../172.17.8.101\tactive\trunning\n',
    },
    {
      name: 'unknown machine: ID only; --no-legend',
      rows: [{ state: unitState({ activeState: 'failed', subState: 'failed' }) }],
      format: format(DEFAULT_UNIT_STATE_FIELDS, { noLegend: true }),
      want: 'hello.service\t113f16a7...\tfailed\tfailed\n',
    },
    {
      name: '--full shows whole ID and hash',
      rows: [{ state: unitState(), machine: machine() }],
      format: format('machine,hash,load', { full: true, noLegend: true }),
      want: `${ID_A}/172.17.8.101\t${HASH}\tloaded\n`,
    },
    {
      name: 'short hash, empty hash is a dash',
      rows: [{ state: unitState() }, { state: unitState({ hash: '', machineId: ID_B }) }],
      format: format('hash,machine'),
      want: 'HASH\tMACHINE\nd4c5b2f\t113f16a7...\n-\t2c2e6f3d...\n',
    },
    {
      name: 'restarts and since; a dash where the agent published none',
      rows: [{ state: unitState({ restarts: 2, since: Date.UTC(2026, 10, 24, 3, 4, 5, 678) }) }, { state: unitState({ unit: 'old.service' }) }],
      format: format('unit,restarts,since', { noLegend: true }),
      want: 'hello.service\t2\t2026-11-24T03:04:05Z\nold.service\t-\t-\n',
    },
    {
      name: 'container and health columns; a dash for units without them',
      rows: [
        { state: unitState({ unit: 'a.container', container: { state: 'running', health: 'healthy' }, health: { status: 'healthy', checkedAt: 1, failures: 0 } }) },
        { state: unitState({ unit: 'b.container', container: { state: 'exited', exitCode: 137 }, health: { status: 'starting', checkedAt: 1, failures: 1 } }) },
        { state: unitState({ unit: 'c.container', container: { state: 'pull-failed', error: 'manifest unknown' } }) },
        { state: unitState({ unit: 'd.service', health: { status: 'unhealthy', checkedAt: 1, failures: 3, message: 'HTTP 500' } }) },
      ],
      format: format('unit,container,health', { noLegend: true }),
      want:
        'a.container\trunning/healthy\t\t\thealthy\n' +
        'b.container\texited(137)\t\t\tstarting(1)\n' +
        'c.container\tpull-failed: manifest unknown\t-\n' +
        'd.service\t-\t\t\t\tunhealthy(3)\n',
    },
  ])('$name', ({ rows, format, want }) => {
    expect(renderList(rows, UNIT_STATE_FIELDS, format)).toBe(want);
  });
});

describe('list-machines', () => {
  const row = (m: MachineRecord, state: MachineRow['state'] = 'schedulable'): MachineRow => ({ machine: m, state });
  test.each<{ name: string; rows: MachineRow[]; format: ListFormat; want: string }>([
    {
      name: 'metadata sorted by key',
      rows: [row(machine({ metadata: { region: 'us-east', disk: 'ssd' } }))],
      format: format(DEFAULT_MACHINE_FIELDS),
      want: 'MACHINE\t\tIP\t\tMETADATA\n113f16a7...\t172.17.8.101\tdisk=ssd,region=us-east\n',
    },
    {
      name: 'no IP, no metadata',
      rows: [row(machine({ ip: '' }))],
      format: format(DEFAULT_MACHINE_FIELDS, { noLegend: true }),
      want: '113f16a7...\t-\t-\n',
    },
    { name: '--full', rows: [row(machine())], format: format('machine', { full: true }), want: `MACHINE\n${ID_A}\n` },
    {
      name: 'state column on request',
      rows: [row(machine(), 'draining'), row(machine({ id: ID_B }), 'schedulable')],
      format: format('machine,ip,state'),
      want: 'MACHINE\t\tIP\t\tSTATE\n113f16a7...\t172.17.8.101\tdraining\n2c2e6f3d...\t172.17.8.101\tschedulable\n',
    },
  ])('$name', ({ rows, format, want }) => {
    expect(renderList(rows, MACHINE_FIELDS, format)).toBe(want);
  });
});

describe('list-unit-files', () => {
  test.each<{ name: string; rows: UnitFileRow[]; format: ListFormat; want: string }>([
    {
      name: 'scheduled and launched',
      rows: [{ unit: unit(), current: 'launched', machineId: ID_A, machine: machine() }],
      format: format(DEFAULT_UNIT_FILE_FIELDS),
      want: 'UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\nhello.service\td4c5b2f\tlaunched\tlaunched\t113f16a7.../172.17.8.101\n',
    },
    {
      name: 'unscheduled inactive',
      rows: [{ unit: unit({ desiredState: 'inactive' }), current: 'inactive' }],
      format: format(DEFAULT_UNIT_FILE_FIELDS, { noLegend: true }),
      want: 'hello.service\td4c5b2f\tinactive\tinactive\t-\n',
    },
    {
      name: 'global unit: state dash, target global',
      rows: [{ unit: unit({ global: true }), current: 'launched' }],
      format: format('unit,state,target,global', { noLegend: true }),
      want: 'hello.service\t-\tglobal\ttrue\n',
    },
    {
      name: 'desc falls back to a dash',
      rows: [{ unit: unit(), current: 'loaded' }, { unit: unit({ name: 'b.service', options: [] }), current: 'loaded' }],
      format: format('unit,desc'),
      want: 'UNIT\t\tDESC\nhello.service\tHello World\nb.service\t-\n',
    },
  ])('$name', ({ rows, format, want }) => {
    expect(renderList(rows, UNIT_FILE_FIELDS, format)).toBe(want);
  });
});

describe('parseFields', () => {
  test.each([
    { name: 'empty', spec: '', want: 'Must define output format' },
    { name: 'unknown key', spec: 'unit,bogus', want: 'Invalid key in output format: "bogus"' },
    { name: 'trailing comma', spec: 'unit,', want: 'Invalid key in output format: ""' },
  ])('$name', ({ spec, want }) => {
    expect(() => parseFields(spec, UNIT_STATE_FIELDS)).toThrow(want);
  });

  test('valid keys keep their order', () => {
    expect(parseFields('sub,unit', UNIT_STATE_FIELDS)).toEqual(['sub', 'unit']);
  });
});

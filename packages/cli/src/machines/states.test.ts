import { expect, test } from 'vitest';
import type { MachineCordon, MachineRecord } from '@flotilla/core';
import { machineRowsOf } from './states.js';

const machine = (id: string, cordon?: MachineCordon): MachineRecord =>
  ({ id, hostname: id, ip: '', metadata: {}, version: 't', startedAt: 0, ...(cordon ? { cordon } : {}) });
const DRAIN: MachineCordon = { since: 1, drain: { startedAt: 1 } };

test.each<[string, MachineRecord, number, string]>([
  ['no cordon, units', machine('a'), 3, 'schedulable'],
  ['cordoned, units stay', machine('a', { since: 1 }), 3, 'cordoned'],
  ['cordoned, empty', machine('a', { since: 1 }), 0, 'cordoned'],
  ['draining with units left', machine('a', DRAIN), 2, 'draining'],
  ['draining, none left', machine('a', DRAIN), 0, 'drained'],
])('%s → %s', (_name, m, count, want) => {
  expect(machineRowsOf([m], new Map([['a', count]])).map((r) => r.state)).toEqual([want]);
});

test('rows are sorted by machine ID; a machine with no count has no units', () => {
  const rows = machineRowsOf([machine('b', DRAIN), machine('a', DRAIN)], new Map([['b', 1]]));
  expect(rows.map((r) => [r.machine.id, r.state])).toEqual([['a', 'drained'], ['b', 'draining']]);
});

import { describe, expect, test } from 'vitest';
import {
  formatTimeSpan,
  isReservedMetadataKey,
  needsUnitCounts,
  nextCordon,
  nonGlobalUnitCounts,
  parseTimeSpan,
  type CordonRequest,
} from './machine-lifecycle.js';
import { machineSchedulingState, type MachineCordon } from './model.js';

describe('parseTimeSpan', () => {
  test.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1h 30min', 5_400_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['300', 300_000],
    ['0.5', 500],
    [' 10S ', 10_000],
    ['1m30s', 90_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseTimeSpan(text)).toBe(ms);
  });

  test.each([
    ['empty', ''],
    ['zero', '0s'],
    ['negative', '-5m'],
    ['unknown unit', '5x'],
    ['unit only', 'm'],
    ['trailing number', '1h30'],
    ['words', 'five minutes'],
    ['more than a year', '400d'],
    ['sub-millisecond', '0.1ms'],
  ])('%s is refused', (_name, text) => {
    expect(parseTimeSpan(text)).toBeUndefined();
  });
});

test.each([
  [500, '500ms'],
  [1000, '1s'],
  [90_000, '1m30s'],
  [300_000, '5m'],
  [5_400_000, '1h30m'],
  [90_061_000, '1d1h1m1s'],
  [-3, '0ms'],
])('formatTimeSpan(%d) = %s', (ms, text) => {
  expect(formatTimeSpan(ms)).toBe(text);
});

describe('nextCordon', () => {
  const NOW = 10_000;
  const cordoned: MachineCordon = { since: 1 };
  const draining: MachineCordon = { since: 1, drain: { startedAt: 2, deadlineAt: 3 } };
  const drainingNoDeadline: MachineCordon = { since: 1, drain: { startedAt: 2 } };
  test.each<[string, MachineCordon | undefined, CordonRequest, MachineCordon]>([
    ['cordon a schedulable machine', undefined, { drain: false }, { since: NOW }],
    ['cordon again keeps since', cordoned, { drain: false }, cordoned],
    ['cordon leaves a drain running', draining, { drain: false }, draining],
    ['drain a schedulable machine, no deadline', undefined, { drain: true }, { since: NOW, drain: { startedAt: NOW } }],
    ['drain with a deadline', undefined, { drain: true, deadlineMs: 60_000 }, { since: NOW, drain: { startedAt: NOW, deadlineAt: NOW + 60_000 } }],
    ['drain a cordoned machine keeps since', cordoned, { drain: true }, { since: 1, drain: { startedAt: NOW } }],
    ['drain again keeps start and deadline', draining, { drain: true }, draining],
    ['drain again with a deadline replaces it', draining, { drain: true, deadlineMs: 5 }, { since: 1, drain: { startedAt: 2, deadlineAt: NOW + 5 } }],
    ['a deadline added to a drain without one', drainingNoDeadline, { drain: true, deadlineMs: 5 }, { since: 1, drain: { startedAt: 2, deadlineAt: NOW + 5 } }],
  ])('%s', (_name, current, request, want) => {
    expect(nextCordon(current, request, NOW)).toEqual(want);
  });
});

describe('scheduling state inputs', () => {
  const units = [
    { name: 'a.service', global: false },
    { name: 'b.service', global: false },
    { name: 'g.service', global: true },
  ];
  test('counts only non-global scheduled units, per machine', () => {
    const schedule = new Map([['a.service', 'm1'], ['b.service', 'm1'], ['g.service', 'm2'], ['gone.service', 'm2']]);
    expect(nonGlobalUnitCounts(units, schedule)).toEqual(new Map([['m1', 2], ['m2', 1]]));
  });

  test.each<[string, MachineCordon | undefined, number, string]>([
    ['no cordon', undefined, 3, 'schedulable'],
    ['cordoned with units', { since: 1 }, 3, 'cordoned'],
    ['draining with units', { since: 1, drain: { startedAt: 1 } }, 1, 'draining'],
    ['draining, nothing left', { since: 1, drain: { startedAt: 1 } }, 0, 'drained'],
  ])('%s → %s', (_name, cordon, count, want) => {
    expect(machineSchedulingState(cordon ? { cordon } : {}, count)).toBe(want);
  });

  test('an agent stopping for good: leaving, whatever the cordon', () => {
    expect(machineSchedulingState({ leaving: true }, 2)).toBe('leaving');
    expect(machineSchedulingState({ leaving: true, cordon: { since: 1, drain: { startedAt: 1 } } }, 0)).toBe('leaving');
  });

  test('unit counts are needed only when a machine drains', () => {
    expect(needsUnitCounts([{}, { cordon: { since: 1 } }])).toBe(false);
    expect(needsUnitCounts([{}, { cordon: { since: 1, drain: { startedAt: 1 } } }])).toBe(true);
  });
});

test.each([
  ['_flotilla.cordon', true],
  ['_flotilla.anything', true],
  ['flotilla.cordon', false],
  ['role', false],
  ['_other', false],
])('isReservedMetadataKey(%s) = %s', (key, want) => {
  expect(isReservedMetadataKey(key)).toBe(want);
});

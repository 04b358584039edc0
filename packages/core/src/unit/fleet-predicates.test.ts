import { describe, expect, test } from 'vitest';
import { keyedRecord } from '../user-keys.js';
import { machineIdMatches, machineMetadataSatisfies, unitsConflictByGlobs } from './fleet-predicates.js';

const FULL_ID = '2c5d84d6a3f94a4f8e0d1b7c9e6a5f43';

describe('machineIdMatches', () => {
  test.each([
    { name: 'full id', required: FULL_ID, machineId: FULL_ID, want: true },
    { name: 'short id (8 chars)', required: '2c5d84d6', machineId: FULL_ID, want: true },
    { name: 'other prefix lengths do not match', required: '2c5d84d', machineId: FULL_ID, want: false },
    { name: 'different machine', required: '2c5d84d7', machineId: FULL_ID, want: false },
    { name: 'short test ids match exactly', required: 'm1', machineId: 'm1', want: true },
  ])('$name', ({ required, machineId, want }) => {
    expect(machineIdMatches(required, machineId)).toBe(want);
  });
});

describe('machineMetadataSatisfies (OR within a key, AND across keys)', () => {
  test.each<{ name: string; metadata: Record<string, string>; wanted: Record<string, string[]>; want: boolean }>([
    { name: 'no requirements', metadata: {}, wanted: {}, want: true },
    { name: 'one key, matching value', metadata: { region: 'us' }, wanted: { region: ['us'] }, want: true },
    { name: 'OR within a key', metadata: { region: 'eu' }, wanted: { region: ['us', 'eu'] }, want: true },
    { name: 'AND across keys: one missing', metadata: { region: 'us' }, wanted: { region: ['us'], disk: ['ssd'] }, want: false },
    { name: 'AND across keys: both match', metadata: { region: 'us', disk: 'ssd' }, wanted: { region: ['us'], disk: ['ssd'] }, want: true },
    { name: 'value differs', metadata: { region: 'ap' }, wanted: { region: ['us', 'eu'] }, want: false },
    { name: 'case matters', metadata: { region: 'US' }, wanted: { region: ['us'] }, want: false },
    { name: 'key constructor: the machine has it', metadata: { constructor: 'x' }, wanted: { constructor: ['x'] }, want: true },
    { name: 'key constructor: the machine lacks it (Object.prototype\'s is not its)', metadata: {}, wanted: { constructor: [String(Object)] }, want: false },
    { name: 'key __proto__ as JSON and msgpack decode it', metadata: JSON.parse('{"__proto__":"x"}') as Record<string, string>, wanted: keyedRecord([['__proto__', ['x']]]), want: true },
    { name: 'key __proto__: the machine lacks it', metadata: { region: 'us' }, wanted: keyedRecord([['__proto__', [String(Object.prototype)]]]), want: false },
  ])('$name', ({ metadata, wanted, want }) => {
    expect(machineMetadataSatisfies(metadata, wanted)).toBe(want);
  });
});

describe('unitsConflictByGlobs (both directions)', () => {
  test.each([
    { name: 'a declares b', a: { name: 'a.service', conflicts: ['b.*'] }, b: { name: 'b.service', conflicts: [] }, want: true },
    { name: 'b declares a', a: { name: 'a.service', conflicts: [] }, b: { name: 'b.service', conflicts: ['a.service'] }, want: true },
    { name: 'self-match ignored', a: { name: 'conflict.0.service', conflicts: ['conflict.*.service'] }, b: { name: 'conflict.0.service', conflicts: ['conflict.*.service'] }, want: false },
    { name: 'siblings of one template', a: { name: 'web@1.service', conflicts: ['web@*.service'] }, b: { name: 'web@2.service', conflicts: ['web@*.service'] }, want: true },
    { name: 'no match', a: { name: 'a.service', conflicts: ['x.*'] }, b: { name: 'b.service', conflicts: ['y.*'] }, want: false },
    { name: 'malformed glob matches nothing', a: { name: 'a.service', conflicts: ['[b'] }, b: { name: '[b', conflicts: [] }, want: false },
  ])('$name', ({ a, b, want }) => {
    expect(unitsConflictByGlobs(a, b)).toBe(want);
  });
});

import fc from 'fast-check';
import { keyedRecord, parseFleetRequirements } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { metadataOptions, metadataPairs } from '../../../../core/src/testing/metadata-arbitrary.js';
import { machine, unit } from '../../test-support/builders.js';
import { metadataFilter, metadataMatches } from './metadata.js';

describe('metadataMatches (OR within a key, AND across keys)', () => {
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
    expect(metadataMatches(machine('m1', metadata), wanted)).toBe(want);
  });

  // Keys are the user's, Object.prototype's member names included (core user-keys.ts).
  test('a machine with the first value of each parsed key matches, whatever the keys', () => {
    fc.assert(
      fc.property(metadataPairs, (pairs) => {
        const { metadata } = parseFleetRequirements('a.service', metadataOptions(pairs));
        const keys = [...new Set(pairs.map(([k]) => k))];
        const own = keyedRecord(keys.map((k) => [k, pairs.find(([pk]) => pk === k)![1]] as const));
        expect(metadataMatches(machine('m1', own), metadata)).toBe(true);
        expect(metadataMatches(machine('m1', JSON.parse(JSON.stringify(own)) as Record<string, string>), metadata)).toBe(true);
        expect(metadataMatches(machine('m1', {}), metadata)).toBe(keys.length === 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('metadataFilter.machineClass: one class per set of requirements, in any order', () => {
  test.each([
    { name: 'no MachineMetadata: no class', a: unit('a.service'), b: unit('b.service'), same: true, none: true },
    { name: 'same requirements written in another order', a: unit('a.service').metadata('region=eu').metadata('region=us'), b: unit('b.service').metadata('region=us').metadata('region=eu'), same: true, none: false },
    { name: 'different values', a: unit('a.service').metadata('region=eu'), b: unit('b.service').metadata('region=us'), same: false, none: false },
  ])('$name', ({ a, b, same, none }) => {
    const [ka, kb] = [metadataFilter.machineClass?.(a.build()), metadataFilter.machineClass?.(b.build())];
    expect([ka === kb, ka === undefined]).toEqual([same, none]);
  });
});

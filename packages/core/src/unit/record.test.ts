import { describe, expect, test } from 'vitest';
import { fleet, unitSpec } from '../testing/unit-builders.js';
import { unitHash } from './canonical.js';
import { makeUnitRecord } from './record.js';

describe('makeUnitRecord', () => {
  test.each([
    { name: 'plain unit', spec: unitSpec('a.service'), state: 'inactive' as const, global: false },
    { name: 'global unit', spec: unitSpec('g.service', fleet('Global', 'true')), state: 'launched' as const, global: true },
  ])('$name', ({ spec, state, global }) => {
    expect(makeUnitRecord(spec, state)).toEqual({ name: spec.name, options: spec.options, hash: unitHash(spec.options), desiredState: state, global });
  });

  test('copies options (no aliasing with the caller)', () => {
    const spec = unitSpec('a.service');
    const record = makeUnitRecord(spec, 'inactive');
    expect(record.options).not.toBe(spec.options);
    expect(record.options[0]).not.toBe(spec.options[0]);
  });
});

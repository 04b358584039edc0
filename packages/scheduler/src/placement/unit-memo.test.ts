import { parseFleetRequirements } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { unit } from '../test-support/builders.js';
import { requirementsOf } from './requirements.js';

describe('requirementsOf', () => {
  test.each([
    ['no [X-Fleet] options', unit('a.service').build()],
    ['metadata only', unit('b.service').metadata('disk=ssd').build()],
    ['conflicts only', unit('web@1.service').conflicts('web@*.service').build()],
    ['a machine id', unit('c.service').machineId('m1').build()],
    ['global', unit('g.service').xFleet('Global', 'true').build()],
  ])('says what the parse says: %s', (_, record) => {
    expect(requirementsOf(record)).toEqual(parseFleetRequirements(record.name, record.options));
  });

  test("units' empty parts are shared and cannot be written through", () => {
    const plain = requirementsOf(unit('a.service').build());
    expect(requirementsOf(unit('b.service').build())).toBe(plain);
    const withMetadata = requirementsOf(unit('c.service').metadata('disk=ssd').build());
    expect(withMetadata.conflicts).toBe(plain.conflicts);
    expect(() => plain.conflicts.push('x')).toThrow(TypeError);
    expect(() => (plain.metadata['disk'] = ['ssd'])).toThrow(TypeError);
  });
});

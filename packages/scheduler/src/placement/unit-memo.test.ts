import { parseFleetRequirements, parseRequests } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { unit } from '../test-support/builders.js';
import { requirementsOf } from './requirements.js';
import { NO_RESOURCES, requestsOf } from './resources.js';

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

describe('requestsOf', () => {
  test.each([
    ['nothing requested', unit('a.service').build()],
    ['memory', unit('b.service').service('MemoryMax', '512M').build()],
    ['CPU', unit('c.service').service('CPUQuota', '50%').build()],
    ['both, with [X-Fleet] rules', unit('d.service').service('MemoryMax', '1G').service('CPUQuota', '150%').conflicts('d*').build()],
  ])('says what the parse says: %s', (_, record) => {
    expect(requestsOf(record)).toEqual(parseRequests(record.options));
    expect(requestsOf(record)).toBe(requestsOf(record));
  });

  test('units that request nothing share one frozen zero; the requirements of a unit that requests something are its own', () => {
    expect(requestsOf(unit('a.service').build())).toBe(NO_RESOURCES);
    expect(requestsOf(unit('b.service').metadata('disk=ssd').build())).toBe(NO_RESOURCES);
    expect(() => ((NO_RESOURCES as { cpuMillis: number }).cpuMillis = 1)).toThrow(TypeError);
    const asking = unit('c.service').service('MemoryMax', '1G').build();
    expect(requestsOf(asking)).not.toBe(NO_RESOURCES);
    expect(requirementsOf(asking)).toBe(requirementsOf(unit('a.service').build()));
  });
});

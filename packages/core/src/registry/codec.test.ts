import { describe, expect, test } from 'vitest';
import { CorruptRecordError } from '../errors.js';
import { unitSpec } from '../testing/unit-builders.js';
import { makeUnitRecord } from '../unit/record.js';
import { decodeValue, encodeValue } from './codec.js';
import { isAssignment, isMachineId, isUnitRecord } from './record-guards.js';

describe('codec', () => {
  test.each([
    { name: 'unit record', value: makeUnitRecord(unitSpec('a.service'), 'launched'), guard: isUnitRecord },
    { name: 'assignment', value: { unit: 'a.service', machineId: 'm1', hash: 'h', desiredState: 'loaded' }, guard: isAssignment },
    { name: 'machine id', value: 'm1', guard: isMachineId },
  ])('round trip: $name', ({ value, guard }) => {
    expect(decodeValue('k', encodeValue(value), guard as (v: unknown) => v is unknown)).toEqual(value);
  });

  test.each([
    { name: 'not msgpack', bytes: Buffer.from([0xc1]) },
    { name: 'wrong shape', bytes: encodeValue({ unit: 'a.service' }) },
    { name: 'bad desired state', bytes: encodeValue({ unit: 'a', machineId: 'm', hash: 'h', desiredState: 'running' }) },
    { name: 'empty', bytes: Buffer.alloc(0) },
  ])('corrupt: $name', ({ bytes }) => {
    expect(() => decodeValue('/f/assignments/m/a', bytes, isAssignment)).toThrow(new CorruptRecordError('/f/assignments/m/a'));
  });
});

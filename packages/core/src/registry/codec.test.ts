import { Packr } from 'msgpackr/pack';
import { describe, expect, test } from 'vitest';
import { CorruptRecordError } from '../errors.js';
import { unitSpec } from '../testing/unit-builders.js';
import { makeUnitRecord } from '../unit/record.js';
import { SCHEMA_VERSION, VALUE_MAGIC, decodeValue, encodeValue } from './codec.js';
import { keyedRecord } from '../user-keys.js';
import { isAssignment, isMachineId, isMachineRecord, isUnitRecord } from './record-guards.js';

const plainMsgpack = (value: unknown) => new Packr({ useRecords: false }).pack(value);
const versioned = (version: number, value: unknown) => Buffer.concat([Buffer.from([VALUE_MAGIC, version]), plainMsgpack(value)]);
const assignment = { unit: 'a.service', machineId: 'm1', hash: 'h', desiredState: 'loaded' };

describe('codec', () => {
  test.each([
    { name: 'unit record', value: makeUnitRecord(unitSpec('a.service'), 'launched'), guard: isUnitRecord },
    { name: 'assignment', value: assignment, guard: isAssignment },
    { name: 'machine id', value: 'm1', guard: isMachineId },
  ])('round trip: $name', ({ value, guard }) => {
    expect(decodeValue('k', encodeValue(value), guard as (v: unknown) => v is unknown)).toEqual(value);
  });

  // Metadata keys are the user's: `__proto__` must not come back as msgpackr's `__proto_` (user-keys.ts).
  test('a machine record whose metadata keys are Object.prototype names comes back with the same own keys', () => {
    const metadata = keyedRecord([['__proto__', 'a'], ['constructor', 'b'], ['toString', 'c'], ['hasOwnProperty', 'd'], ['__proto_', 'e']]);
    const machine = { id: 'm1', hostname: 'h', ip: '10.0.0.1', metadata, version: 't', startedAt: 1, note: ['__proto__'] };
    const decoded = decodeValue('k', encodeValue(machine), isMachineRecord);
    expect(Object.entries(decoded.metadata)).toEqual([['__proto__', 'a'], ['constructor', 'b'], ['toString', 'c'], ['hasOwnProperty', 'd'], ['__proto_', 'e']]);
    expect(Object.getPrototypeOf(decoded.metadata)).toBe(Object.prototype);
    expect(decoded).toEqual(machine);
  });

  test('header: msgpack never-used byte, then the schema version; the body is plain msgpack', () => {
    const bytes = encodeValue(assignment);
    expect([...bytes.subarray(0, 2)]).toEqual([0xc1, SCHEMA_VERSION]);
    expect(new Packr({ useRecords: false }).unpack(bytes.subarray(2))).toEqual(assignment);
  });

  test.each([
    { name: 'not msgpack', bytes: Buffer.from([0xc1, SCHEMA_VERSION, 0x92, 0x01]), reason: 'value does not decode as msgpack' },
    { name: 'foreign msgpack (no header)', bytes: plainMsgpack(assignment), reason: 'not a Flotilla record (no schema header)' },
    { name: 'fleet JSON', bytes: Buffer.from('{"Name":"a.service"}'), reason: 'not a Flotilla record (no schema header)' },
    { name: 'newer schema', bytes: versioned(SCHEMA_VERSION + 1, assignment), reason: `schema version ${SCHEMA_VERSION + 1} is not supported (this build reads ${SCHEMA_VERSION})` },
    { name: 'wrong shape', bytes: encodeValue({ unit: 'a.service' }), reason: 'unexpected record shape' },
    { name: 'bad desired state', bytes: encodeValue({ ...assignment, desiredState: 'running' }), reason: 'unexpected record shape' },
    { name: 'empty', bytes: Buffer.alloc(0), reason: 'not a Flotilla record (no schema header)' },
    { name: 'header only', bytes: Buffer.from([0xc1, SCHEMA_VERSION]), reason: 'value does not decode as msgpack' },
  ])('corrupt: $name', ({ bytes, reason }) => {
    expectCorrupt(bytes, isAssignment, reason);
  });

  const unit = makeUnitRecord(unitSpec('a.service'), 'inactive');
  test.each([
    { name: 'line break smuggled into a value', value: { ...unit, options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true\nExecStartPre=/bin/evil' }] } },
    { name: 'section header smuggled into a name', value: { ...unit, options: [{ section: 'Service', name: '[Install]', value: 'x' }] } },
    { name: 'bracket in a section', value: { ...unit, options: [{ section: 'Service]', name: 'A', value: 'x' }] } },
    { name: 'hash that is no SHA1', value: { ...unit, hash: 'h' } },
  ])('unit record: $name', ({ value }) => {
    expectCorrupt(encodeValue(value), isUnitRecord, 'unexpected record shape');
  });
});

function expectCorrupt(bytes: Buffer, guard: (v: unknown) => boolean, reason: string): void {
  const err = (() => {
    try {
      decodeValue('/f/v1/assignments/m/a', bytes, guard as (v: unknown) => v is unknown);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  expect(err).toBeInstanceOf(CorruptRecordError);
  expect({ key: (err as CorruptRecordError).key, reason: (err as CorruptRecordError).reason }).toEqual({ key: '/f/v1/assignments/m/a', reason });
}

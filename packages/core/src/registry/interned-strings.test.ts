import { describe, expect, test } from 'vitest';
import { unitSpec } from '../testing/unit-builders.js';
import { makeUnitRecord } from '../unit/record.js';
import { decodeValue, encodeValue } from './codec.js';
import { internAssignment, internString, internUnitRecord } from './interned-strings.js';
import { isAssignment, isUnitRecord } from './record-guards.js';

// JavaScript cannot tell two equal strings' copies apart (the memory saved is measured in docs/benchmarks.md,
// "Leader memory, second pass"); these check that interning never changes what a record says.
describe('interned strings', () => {
  test('decoded unit records come back unchanged, short and long option values, pinned versions included', () => {
    for (const name of ['a.service', 'b.service']) {
      const record = {
        ...makeUnitRecord(unitSpec(name, { section: 'Unit', name: 'Documentation', value: `${name} ${'x'.repeat(80)}` }), 'launched'),
        pinned: { h1: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }] },
      };
      expect(internUnitRecord(decodeValue(name, encodeValue(record), isUnitRecord))).toEqual(record);
    }
  });

  test('a record of the five usual fields comes back with the same fields; one with a field it does not know keeps it', () => {
    const record = makeUnitRecord(unitSpec('c.service', { section: 'Service', name: 'ExecStart', value: '/bin/true' }), 'launched');
    const plain = internUnitRecord(decodeValue('c.service', encodeValue(record), isUnitRecord));
    expect(plain).toEqual(record);
    expect(Object.keys(plain).sort()).toEqual(['desiredState', 'global', 'hash', 'name', 'options']);
    const newer = { ...record, addedLater: 7 };
    expect(internUnitRecord(decodeValue('c.service', encodeValue(newer), isUnitRecord))).toEqual(newer);
  });

  test('an assignment comes back unchanged', () => {
    const assignment = { unit: 'a.service', machineId: 'm1', hash: 'h', desiredState: 'loaded' as const };
    expect(internAssignment(decodeValue('k', encodeValue(assignment), isAssignment))).toEqual(assignment);
  });

  test('past its bound the table starts over and still answers with the text given', () => {
    for (let i = 0; i < 10_000; i++) expect(internString(`value-${i}`)).toBe(`value-${i}`);
    expect(internString('launched')).toBe('launched');
  });
});

describe('shared options', () => {
  const decoded = (name: string, ...options: { section: string; name: string; value: string }[]) =>
    internUnitRecord(decodeValue(name, encodeValue(makeUnitRecord({ name, options }, 'launched')), isUnitRecord));

  test('records decoded with the same short option share one frozen copy; other values and long ones are their own', () => {
    const exec = { section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' };
    const long = { section: 'Unit', name: 'Documentation', value: 'x'.repeat(80) };
    const a = decoded('a.service', exec, long);
    const b = decoded('b.service', exec, long, { section: 'Service', name: 'ExecStart', value: '/bin/true' });
    expect(b.options[0]).toBe(a.options[0]);
    expect(b.options[0]).toEqual(exec);
    expect(Object.isFrozen(a.options[0])).toBe(true);
    expect(b.options[1]).not.toBe(a.options[1]);
    expect(b.options[2]).toEqual({ section: 'Service', name: 'ExecStart', value: '/bin/true' });
    expect(() => ((a.options[0] as { value: string }).value = 'changed')).toThrow(TypeError);
  });

  test('past its bound the table starts over, and every record still says what was written', () => {
    for (let i = 0; i < 10_000; i++) {
      const option = { section: 'Unit', name: 'Description', value: `unit ${i}` };
      expect(decoded(`u${i}.service`, option).options).toEqual([option]);
    }
    const exec = { section: 'Service', name: 'ExecStart', value: '/bin/true' };
    expect(decoded('x.service', exec).options[0]).toBe(decoded('y.service', exec).options[0]);
  });
});

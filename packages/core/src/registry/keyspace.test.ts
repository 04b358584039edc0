import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Keyspace } from './keyspace.js';

describe('Keyspace', () => {
  const keys = new Keyspace('/f/');
  test.each([
    { name: 'unit', key: keys.unit('a.service'), want: '/f/v1/units/a.service' },
    { name: 'machine', key: keys.machine('m1'), want: '/f/v1/machines/m1' },
    { name: 'schedule', key: keys.schedule('a.service'), want: '/f/v1/schedule/a.service' },
    { name: 'assignment', key: keys.assignment('m1', 'a.service'), want: '/f/v1/assignments/m1/a.service' },
    { name: 'assignments of a machine end in /', key: keys.assignmentsOf('m1'), want: '/f/v1/assignments/m1/' },
    { name: 'state', key: keys.state('a.service', 'm1'), want: '/f/v1/agent-states/a.service/m1' },
    { name: 'states of a unit end in /', key: keys.statesOf('a.service'), want: '/f/v1/agent-states/a.service/' },
    { name: 'election', key: keys.electionPrefix(), want: '/f/v1/election/scheduler/' },
    { name: 'default prefix', key: new Keyspace().unit('a.service'), want: '/flotilla/v1/units/a.service' },
    { name: 'prefix without trailing slash', key: new Keyspace('/x').unit('a.service'), want: '/x/v1/units/a.service' },
  ])('$name', ({ key, want }) => {
    expect(key).toBe(want);
  });

  test('relative', () => {
    expect(Keyspace.relative('/f/states/a.service/', '/f/states/a.service/m1')).toBe('m1');
    expect(() => Keyspace.relative('/f/units/', '/g/units/a')).toThrow('key /g/units/a is not under /f/units/');
  });

  test('the cluster range holds every key watchCluster follows and no published state', () => {
    const { start, end } = keys.clusterRange;
    const inRange = (key: string) => key >= start && key < end;
    const followed = [keys.unit('z.service'), keys.machine('m'), keys.schedule('a.service'), keys.assignment('m', 'a.service'), keys.electionPrefix(), `${keys.root}machine-metadata/m/k`];
    expect(followed.filter((k) => !inRange(k))).toEqual([]);
    expect([keys.state('a.service', 'm'), `${keys.root}unitsx`, `${keys.prefix}v2/units/a.service`].filter(inRange)).toEqual([]);
  });
});

describe('Keyspace.parse', () => {
  const keys = new Keyspace('/f/');
  test.each([
    { name: 'unit', key: '/f/v1/units/a.service', want: { kind: 'unit', unit: 'a.service' } },
    { name: 'machine', key: '/f/v1/machines/m1', want: { kind: 'machine', machineId: 'm1' } },
    { name: 'schedule', key: '/f/v1/schedule/a@1.service', want: { kind: 'schedule', unit: 'a@1.service' } },
    { name: 'assignment', key: '/f/v1/assignments/m1/a.service', want: { kind: 'assignment', machineId: 'm1', unit: 'a.service' } },
    { name: 'state', key: '/f/v1/agent-states/a.service/m1', want: { kind: 'state', unit: 'a.service', machineId: 'm1' } },
    { name: 'other sub-root', key: '/f/v1/election/scheduler/1', want: { kind: 'other', key: '/f/v1/election/scheduler/1' } },
    { name: 'another version', key: '/f/v2/units/a.service', want: { key: '/f/v2/units/a.service', reason: 'not under /f/v1/' } },
    { name: 'invalid unit name', key: '/f/v1/units/a b.service', want: { key: '/f/v1/units/a b.service', reason: `unit name "a b.service": invalid character ' ' in unit name` } },
    { name: 'traversal in a unit name', key: '/f/v1/units/../x.service', want: { key: '/f/v1/units/../x.service', reason: 'expected unit after the key\'s root' } },
    { name: 'no unit type', key: '/f/v1/schedule/a', want: { key: '/f/v1/schedule/a', reason: 'unit name "a": unit name must contain "."' } },
    { name: 'invalid machine id', key: '/f/v1/assignments/m 1/a.service', want: { key: '/f/v1/assignments/m 1/a.service', reason: 'machine id "m 1": invalid character " " in machine id' } },
    { name: 'missing part', key: '/f/v1/assignments/m1', want: { key: '/f/v1/assignments/m1', reason: 'expected machine/unit after the key\'s root' } },
    { name: 'extra part', key: '/f/v1/agent-states/a.service/m1/x', want: { key: '/f/v1/agent-states/a.service/m1/x', reason: 'expected unit/machine after the key\'s root' } },
  ])('$name', ({ key, want }) => {
    expect(keys.parse(key)).toEqual(want);
  });
});

describe('Keyspace.parse properties', () => {
  const keys = new Keyspace('/p/');
  const stem = fc.string({ unit: fc.constantFrom(...'abcXYZ019:_.\\-'), minLength: 1, maxLength: 20 });
  const unitName = fc.tuple(stem, fc.constantFrom('service', 'socket', 'timer')).map(([s, t]) => `${s}.${t}`);
  const machineId = fc.string({ unit: fc.constantFrom(...'abcdef0123456789-_:'), minLength: 1, maxLength: 32 });

  test('every key built from a valid unit name and machine id parses back to them', () => {
    fc.assert(
      fc.property(unitName, machineId, (unit, machine) => {
        expect(keys.parse(keys.assignment(machine, unit))).toEqual({ kind: 'assignment', machineId: machine, unit });
        expect(keys.parse(keys.state(unit, machine))).toEqual({ kind: 'state', unit, machineId: machine });
        expect(keys.parse(keys.unit(unit))).toEqual({ kind: 'unit', unit });
      }),
    );
  });

  test('any other text after units/ is either a valid name or a key problem, never a crash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (rest) => {
        const parsed = keys.parse(`${keys.unitsPrefix}${rest}`);
        if ('reason' in parsed) expect(parsed.reason).not.toBe('');
        else expect(parsed).toEqual({ kind: 'unit', unit: rest });
      }),
    );
  });
});

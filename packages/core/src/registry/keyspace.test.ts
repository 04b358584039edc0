import { describe, expect, test } from 'vitest';
import { Keyspace } from './keyspace.js';

describe('Keyspace', () => {
  const keys = new Keyspace('/f/');
  test.each([
    { name: 'unit', key: keys.unit('a.service'), want: '/f/units/a.service' },
    { name: 'machine', key: keys.machine('m1'), want: '/f/machines/m1' },
    { name: 'schedule', key: keys.schedule('a.service'), want: '/f/schedule/a.service' },
    { name: 'assignment', key: keys.assignment('m1', 'a.service'), want: '/f/assignments/m1/a.service' },
    { name: 'assignments of a machine end in /', key: keys.assignmentsOf('m1'), want: '/f/assignments/m1/' },
    { name: 'state', key: keys.state('a.service', 'm1'), want: '/f/states/a.service/m1' },
    { name: 'states of a unit end in /', key: keys.statesOf('a.service'), want: '/f/states/a.service/' },
    { name: 'election', key: keys.electionPrefix(), want: '/f/election/scheduler/' },
    { name: 'default prefix', key: new Keyspace().unit('a.service'), want: '/flotilla/units/a.service' },
    { name: 'prefix without trailing slash', key: new Keyspace('/x').unit('a.service'), want: '/x/units/a.service' },
  ])('$name', ({ key, want }) => {
    expect(key).toBe(want);
  });

  test('relative', () => {
    expect(Keyspace.relative('/f/states/a.service/', '/f/states/a.service/m1')).toBe('m1');
    expect(() => Keyspace.relative('/f/units/', '/g/units/a')).toThrow('key /g/units/a is not under /f/units/');
  });
});

import { describe, expect, test } from 'vitest';
import { describeUnitsDirClash, unitsDirClash } from './units-dir.js';

describe('unitsDirClash', () => {
  test.each([
    ['the default', '/run/flotilla/units', undefined],
    ['a directory beside systemd\'s', '/var/lib/flotilla/units', undefined],
    ['a sibling whose name starts like one', '/etc/systemd/systemx', undefined],
    ['/etc/systemd/system', '/etc/systemd/system', { systemdPath: '/etc/systemd/system', relation: 'is' }],
    ['with a trailing slash', '/etc/systemd/system/', { systemdPath: '/etc/systemd/system', relation: 'is' }],
    ['through ..', '/run/flotilla/../systemd/system', { systemdPath: '/run/systemd/system', relation: 'is' }],
    ['/run/systemd/transient', '/run/systemd/transient', { systemdPath: '/run/systemd/transient', relation: 'is' }],
    ['/usr/lib/systemd/system', '/usr/lib/systemd/system', { systemdPath: '/usr/lib/systemd/system', relation: 'is' }],
    ['/lib/systemd/system', '/lib/systemd/system', { systemdPath: '/lib/systemd/system', relation: 'is' }],
    ['/usr/local/lib/systemd/system', '/usr/local/lib/systemd/system', { systemdPath: '/usr/local/lib/systemd/system', relation: 'is' }],
    ['a generator directory', '/run/systemd/generator.late', { systemdPath: '/run/systemd/generator.late', relation: 'is' }],
    ['a user manager directory', '/etc/systemd/user', { systemdPath: '/etc/systemd/user', relation: 'is' }],
    ['a .wants directory inside one', '/etc/systemd/system/multi-user.target.wants', { systemdPath: '/etc/systemd/system', relation: 'is inside' }],
    ['a parent: /run/systemd', '/run/systemd', { systemdPath: '/run/systemd/system.control', relation: 'contains' }],
    ['a parent: /run', '/run', { systemdPath: '/run/systemd/system.control', relation: 'contains' }],
    ['a parent: /etc/systemd', '/etc/systemd', { systemdPath: '/etc/systemd/system.control', relation: 'contains' }],
    ['the root', '/', { systemdPath: '/etc/systemd/system.control', relation: 'contains' }],
  ])('%s', (_name, dir, expected) => {
    expect(unitsDirClash(dir)).toEqual(expected);
  });

  test('the sentence names both directories', () => {
    expect(describeUnitsDirClash('/etc/systemd', { systemdPath: '/etc/systemd/system', relation: 'contains' })).toBe(
      '"/etc/systemd" contains systemd\'s unit directory /etc/systemd/system: the agent deletes the unit files there that it does not run',
    );
  });
});

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { canonicalText, MAX_NEW_UNIT_NAME_BYTES, unitHash } from '@flotilla/core';
import { containerServiceName } from './containers/render.js';
import { PullStore } from './containers/pull-store.js';
import { hasInstallSection, UnitFiles, unitTextHash } from './unit-files.js';

describe('UnitFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flotilla-units-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('write is atomic, 0644, and list reports name + hash of the text', async () => {
    const files = new UnitFiles(path.join(dir, 'units'));
    const text = '[Service]\nExecStart=/bin/true\n';
    const written = await files.write('a.service', text);
    expect(written).toBe(path.join(dir, 'units', 'a.service'));
    expect((await fs.stat(written)).mode & 0o777).toBe(0o644);
    expect(await fs.readFile(written, 'utf8')).toBe(text);
    await fs.writeFile(path.join(dir, 'units', 'notes.txt'), 'ignored');
    await fs.writeFile(path.join(dir, 'units', '.b.service.abc.tmp'), 'ignored');
    expect(await files.list()).toEqual([{ name: 'a.service', hash: unitTextHash(text) }]);
  });

  test('remove is idempotent; a missing directory lists as empty', async () => {
    const files = new UnitFiles(path.join(dir, 'missing'));
    expect(await files.list()).toEqual([]);
    await files.write('a.service', 'x');
    await files.remove('a.service');
    await files.remove('a.service');
    expect(await files.list()).toEqual([]);
  });

  test('list hashes what is on disk now: a file rewritten in place (same size) or replaced', async () => {
    const files = new UnitFiles(dir);
    const file = path.join(dir, 'a.service');
    await fs.writeFile(file, 'aaa');
    expect(await files.list()).toEqual([{ name: 'a.service', hash: unitTextHash('aaa') }]);
    await fs.writeFile(file, 'bbb');
    expect(await files.list()).toEqual([{ name: 'a.service', hash: unitTextHash('bbb') }]);
    await files.write('a.service', 'ccc');
    expect(await files.list()).toEqual([{ name: 'a.service', hash: unitTextHash('ccc') }]);
    await files.remove('a.service');
    expect(await files.list()).toEqual([]);
  });

  // The agent deletes the files it does not run from its directory (docs/agent.md, "Where unit files go").
  test.each([
    ['is systemd\'s /etc/systemd/system', '/etc/systemd/system', undefined, '"/etc/systemd/system" is systemd\'s unit directory /etc/systemd/system'],
    ['contains /run/systemd/system', '/run/systemd', undefined, '"/run/systemd" contains systemd\'s unit directory /run/systemd/system.control'],
    ['is inside /usr/lib/systemd/system', '/usr/lib/systemd/system/x', undefined, '"/usr/lib/systemd/system/x" is inside systemd\'s unit directory /usr/lib/systemd/system'],
    ['is /run/systemd/transient as systemd sees it (a machine driven from the host)', '/proc/1/root/run/flotilla/units', '/run/systemd/transient', '"/run/systemd/transient" is systemd\'s unit directory /run/systemd/transient'],
  ])('refuses a directory that %s', (_name, unitsDir, seenBySystemd, message) => {
    expect(() => new UnitFiles(unitsDir, seenBySystemd)).toThrow(expect.objectContaining({ code: 'UNSAFE_UNITS_DIR', message: expect.stringContaining(message) }));
  });

  test('refuses a symlink into systemd\'s directories, even to a directory not made yet', async () => {
    await fs.symlink('/etc/systemd', path.join(dir, 'link'));
    expect(() => new UnitFiles(path.join(dir, 'link', 'system', 'units'))).toThrow(
      `"/etc/systemd/system/units" is inside systemd's unit directory /etc/systemd/system: the agent deletes the unit files there that it does not run`,
    );
  });

  // core's MAX_NEW_UNIT_NAME_BYTES is what makes every file named after a unit fit in 255 bytes: the longest
  // name a unit may have writes, one byte more does not (docs/fleetctl-compat.md, "Unit names").
  test('the longest name a unit may have fits every file the agent names after it; one byte more does not', async () => {
    const named = (bytes: number, suffix: string) => `${'a'.repeat(bytes - suffix.length)}${suffix}`;
    const files = new UnitFiles(dir);
    const longest = named(MAX_NEW_UNIT_NAME_BYTES, '.service');
    await files.write(longest, 'x');
    const container = named(MAX_NEW_UNIT_NAME_BYTES, '.container');
    await files.write(containerServiceName(container), 'x');
    await new PullStore(path.join(dir, 'pulls')).write(container, { image: 'x', failures: 1, lastAttemptAt: 0 });
    expect((await fs.readdir(path.join(dir, 'pulls'))).map((n) => n.length)).toEqual([MAX_NEW_UNIT_NAME_BYTES + '.pull.json'.length]);
    await expect(files.write(named(MAX_NEW_UNIT_NAME_BYTES + 1, '.service'), 'x')).rejects.toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
    expect((await files.list()).map((f) => f.name).sort()).toEqual([containerServiceName(container), longest].sort());
  });

  test('refuses names it does not manage', async () => {
    const files = new UnitFiles(dir);
    await expect(files.write('../evil.service', 'x')).rejects.toThrow(/not a unit the agent manages/);
    await expect(files.write('a.target', 'x')).rejects.toThrow(/not a unit the agent manages/);
  });
});

test.each([
  { name: 'one section', options: [['Service', 'ExecStart', '/bin/true']] },
  { name: 'sections interleaved', options: [['Unit', 'Description', 'd'], ['Service', 'ExecStart', 'x'], ['Unit', 'After', 'a']] },
  { name: 'no options', options: [] },
])('the hash of the written canonical text equals core unitHash: $name', ({ options }) => {
  const opts = options.map(([section, name, value]) => ({ section: section!, name: name!, value: value! }));
  expect(unitTextHash(canonicalText(opts))).toBe(unitHash(opts));
});

test.each([
  { name: 'canonical text with [Install]', text: canonicalText([
    { section: 'Service', name: 'ExecStart', value: '/bin/true' },
    { section: 'Install', name: 'WantedBy', value: 'hello.service' },
  ]), want: true },
  { name: '[Install] first', text: '[Install]\nWantedBy=a.service\n', want: true },
  { name: 'no [Install]', text: '[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/true\n', want: false },
  { name: 'only in a value', text: '[Service]\nExecStart=/bin/echo [Install]\n', want: false },
  { name: 'another section that starts alike', text: '[Installation]\nA=b\n', want: false },
  { name: 'case matters, as for systemd', text: '[install]\nWantedBy=a.service\n', want: false },
])('hasInstallSection: $name', ({ text, want }) => {
  expect(hasInstallSection(text)).toBe(want);
});

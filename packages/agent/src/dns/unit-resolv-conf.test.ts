import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { unitResolvConf, writeUnitResolvConf } from './unit-resolv-conf.js';

test('the file names the agent, the flotilla search domain and a short timeout', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'resolv-'));
  try {
    const file = path.join(dir, 'sub', 'resolv.conf');
    await writeUnitResolvConf(file, '10.0.0.7');
    const text = await fs.readFile(file, 'utf8');
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual(['nameserver 10.0.0.7', 'search flotilla', 'options timeout:1 attempts:3', '']);
    expect(text).toBe(unitResolvConf('10.0.0.7'));
    expect(await fs.readdir(path.dirname(file))).toEqual(['resolv.conf']);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

/**
 * HaproxyProcess against the real HAProxy binary (Debian's, installed by scripts/setup.sh): reloads in a tight
 * loop each complete (none lost while the master re-executes itself), the new config serves, stop ends it.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { freePort } from '../../../../test/harness/ports.js';
import { HaproxyProcess } from './haproxy-process.js';

const config = (port: number, answer: string) =>
  [
    'global',
    '  maxconn 64',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    'frontend test',
    `  bind 127.0.0.1:${port}`,
    `  http-request return status 200 content-type text/plain string ${answer}`,
    '',
  ].join('\n');

const get = (port: number) =>
  new Promise<string>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });

describe.skipIf(!fs.existsSync('/usr/sbin/haproxy'))('HaproxyProcess with the real haproxy', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-haproxy-'));
  const file = path.join(dir, 'haproxy.cfg');
  const haproxy = new HaproxyProcess('/usr/sbin/haproxy', file);
  afterAll(async () => {
    await haproxy.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('back-to-back reloads all complete, and the last config serves', async () => {
    const port = await freePort();
    fs.writeFileSync(file, config(port, 'v0'));
    await haproxy.check(file);
    await haproxy.startOrReload();
    expect(await get(port)).toBe('v0');
    for (let i = 1; i <= 8; i++) {
      fs.writeFileSync(file, config(port, `v${i}`));
      await haproxy.startOrReload();
    }
    // The previous worker may still accept for a moment after the reload; the last config must win, and soon.
    await vi.waitFor(async () => expect(await get(port)).toBe('v8'), { timeout: 3000, interval: 50 });
    await haproxy.stop();
    expect(haproxy.running).toBe(false);
  }, 60_000);
});

/**
 * The rendered config against the real HAProxy (Debian's): a server its check found down — an instance published
 * a moment before it listens — serves within a quarter second of listening (`downinter 250ms`), not after the next
 * regular check a second later.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from '../../../../test/harness/ports.js';
import { waitUntil } from '../../../../test/harness/exec.js';
import { renderHaproxyConfig } from './haproxy-config.js';

/** Well above 250 ms and a slow box's scheduling, well below the 1 s regular check. */
const SERVES_WITHIN_MS = 600;

const status = (port: number) =>
  new Promise<number>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });

describe.skipIf(!fs.existsSync('/usr/sbin/haproxy'))('a server found down is checked again every 250 ms', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-haproxy-recheck-'));
  let haproxy: ChildProcess | undefined;
  let backend: http.Server | undefined;
  afterAll(async () => {
    haproxy?.kill('SIGKILL');
    await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test(`serves within ${SERVES_WITHIN_MS} ms of the instance listening`, async () => {
    const [listen, port] = [await freePort(), await freePort()];
    const file = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(file, renderHaproxyConfig({ prefix: 'app@', listen: `127.0.0.1:${listen}` }, [{ unit: 'app@1.service', machineId: 'a'.repeat(32), ip: '127.0.0.1', port }]));
    let stderr = '';
    haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    haproxy.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Its first check found nothing listening.
    await waitUntil('the server marked down', async () => (stderr.includes('is DOWN') ? true : undefined), { timeoutMs: 10_000, intervalMs: 10 });
    expect(await status(listen)).toBe(503);

    backend = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => backend!.listen(port, '127.0.0.1', resolve));
    const listening = Date.now();
    const served = await waitUntil('served through HAProxy', async () => ((await status(listen)) === 200 ? Date.now() : undefined), { timeoutMs: 5_000, intervalMs: 10 });
    expect(served - listening).toBeLessThan(SERVES_WITHIN_MS);
  }, 30_000);
});

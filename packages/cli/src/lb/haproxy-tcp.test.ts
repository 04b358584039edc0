/**
 * `lb haproxy --mode tcp`: the rendered config balances connections, and the real HAProxy (Debian's) carries a
 * protocol that is not HTTP (a Redis-style `PING` → `+PONG from X`) to every backend in turn. In http mode the
 * same bytes are refused by HAProxy itself, which shows what the mode changes.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EndpointRecord } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../../../../test/harness/ports.js';
import { renderHaproxyConfig, type LbMode } from './haproxy-config.js';
import { HaproxyProcess } from './haproxy-process.js';

const M1 = 'aaaaaaaa00000000000000000000000a';

test.each<[LbMode | undefined, string[], string[]]>([
  [undefined, ['  mode http', '  timeout client 30s'], ['  timeout client 1h']],
  ['http', ['  mode http'], ['  mode tcp']],
  ['tcp', ['  mode tcp', '  timeout client 1h', '  timeout server 1h', '  server db-aaaaaaaa 10.0.0.1:6379 check inter 1s downinter 250ms fall 1 rise 1'], ['  mode http']],
])('mode %s renders %j', (mode, has, hasNot) => {
  const lines = renderHaproxyConfig({ prefix: 'db', listen: '0.0.0.0:6379', ...(mode ? { mode } : {}) }, [{ unit: 'db', machineId: M1, ip: '10.0.0.1', port: 6379 }]).split('\n');
  for (const l of has) expect(lines).toContain(l);
  for (const l of hasNot) expect(lines).not.toContain(l);
});

/** One request over a fresh connection: send `line`, read until the server closes (bounded by 3 s). */
function exchange(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(line));
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

describe.skipIf(!fs.existsSync('/usr/sbin/haproxy'))('tcp mode with the real haproxy', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-haproxy-tcp-'));
  const file = path.join(dir, 'haproxy.cfg');
  const haproxy = new HaproxyProcess('/usr/sbin/haproxy', file);
  const servers: net.Server[] = [];
  const endpoints: EndpointRecord[] = [];

  beforeAll(async () => {
    for (const name of ['a', 'b']) {
      // A line protocol that is not HTTP: `PING\r\n` → `+PONG from NAME\r\n`, then close.
      const server = net.createServer((s) => s.once('data', (d: Buffer) => s.end(d.toString() === 'PING\r\n' ? `+PONG from ${name}\r\n` : '-ERR\r\n')));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      endpoints.push({ unit: `db@${name}.container`, machineId: M1, ip: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    }
  });
  afterAll(async () => {
    await haproxy.stop();
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serve = async (mode: LbMode, port: number) => {
    fs.writeFileSync(file, renderHaproxyConfig({ prefix: 'db@', listen: `127.0.0.1:${port}`, mode }, endpoints));
    await haproxy.check(file);
    await haproxy.startOrReload();
  };

  test('connections go round robin over the backends, bytes unchanged', async () => {
    const port = await freePort();
    await serve('tcp', port);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await exchange(port, 'PING\r\n'));
    expect(new Set(answers)).toEqual(new Set(['+PONG from a\r\n', '+PONG from b\r\n']));
  }, 30_000);

  test('http mode refuses the same bytes (HAProxy answers 400 itself)', async () => {
    const port = await freePort();
    await serve('http', port);
    expect(await exchange(port, 'PING\r\n')).toMatch(/^HTTP\/1\.[01] 400/);
  }, 30_000);
});

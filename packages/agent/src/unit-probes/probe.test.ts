/** The probes against real servers and processes on this host: HTTP, TCP, exec, each with its timeout. */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HealthProbe } from '@flotilla/core';
import { runProbe } from './probe.js';

let server: http.Server;
let port = 0;
let closedPort = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end(), 2000);
    res.statusCode = req.url === '/ok' ? 200 : req.url === '/moved' ? 302 : 500;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const spare = net.createServer();
  await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
  closedPort = (spare.address() as AddressInfo).port;
  await new Promise((r) => spare.close(r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('runProbe', () => {
  test.each<[string, () => HealthProbe, unknown]>([
    ['http 200', () => ({ kind: 'http', url: `http://127.0.0.1:${port}/ok` }), { ok: true }],
    ['http 302 counts as healthy', () => ({ kind: 'http', url: `http://127.0.0.1:${port}/moved` }), { ok: true }],
    ['http 500', () => ({ kind: 'http', url: `http://127.0.0.1:${port}/bad` }), { ok: false, message: 'HTTP 500' }],
    ['http slower than the timeout', () => ({ kind: 'http', url: `http://127.0.0.1:${port}/slow` }), { ok: false, message: 'no answer within 300 ms' }],
    ['http refused', () => ({ kind: 'http', url: `http://127.0.0.1:${closedPort}/` }), { ok: false, message: expect.stringMatching(/^connect ECONNREFUSED 127\.0\.0\.1:[1-9]\d*$/) }],
    ['tcp open', () => ({ kind: 'tcp', host: '127.0.0.1', port }), { ok: true }],
    ['tcp refused', () => ({ kind: 'tcp', host: '127.0.0.1', port: closedPort }), { ok: false, message: expect.stringMatching(/^connect ECONNREFUSED 127\.0\.0\.1:[1-9]\d*$/) }],
    ['exec exit 0', () => ({ kind: 'exec', argv: ['/bin/true'] }), { ok: true }],
    ['exec exit 3 with its last stderr line', () => ({ kind: 'exec', argv: ['/bin/sh', '-c', 'echo one >&2; echo two >&2; exit 3'] }), { ok: false, message: 'exit 3: two' }],
    ['exec slower than the timeout', () => ({ kind: 'exec', argv: ['/bin/sleep', '5'] }), { ok: false, message: 'killed after 300 ms' }],
    ['exec missing binary', () => ({ kind: 'exec', argv: ['/nonexistent/check'] }), { ok: false, message: 'spawn /nonexistent/check ENOENT' }],
  ])('%s', async (_name, probe, expected) => {
    expect(await runProbe(probe(), 300)).toEqual(expected);
  });

  // The agent's environment carries FLOTILLA_ETCD_PASSWORD and FLOTILLA_API_TOKEN; a probe's stderr is published.
  test('exec probes get a minimal environment, none of the agent\'s', async () => {
    process.env['FLOTILLA_API_TOKEN'] = 'probe-test-secret';
    try {
      const outcome = await runProbe({ kind: 'exec', argv: ['/bin/sh', '-c', 'env | sort | tr "\\n" " " >&2; exit 1'] }, 2000);
      expect(outcome).toEqual({ ok: false, message: 'exit 1: LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PWD=/' });
    } finally {
      delete process.env['FLOTILLA_API_TOKEN'];
    }
  });

  test('a probe killed by a signal reports the signal, not its whole stderr', async () => {
    const outcome = await runProbe({ kind: 'exec', argv: ['/bin/sh', '-c', 'head -c 20000 /dev/zero | tr "\\0" x >&2; kill -9 $$'] }, 2000);
    expect(outcome).toEqual({ ok: false, message: `killed by SIGKILL: ${'x'.repeat(200)}` });
  });
});

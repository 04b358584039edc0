/**
 * The agent's introspection behind `/v2/units/<name>/journal`, composed as the daemon composes it: the real API
 * server (packages/api), a real etcd and real journalctl children on this host. At most 16 follows at once,
 * `lines` at most 10000 (docs/api.md, "/v2"), and a follow's child ends with its client.
 */
import fs from 'node:fs';
import http from 'node:http';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { useApiServer } from '../../../api/src/test-support/api-server-fixture.js';
import { request } from '../../../api/src/test-support/http.js';
import { createIntrospection } from './introspect.js';
import { ManagedUnits } from '../managed-units.js';

// A unit no one runs: journalctl --follow on it waits for entries that never come, as for a quiet unit.
const SYSTEMD_NAME = `flotilla-journal-limits-${process.pid}.service`;
let socketPath: string;

/** The journalctl processes following our unit, from /proc. */
function followers(): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.includes('journalctl') && argv.includes('--follow') && argv.includes(`--unit=${SYSTEMD_NAME}`);
    } catch {
      return false; // exited while we looked
    }
  }).map(Number);
}

// Registered before the server's fixture, so it runs after the server has closed (after-hooks run in reverse).
afterEach(async () => {
  await vi.waitFor(() => expect(followers()).toEqual([]), { timeout: 5000, interval: 50 });
});
useApiServer((f) => (socketPath = f.target.socketPath!), {
  listen: 'unix',
  server: () => {
    const managed = new ManagedUnits();
    managed.set({ unit: 'quiet.service', systemdName: SYSTEMD_NAME, hash: 'h' });
    return { introspect: createIntrospection({ machineId: 'm1', managed }) };
  },
});

describe('journal limits', () => {
  test('at most 16 follows at once: the 17th is refused with 429, its journalctl never started; closing frees a place', async () => {
    const open: http.ClientRequest[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        const req = http.get({ socketPath, path: '/v2/units/quiet.service/journal?follow=true' });
        req.on('error', () => undefined); // destroyed below
        open.push(req);
      }
      await vi.waitFor(() => expect(followers()).toHaveLength(16), { timeout: 10_000, interval: 50 });
      const refused = await request({ socketPath }, 'GET', '/v2/units/quiet.service/journal?follow=true');
      expect([refused.status, refused.json]).toEqual([
        429, { error: { code: 429, message: 'too many journal follows: 16 open on this agent; stop one (journal -f) or try again later' } },
      ]);
      expect(followers()).toHaveLength(16);
      expect((await request({ socketPath }, 'GET', '/v2/units/quiet.service/journal?lines=5')).status).toBe(200); // no follow: not counted
      open.pop()!.destroy();
      await vi.waitFor(() => expect(followers()).toHaveLength(15), { timeout: 5000, interval: 50 });
      const again = http.get({ socketPath, path: '/v2/units/quiet.service/journal?follow=true' });
      again.on('error', () => undefined);
      open.push(again);
      await vi.waitFor(() => expect(followers()).toHaveLength(16), { timeout: 5000, interval: 50 });
    } finally {
      for (const req of open) req.destroy();
    }
    await vi.waitFor(() => expect(followers()).toEqual([]), { timeout: 5000, interval: 50 });
  });

  test.each([
    ['10000 lines', '10000', 200, undefined],
    ['10001 lines', '10001', 400, 'invalid lines "10001": at most 10000'],
    ['a billion lines, followed', '1000000000&follow=true', 400, 'invalid lines "1000000000": at most 10000'],
  ])('%s', async (_name, lines, status, message) => {
    const reply = await request({ socketPath }, 'GET', `/v2/units/quiet.service/journal?lines=${lines}`);
    expect([reply.status, reply.status === 200 ? undefined : reply.json]).toEqual([status, message && { error: { code: 400, message } }]);
  });
});

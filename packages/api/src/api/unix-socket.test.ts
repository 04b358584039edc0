/**
 * The API's unix socket against the real server and a real etcd: mode 0660 owned by root under umask 000
 * (docs/api.md, "Listeners and security"), nothing left beside it, a file in the way left alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { EtcdRegistry } from '@flotilla/core';
import { useServedRegistry } from '../test-support/api-server-fixture.js';
import { request } from '../test-support/http.js';
import { startApiServer } from './server.js';

const logger = pino({ level: 'silent' });
let registry: EtcdRegistry;
let dir: string;
let umask: number;

useServedRegistry((r) => (registry = r), 'file');
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-api-socket-'));
  umask = process.umask(0o000);
});
afterEach(() => {
  process.umask(umask);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the API unix socket', () => {
  test('is 0660 and owned by root under umask 000, answers, and leaves nothing beside it', async () => {
    const sockets = [path.join(dir, 'flotilla.sock'), path.join(dir, 'fleet.sock')];
    const server = await startApiServer({ registry, logger, version: 't', listen: sockets.map((p) => ({ kind: 'unix' as const, path: p })) });
    try {
      for (const socket of sockets) {
        const stat = fs.lstatSync(socket);
        expect([stat.isSocket(), (stat.mode & 0o7777).toString(8), stat.uid, stat.gid]).toEqual([true, '660', 0, 0]);
        expect((await request({ socketPath: socket }, 'GET', '/fleet/v1/units')).status).toBe(200);
      }
      expect(fs.readdirSync(dir).sort()).toEqual(['fleet.sock', 'flotilla.sock']);
    } finally {
      await server.close();
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a file that is not a socket is left in place and the start fails', async () => {
    const socket = path.join(dir, 'flotilla.sock');
    fs.writeFileSync(socket, 'not a socket');
    await expect(startApiServer({ registry, logger, version: 't', listen: [{ kind: 'unix', path: socket }] })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect([fs.readdirSync(dir), fs.readFileSync(socket, 'utf8')]).toEqual([['flotilla.sock'], 'not a socket']);
  });
});

/**
 * The API tests' common set-up: the real server (server.ts) over a real etcd, on a unix socket in a fresh
 * temporary directory or on a loopback TCP port, started around each test or once for the file, and closed
 * afterwards. Registers vitest hooks where it is called; hands the handles to the caller's variables through
 * `use`. Hooks the caller registers after this one run after its set-up and before its tear-down.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
// The package's own build, not core's sources: the server's error mapping knows that build's error classes.
import { EtcdRegistry } from '@flotilla/core';
import { around, useEtcd, type FixtureScope } from '../../../core/src/testing/etcd-fixture.js';
import { freshPrefix } from '../../../core/src/testing/registry-fixtures.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../api/server.js';
import type { Target } from './http.js';

export interface ApiServerFixture {
  registry: EtcdRegistry;
  server: ApiServer;
  /** How to reach the server: its socket, else its port with the token when there is one. */
  target: Target;
  /** The TCP port, when it listens on TCP. */
  port?: number;
  /** The temporary directory the socket is in (removed afterwards); undefined on TCP. */
  dir?: string;
}

export interface ApiServerFixtureOptions {
  /** A unix socket, a loopback TCP port, or both. */
  listen: 'unix' | 'tcp' | 'unix+tcp';
  per?: FixtureScope;
  token?: string;
  /** More of the server's options (version, ready, introspect), asked for at each start. */
  server?: () => Partial<ApiServerOptions>;
}

export const silentLogger = pino({ level: 'silent' });

/** A real etcd for the file and an EtcdRegistry on a fresh key prefix around each test (or the file). */
export function useServedRegistry(use: (registry: EtcdRegistry) => void, per: FixtureScope = 'test'): void {
  let etcd: { endpoints: string[] };
  let registry: EtcdRegistry | undefined;
  useEtcd((e) => (etcd = e));
  around(per, async () => {
    registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    use(registry);
  }, async () => {
    await registry?.close();
  });
}

export function useApiServer(use: (fixture: ApiServerFixture) => void, options: ApiServerFixtureOptions): void {
  const per = options.per ?? 'test';
  let registry: EtcdRegistry;
  let server: ApiServer | undefined;
  let dir: string | undefined;
  useServedRegistry((r) => (registry = r), per);
  around(per, async () => {
    if (options.listen !== 'tcp') dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-api-'));
    const socketPath = dir && path.join(dir, 'api.sock');
    server = await startApiServer({
      registry, logger: silentLogger, version: 't', token: options.token,
      listen: [
        ...(socketPath ? [{ kind: 'unix' as const, path: socketPath }] : []),
        ...(options.listen !== 'unix' ? [{ kind: 'tcp' as const, host: '127.0.0.1', port: 0 }] : []),
      ],
      ...options.server?.(),
    });
    const tcp = server.addresses.find((a) => a.kind === 'tcp');
    const port = tcp?.kind === 'tcp' ? tcp.port : undefined;
    const target: Target = socketPath ? { socketPath } : { port: port ?? 0, token: options.token };
    use({ registry, server, target, port, dir });
  }, async () => {
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** The discovery DNS against a real etcd: answers follow the published endpoints as they move and vanish. */
import { Resolver } from 'node:dns/promises';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry, type EndpointRecord, type PresenceLease } from '@flotilla/core';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { waitUntil } from '../../../../test/harness/exec.js';
import { startDiscoveryDns, type DiscoveryDns } from './discovery-dns.js';

const A = 'd1000000000000000000000000000001';
const B = 'd1000000000000000000000000000002';
let etcd: EtcdHandle;
let registry: EtcdRegistry;
let leases: Record<string, PresenceLease>;
let dns: DiscoveryDns;
let resolver: Resolver;
let dir: string;

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: '/discovery-dns/' });
  const register = (id: string, ip: string) => registry.registerMachine({ id, hostname: id, ip, metadata: {}, version: 't', startedAt: 0 }, 30);
  leases = { [A]: await register(A, '10.0.0.1'), [B]: await register(B, '10.0.0.2') };
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'discovery-dns-'));
  dns = await startDiscoveryDns({ registry, logger: pino({ level: 'silent' }), address: '127.0.0.1', port: 0, resolvConf: path.join(dir, 'none') });
  const server = await dns.listening();
  resolver = new Resolver({ timeout: 3000, tries: 1 });
  resolver.setServers([`127.0.0.1:${server.port}`]);
});
afterAll(async () => {
  await dns?.stop();
  await registry?.close();
  await etcd?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const publish = (machineId: string, ip: string, extra: Partial<EndpointRecord> = {}) =>
  registry.publishEndpoint({ unit: 'db.service', machineId, ip, port: 5432, ...extra }, leases[machineId]!);
const addresses = (name: string) => resolver.resolve4(name).catch((err: NodeJS.ErrnoException) => err.code ?? 'error');
const answerBecomes = (name: string, want: string[] | string) =>
  waitUntil(`${name} → ${JSON.stringify(want)}`, async () => (JSON.stringify(await addresses(name)) === JSON.stringify(want) ? true : undefined), { timeoutMs: 5000, intervalMs: 20 });

test('an endpoint appears, moves to another machine, and goes with its lease', async () => {
  expect(await addresses('db.flotilla')).toBe('ENOTFOUND');
  await publish(A, '10.0.0.1');
  await answerBecomes('db.flotilla', ['10.0.0.1']);

  // The unit moves: its old endpoint is removed, the new machine publishes its own.
  const moved = Date.now();
  await registry.removeEndpoint('db.service', A);
  await publish(B, '10.0.0.2');
  await answerBecomes('db.flotilla', ['10.0.0.2']);
  expect(Date.now() - moved).toBeLessThan(2000);

  // The machine dies: its lease takes the endpoint with it.
  await leases[B]!.revoke();
  await answerBecomes('db.flotilla', 'ENOTFOUND');
});

test('a named endpoint with a project answers under the project only', async () => {
  await publish(A, '10.0.0.1', { unit: 'shop-db.container', service: 'db', project: 'shop' });
  await answerBecomes('db.shop.flotilla', ['10.0.0.1']);
  expect(await addresses('db.flotilla')).toBe('ENOTFOUND');
  expect(dns.table().parents.has('shop.flotilla')).toBe(true);
});

test('etcd away: the DNS listens within a second with the names it has, and catches up when etcd is back', async () => {
  await publish(A, '10.0.0.1', { unit: 'cache.service' });
  const member = etcd.members[0]!.name;
  await etcd.killMember(member);
  let late: DiscoveryDns | undefined;
  try {
    const started = Date.now();
    late = await startDiscoveryDns({ registry, logger: pino({ level: 'silent' }), address: '127.0.0.1', port: 0, resolvConf: path.join(dir, 'none'), resyncMs: 2000 });
    const server = await late.listening();
    expect(Date.now() - started).toBeLessThan(2000);
    const lateResolver = new Resolver({ timeout: 3000, tries: 1 });
    lateResolver.setServers([`127.0.0.1:${server.port}`]);
    expect(await lateResolver.resolve4('cache.flotilla').catch((err: NodeJS.ErrnoException) => err.code)).toBe('ENOTFOUND');
    await etcd.restartMember(member);
    await waitUntil('cache.flotilla once etcd is back', async () =>
      (JSON.stringify(await lateResolver.resolve4('cache.flotilla').catch(() => [])) === '["10.0.0.1"]' ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
  } finally {
    await late?.stop();
  }
}, 40_000);

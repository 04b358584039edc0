/** RegistryHosts against a real etcd: endpoints published as agents publish them, a hosts file in a temp dir. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry, type PresenceLease } from '@flotilla/core';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { waitUntil } from '../../../../test/harness/exec.js';
import { HOSTS_BLOCK_BEGIN, HOSTS_BLOCK_END } from './hosts-block.js';
import { RegistryHosts } from './registry-hosts.js';

const A = 'a1000000000000000000000000000001';
const B = 'b1000000000000000000000000000002';
let etcd: EtcdHandle;
let registry: EtcdRegistry;
let leases: Record<string, PresenceLease>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-registry-hosts-'));

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: '/registry-hosts/' });
  leases = {};
  for (const [id, ip] of [[A, '10.0.0.1'], [B, '10.0.0.2']] as const) {
    leases[id] = await registry.registerMachine({ id, hostname: id.slice(0, 2), ip, metadata: {}, version: 't', startedAt: 0 }, 30);
  }
});
afterAll(async () => {
  await registry?.close();
  await etcd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const block = (ip: string) => `${HOSTS_BLOCK_BEGIN}\n${ip}\tregistry.flotilla\n${HOSTS_BLOCK_END}\n`;

test('follows the registry unit\'s endpoint into the hosts file, keeps the rest, keeps the last address when none is left', async () => {
  const hostsFile = path.join(dir, 'hosts');
  fs.writeFileSync(hostsFile, '127.0.0.1\tlocalhost\n');
  const hosts = new RegistryHosts({ registry, logger: pino({ level: 'silent' }), hostsFile });
  hosts.start();
  try {
    const read = () => fs.readFileSync(hostsFile, 'utf8');
    await registry.publishEndpoint({ unit: 'web.service', machineId: A, ip: '10.0.0.1', port: 80 }, leases[A]!);
    await registry.publishEndpoint({ unit: 'registry.service', machineId: B, ip: '10.0.0.2', port: 5000 }, leases[B]!);
    await waitUntil('the registry on B in the hosts file', async () => (read() === `127.0.0.1\tlocalhost\n${block('10.0.0.2')}` ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });

    // Moved: B's endpoint goes, A's comes.
    await registry.removeEndpoint('registry.service', B);
    await registry.publishEndpoint({ unit: 'registry.service', machineId: A, ip: '10.0.0.1', port: 5000 }, leases[A]!);
    await waitUntil('the registry on A in the hosts file', async () => (read() === `127.0.0.1\tlocalhost\n${block('10.0.0.1')}` ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });

    // Gone (its machine died): the last address stays.
    const passes = hosts.passes;
    await registry.removeEndpoint('registry.service', A);
    await waitUntil('the removal read', async () => (hosts.passes > passes ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    await hosts.idle();
    expect(read()).toBe(`127.0.0.1\tlocalhost\n${block('10.0.0.1')}`);
  } finally {
    await hosts.stop();
  }
});

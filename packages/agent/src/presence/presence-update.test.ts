/** Presence.update against a real etcd: the live key is rewritten under the lease; without a lease the next
 * registration writes the new record. */
import { EtcdRegistry, type MachineRecord } from '@flotilla/core';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { waitUntil } from '../../../../test/harness/exec.js';
import { Presence } from './presence.js';

const record = (metadata: Record<string, string>): MachineRecord => ({
  id: 'f1000000000000000000000000000001', hostname: 'm', ip: '10.0.0.9', metadata, version: 't', startedAt: 0,
});
let etcd: EtcdHandle;
let registry: EtcdRegistry;
let presence: Presence | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: '/presence-update/' });
});
afterEach(async () => {
  await presence?.stop('leave');
});
afterAll(async () => {
  await registry?.close();
  await etcd?.stop();
});

const start = (machine: MachineRecord): Presence => {
  presence = new Presence({ registry, machine, ttlSec: 10, logger: pino({ level: 'silent' }) });
  presence.start();
  return presence;
};
const listedMetadata = async () => (await registry.listMachines()).map((m) => m.metadata);

test('registered: update rewrites the machine key now, under the same lease', async () => {
  const p = start(record({ zone: 'a' }));
  await waitUntil('registered', async () => p.current, { timeoutMs: 10_000, intervalMs: 50 });
  const leaseId = p.current!.leaseId;
  expect(await p.update(record({ zone: 'b' }))).toBe(true);
  expect(await listedMetadata()).toEqual([{ zone: 'b' }]);
  expect(p.current!.leaseId).toBe(leaseId);
});

test('not registered yet: update says so, and the registration writes the new record', async () => {
  const p = new Presence({ registry, machine: record({ zone: 'a' }), ttlSec: 10, logger: pino({ level: 'silent' }) });
  presence = p;
  expect(await p.update(record({ zone: 'c' }))).toBe(false);
  p.start();
  await waitUntil('registered', async () => p.current, { timeoutMs: 10_000, intervalMs: 50 });
  expect(await listedMetadata()).toEqual([{ zone: 'c' }]);
});

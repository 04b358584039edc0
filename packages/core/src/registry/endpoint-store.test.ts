/** Published endpoints against a real etcd: put under a lease, listed, watched, removed, gone with the lease. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { eventually, freshPrefix, machine } from '../testing/registry-fixtures.js';
import { EtcdRegistry } from './etcd-registry.js';
import type { EndpointRecord } from './types.js';

let etcd: EtcdHandle;
let registry: EtcdRegistry;
const M1 = 'a1000000000000000000000000000001';
const M2 = 'a1000000000000000000000000000002';

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix() });
});
afterAll(async () => {
  await registry?.close();
  await etcd?.stop();
});

const sorted = async () => (await registry.listEndpoints()).sort((a, b) => `${a.unit}${a.machineId}`.localeCompare(`${b.unit}${b.machineId}`));

test('publish, watch, remove, and expiry with the machine lease', async () => {
  const lease1 = await registry.registerMachine(machine(M1), 30);
  const lease2 = await registry.registerMachine(machine(M2), 30);
  let changes = 0;
  const watch = await registry.watchEndpoints(() => changes++);
  const a: EndpointRecord = { unit: 'app@1.service', machineId: M1, ip: '10.0.0.1', port: 8080 };
  const b: EndpointRecord = { unit: 'app@2.service', machineId: M2, ip: '10.0.0.2', port: 8080 };
  await registry.publishEndpoint(a, lease1);
  await registry.publishEndpoint(b, lease2);
  expect(await sorted()).toEqual([a, b]);
  await eventually(() => changes === 2, 5000, 'two watch events');

  await registry.removeEndpoint('app@1.service', M1);
  expect(await sorted()).toEqual([b]);
  await eventually(() => changes === 3, 5000, 'a delete event');

  await lease2.revoke();
  expect(await sorted()).toEqual([]);
  await watch.close();
});

test('an invalid endpoint is refused before anything is written', async () => {
  const lease = await registry.registerMachine(machine('a1000000000000000000000000000003'), 30);
  await expect(registry.publishEndpoint({ unit: 'x.service', machineId: 'a1000000000000000000000000000003', ip: '10.0.0.3', port: 0 }, lease)).rejects.toThrow(RangeError);
  expect(await registry.listEndpoints()).toEqual([]);
});

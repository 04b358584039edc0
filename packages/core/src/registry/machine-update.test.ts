/**
 * updateMachine against a real etcd: the machine key is rewritten under the agent's lease while it holds the key,
 * and never brought back once the key has gone (revoked) or moved to a newer agent's lease (take-over).
 */
import { describe, expect, test } from 'vitest';
import { LeaseLostError } from '../errors.js';
import { useEtcdRegistry } from '../testing/etcd-fixture.js';
import { machine } from '../testing/registry-fixtures.js';
import type { EtcdRegistry } from './etcd-registry.js';

describe('updateMachine', () => {
  let registry: EtcdRegistry;
  useEtcdRegistry({ registry: (r) => (registry = r) });

  test('rewrites metadata and IP under the same lease (the key still expires with it)', async () => {
    const lease = await registry.registerMachine(machine('m1', { zone: 'a' }), 10);
    await registry.updateMachine({ ...machine('m1', { zone: 'b', disk: 'ssd' }), ip: '10.0.0.9' }, lease);
    expect(await registry.listMachines()).toEqual([{ ...machine('m1', { zone: 'b', disk: 'ssd' }), ip: '10.0.0.9' }]);
    await lease.revoke();
    expect(await registry.listMachines()).toEqual([]);
  });

  test('a revoked lease: LeaseLostError, and the machine key stays gone', async () => {
    const lease = await registry.registerMachine(machine('m1'), 10);
    await lease.revoke();
    await expect(registry.updateMachine(machine('m1', { zone: 'b' }), lease)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await registry.listMachines()).toEqual([]);
  });

  test('a key taken over by a newer lease: LeaseLostError, the newer record kept', async () => {
    const old = await registry.registerMachine(machine('m1', { gen: '1' }), 10);
    old.release();
    const taken = await registry.registerMachine(machine('m1', { gen: '2' }), 10, { takeOverLeaseId: old.leaseId });
    await expect(registry.updateMachine(machine('m1', { gen: 'stale' }), old)).rejects.toBeInstanceOf(LeaseLostError);
    expect((await registry.listMachines()).map((m) => m.metadata)).toEqual([{ gen: '2' }]);
    await taken.revoke();
  });
});

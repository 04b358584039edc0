/** publishStates against a real etcd: a flush of many states is one transaction per 128, under the lease. */
import { Etcd3 } from 'etcd3';
import { describe, expect, test } from 'vitest';
import type { EtcdHandle } from '../../../../test/harness/etcd.js';
import { useCleanups, useEtcd } from '../testing/etcd-fixture.js';
import { freshPrefix, machine, unitState } from '../testing/registry-fixtures.js';
import { EtcdRegistry } from './etcd-registry.js';

let etcd: EtcdHandle;
useEtcd((e) => (etcd = e));
const cleanups = useCleanups();

async function setup(): Promise<{ registry: EtcdRegistry; raw: Etcd3 }> {
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix() });
  const raw = new Etcd3({ hosts: etcd.endpoints });
  cleanups.push(() => registry.close());
  cleanups.push(async () => raw.close());
  return { registry, raw };
}

/** The etcd revisions at which the states under the registry's prefix were last written. */
async function stateRevisions(registry: EtcdRegistry, raw: Etcd3): Promise<Set<string>> {
  const { kvs } = await raw.getAll().prefix(registry.keyspace.statesRoot).exec();
  return new Set(kvs.map((kv) => kv.mod_revision));
}

describe('publishStates', () => {
  test('N states are ceil(N / 128) transactions (etcd revisions), each state readable under the lease', async () => {
    const { registry, raw } = await setup();
    const lease = await registry.registerMachine(machine('m1'), 10);
    const states = Array.from({ length: 200 }, (_, i) => unitState(`u${i}.service`, 'm1', 'h'));
    await registry.publishStates(states, lease);
    expect((await registry.listStates()).length).toBe(200);
    expect((await stateRevisions(registry, raw)).size).toBe(2);
    await registry.publishStates(states.slice(0, 100).map((s) => ({ ...s, activeState: 'failed' })), lease);
    expect((await stateRevisions(registry, raw)).size).toBe(3); // one more revision for 100 states
    expect((await registry.listStates()).filter((s) => s.activeState === 'failed')).toHaveLength(100);
    await lease.revoke();
    expect(await registry.listStates()).toEqual([]);
  });

  test('a lost lease fails the batch and writes nothing; a bad name is refused before any write', async () => {
    const { registry } = await setup();
    const lease = await registry.registerMachine(machine('m1'), 10);
    await expect(registry.publishStates([unitState('ok.service', 'm1', 'h'), unitState('bad/name', 'm1', 'h')], lease)).rejects.toThrow();
    expect(await registry.listStates()).toEqual([]);
    await lease.revoke();
    await expect(registry.publishStates([unitState('a.service', 'm1', 'h')], lease)).rejects.toThrow(/lease/);
    expect(await registry.listStates()).toEqual([]);
  });
});

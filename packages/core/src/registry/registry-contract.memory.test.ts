/** The registry contract against the in-memory registry, plus what only it offers: etcd's clock, by hand. */
import { beforeEach, expect, test } from 'vitest';
import { MemoryRegistry } from '../testing/memory-registry.js';
import { machine, unitState } from '../testing/registry-fixtures.js';
import { unitSpec } from '../testing/unit-builders.js';
import { registryContract } from '../testing/registry-contract.js';
import { deploymentContract } from '../testing/deployment-contract.js';

let registry: MemoryRegistry;
beforeEach(() => {
  registry = new MemoryRegistry();
});

registryContract('memory', () => registry);
deploymentContract('memory', () => registry);

test('expireLease: the holder hears onLost and its keys vanish', async () => {
  const lease = await registry.registerMachine(machine('m1'), 10);
  await registry.publishState(unitState('a.service', 'm1', 'h'), lease);
  const lost: string[] = [];
  lease.onLost((err) => lost.push((err as { code?: string }).code ?? ''));
  registry.expireLease('m1');
  expect(lost).toEqual(['LEASE_LOST']);
  expect([await registry.listMachines(), await registry.listStates()]).toEqual([[], []]);
});

test('expireLeadership: the leader hears onLost and the next candidate is elected with a new fence', async () => {
  const first = await registry.campaign('c1', 10, new AbortController().signal);
  const next = registry.campaign('c2', 10, new AbortController().signal);
  const lost: string[] = [];
  first.onLost((err) => lost.push(err.message));
  registry.expireLeadership();
  const second = await next;
  expect([lost.length, registry.leader()]).toEqual([1, 'c2']);
  expect(second.fence.createRevision).not.toBe(first.fence.createRevision);
});

test('compact: a watch from before the compaction is reset instead of replayed', async () => {
  const from = (await registry.snapshot()).revision;
  await registry.submitUnit(unitSpec('a.service'));
  registry.compact();
  let resets = 0;
  const events: string[] = [];
  await registry.watchCluster((e) => events.push(e.kind), { fromRevision: from, onReset: () => resets++ });
  await new Promise((r) => setImmediate(r));
  expect([resets, events]).toEqual([1, []]);
});

test('down: every call fails as etcd unreachable and is counted', async () => {
  registry.down = true;
  await expect(registry.listUnits()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
  expect([registry.failedCalls, registry.calls.get('listUnits')]).toEqual([1, 1]);
});

import { Etcd3 } from 'etcd3';
import { describe, expect, test } from 'vitest';
import type { EtcdHandle } from '../../../../test/harness/etcd.js';
import { CorruptRecordError, DuplicateMachineError, RegistryUnavailableError } from '../errors.js';
import { freePort } from '../../../../test/harness/ports.js';
import { useCleanups, useEtcd } from '../testing/etcd-fixture.js';
import { EventLog, eventually, freshPrefix, machine, unitState } from '../testing/registry-fixtures.js';
import { type TcpProxy, startTcpProxy } from '../testing/tcp-proxy.js';
import { EtcdRegistry } from './etcd-registry.js';
import type { WatchEvent } from './types.js';
import type { UnitStateRecord } from '../model.js';

let etcd: EtcdHandle;
useEtcd((e) => (etcd = e));
const cleanups = useCleanups();

async function connect(endpoints: string[], prefix: string, requestTimeoutMs?: number): Promise<EtcdRegistry> {
  const registry = await EtcdRegistry.connect({ endpoints, prefix, ...(requestTimeoutMs ? { requestTimeoutMs } : {}) });
  cleanups.push(() => registry.close());
  return registry;
}

describe('machine presence', () => {
  test('a live machine id cannot register twice', async () => {
    const registry = await connect(etcd.endpoints, freshPrefix());
    const lease = await registry.registerMachine(machine('m1'), 10);
    await expect(registry.registerMachine(machine('m1'), 10)).rejects.toBeInstanceOf(DuplicateMachineError);
    await lease.revoke();
    const again = await registry.registerMachine(machine('m1'), 10);
    await again.revoke();
  });

  test('a restarted agent takes its machine key over from its own previous lease; a wrong lease id cannot', async () => {
    const prefix = freshPrefix();
    const registry = await connect(etcd.endpoints, prefix);
    const crashed = await connect(etcd.endpoints, prefix);
    const old = await crashed.registerMachine(machine('m1'), 10);
    const changes = new EventLog<string>();
    const watch = await registry.watchCluster((e) => changes.push(`${e.kind} ${e.type}`));
    cleanups.push(() => watch.close());

    await expect(registry.registerMachine(machine('m1'), 10, { takeOverLeaseId: '12345' })).rejects.toBeInstanceOf(DuplicateMachineError);
    const taken = await registry.registerMachine(machine('m1'), 10, { takeOverLeaseId: old.leaseId });
    expect(taken.leaseId).not.toBe(old.leaseId);
    expect((await registry.listMachines()).map((m) => m.id)).toEqual(['m1']);
    // The machine was replaced in place, never deleted, so the scheduler saw no machine loss: the events up to a
    // later marker write (revision order) are puts only.
    await registry.patchMachineMetadata([{ machineId: 'm1', key: 'marker', value: 'x' }]);
    expect(await changes.next(2, 5000)).toEqual(['machine put', 'machine put']);
    await taken.revoke();
    expect(await registry.listMachines()).toEqual([]);
  });

  test('states live under the lease; lease expiry removes machine and states and fires onLost', async () => {
    const prefix = freshPrefix();
    const proxy: TcpProxy = await startTcpProxy(etcd.endpoints[0]!);
    cleanups.push(() => proxy.close());
    const observer = await connect(etcd.endpoints, prefix);
    const agent = await connect([proxy.endpoint], prefix, 1000);

    const lease = await agent.registerMachine(machine('m1'), 1);
    const lost = new EventLog<Error>();
    lease.onLost(lost.push);
    await agent.publishState(unitState('a.service', 'm1', 'h1'), lease);
    expect(await observer.getStates('a.service')).toEqual([unitState('a.service', 'm1', 'h1')]);

    proxy.cut();
    await eventually(async () => (await observer.listMachines()).length === 0, 6000, 'machine key expired');
    expect(await observer.listStates()).toEqual([]);
    await lost.next(1, 6000);
  });

  test('watchStates sees publish and remove; removeState deletes', async () => {
    const registry = await connect(etcd.endpoints, freshPrefix());
    const lease = await registry.registerMachine(machine('m1'), 10);
    const log = new EventLog<WatchEvent<UnitStateRecord>>();
    const sub = await registry.watchStates('a.service', log.push);
    await registry.publishState(unitState('a.service', 'm1', 'h1'), lease);
    await registry.publishState(unitState('ab.service', 'm1', 'h1'), lease);
    await registry.removeState('a.service', 'm1');
    expect(await log.next(2)).toEqual([
      { type: 'put', key: 'm1', value: unitState('a.service', 'm1', 'h1'), revision: expect.any(String) },
      { type: 'delete', key: 'm1', revision: expect.any(String) },
    ]);
    expect(await registry.listStates()).toEqual([unitState('ab.service', 'm1', 'h1')]);
    await sub.close();
    await lease.revoke();
  });
});

describe('failure modes', () => {
  test('unreachable endpoint fails fast with RegistryUnavailableError', async () => {
    const closedPort = await freePort();
    const endpoint = `http://127.0.0.1:${closedPort}`;
    const started = Date.now();
    const err = await EtcdRegistry.connect({ endpoints: [endpoint], requestTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(err).toBeInstanceOf(RegistryUnavailableError);
    expect((err as RegistryUnavailableError).message).toContain(endpoint);
    expect((err as RegistryUnavailableError).hint).toContain('--endpoint');
  });

  test('etcd going away mid-session: calls fail within the deadline, then recover', async () => {
    const proxy = await startTcpProxy(etcd.endpoints[0]!);
    cleanups.push(() => proxy.close());
    const registry = await connect([proxy.endpoint], freshPrefix(), 1000);
    proxy.cut();
    const started = Date.now();
    const err = await registry.listUnits().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(err).toMatchObject({ retryable: true });
    proxy.restore();
    await eventually(async () => (await registry.listUnits().catch(() => undefined)) !== undefined, 8000, 'recovery');
  });

  test('a value that does not decode → CorruptRecordError naming the key', async () => {
    const prefix = freshPrefix();
    const registry = await connect(etcd.endpoints, prefix);
    const raw = new Etcd3({ hosts: etcd.endpoints });
    cleanups.push(async () => raw.close());
    await raw.put(`${registry.keyspace.unitsPrefix}bad.service`).value('not msgpack {');
    const err = await registry.getUnit('bad.service').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).message).toBe(`corrupt record at ${registry.keyspace.unitsPrefix}bad.service: not a Flotilla record (no schema header)`);
  });
});

import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EtcdHandle } from '../../../../test/harness/etcd.js';
import type { CorruptRecordError } from '../errors.js';
import type { Assignment } from '../model.js';
import { useCleanups, useEtcd } from '../testing/etcd-fixture.js';
import { EventLog, eventually, freshPrefix, machine } from '../testing/registry-fixtures.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { unitSpec } from '../testing/unit-builders.js';
import { makeUnitRecord } from '../unit/record.js';
import { encodeValue } from './codec.js';
import { EtcdRegistry } from './etcd-registry.js';
import type { ClusterEvent, WatchEvent } from './types.js';

let etcd: EtcdHandle;
let raw: Etcd3;
useEtcd((e) => (etcd = e));
const cleanups = useCleanups();

beforeAll(() => {
  raw = new Etcd3({ hosts: etcd.endpoints });
});
afterAll(() => {
  raw?.close();
});

async function connect(opts: { endpoints?: string[]; prefix?: string; reported?: CorruptRecordError[] } = {}): Promise<EtcdRegistry> {
  const reported = opts.reported;
  const registry = await EtcdRegistry.connect({
    endpoints: opts.endpoints ?? etcd.endpoints,
    prefix: opts.prefix ?? freshPrefix(),
    onCorruptRecord: (err) => reported?.push(err),
  });
  cleanups.push(() => registry.close());
  return registry;
}

/** Submits `name` as launched and places it on `machineId`. */
async function place(registry: EtcdRegistry, name: string, machineId: string): Promise<void> {
  const unit = await registry.submitUnit(unitSpec(name), { desiredState: 'launched' });
  const snap = await registry.snapshot();
  await registry.assign(unit, snap.unitRevisions.get(name) as string, machineId);
}

const assignmentOf = (unit: string, machineId: string): Assignment => ({
  unit,
  machineId,
  hash: makeUnitRecord(unitSpec(unit), 'launched').hash,
  desiredState: 'launched',
  placed: true,
});

describe('assignmentsAt + watchAssignments(fromRevision)', () => {
  test('a change between the list and the watch is delivered; nothing before the list is', async () => {
    const registry = await connect();
    await place(registry, 'a.service', 'm1');
    const listed = await registry.assignmentsAt('m1');
    expect(listed.assignments).toEqual([assignmentOf('a.service', 'm1')]);
    await place(registry, 'b.service', 'm1');
    await place(registry, 'c.service', 'm2');

    const log = new EventLog<WatchEvent<Assignment>>();
    await registry.watchAssignments('m1', log.push, { fromRevision: listed.revision });
    await registry.destroyUnit('a.service');
    const events = await log.next(2);
    expect(events.map((e) => ({ type: e.type, key: e.key }))).toEqual([
      { type: 'put', key: 'b.service' },
      { type: 'delete', key: 'a.service' },
    ]);
    expect(events[0]).toMatchObject({ value: assignmentOf('b.service', 'm1') });
    expect(BigInt(events[0]!.revision)).toBeGreaterThan(BigInt(listed.revision));
  });

  test('an invalid machine id is refused before etcd is asked', async () => {
    const registry = await connect();
    await expect(registry.assignmentsAt('../m1')).rejects.toMatchObject({ code: 'INVALID_MACHINE_ID' });
    await expect(registry.watchAssignments('a/b', () => undefined)).rejects.toMatchObject({ code: 'INVALID_MACHINE_ID' });
  });

  test('fromRevision compacted away → onReset, then the watch continues from now', async () => {
    const registry = await connect();
    await place(registry, 'a.service', 'm1');
    const listed = await registry.assignmentsAt('m1');
    await place(registry, 'b.service', 'm1');
    const head = (await raw.get('anything').exec()).header.revision;
    await raw.kv.compact({ revision: head, physical: true });

    let resets = 0;
    const log = new EventLog<WatchEvent<Assignment>>();
    await registry.watchAssignments('m1', log.push, { fromRevision: listed.revision, onReset: () => (resets += 1) });
    await eventually(() => resets === 1, 5000, 'onReset');
    await place(registry, 'c.service', 'm1');
    const events = await log.next(1);
    expect(events.map((e) => e.key)).toEqual(['c.service']);
    expect(resets).toBe(1);
  });
});

describe('resuming after a dropped connection', () => {
  test('changes made while the client was cut off arrive once each, in revision order', async () => {
    const proxy = await startTcpProxy(etcd.endpoints[0] as string);
    cleanups.push(() => proxy.close());
    const prefix = freshPrefix();
    const watching = await connect({ endpoints: [proxy.endpoint], prefix });
    const writer = await connect({ prefix });
    const log = new EventLog<ClusterEvent>();
    await watching.watchCluster(log.push);

    await writer.submitUnit(unitSpec('before.service'));
    await log.next(1);
    proxy.cut();
    const names = Array.from({ length: 20 }, (_, i) => `u${i}.service`);
    for (const name of names) await writer.submitUnit(unitSpec(name));
    proxy.restore();
    await writer.submitUnit(unitSpec('after.service'));

    const events = await log.next(22, 20_000);
    const units = events.map((e) => (e.kind === 'unit' && e.type === 'put' ? e.unit.name : `${e.kind}/${e.type}`));
    expect(units).toEqual(['before.service', ...names, 'after.service']);
    const revisions = events.map((e) => BigInt(e.revision));
    expect(revisions).toEqual([...revisions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(revisions).size).toBe(revisions.length);
  });
});

describe('resuming in the middle of a catch-up', () => {
  // etcd sends a long catch-up in batches of ≤ 1000 revisions, each stamped with the *current* revision;
  // etcd3 alone would resume after that header revision and drop the rest of the batch.
  test('a connection cut right after the first batch loses none of 2500 historical events', async () => {
    const proxy = await startTcpProxy(etcd.endpoints[0] as string);
    cleanups.push(() => proxy.close());
    const prefix = freshPrefix();
    const writer = await connect({ prefix });
    const from = (await writer.snapshot()).revision;
    const value = encodeValue(makeUnitRecord(unitSpec('a.service'), 'inactive'));
    for (let batch = 0; batch < 50; batch++) {
      await Promise.all(Array.from({ length: 50 }, () => raw.put(writer.keyspace.unit('a.service')).value(value)));
    }

    const reported: CorruptRecordError[] = [];
    const watching = await connect({ endpoints: [proxy.endpoint], prefix, reported });
    const revisions: bigint[] = [];
    let cut = false;
    await watching.watchCluster(
      (event) => {
        revisions.push(BigInt(event.revision));
        if (!cut) {
          cut = true;
          proxy.cut();
          proxy.restore();
        }
      },
      { fromRevision: from },
    );
    await eventually(() => revisions.length >= 2500, 20_000, '2500 events').catch((e) => { throw new Error(`${e} got ${revisions.length} unique ${new Set(revisions).size} first ${revisions[0]} from ${from} reported ${reported.length} ${reported[0]?.message}`); });
    expect(cut).toBe(true);
    expect(revisions).toHaveLength(2500);
    expect(new Set(revisions).size).toBe(2500);
    expect(revisions[0]).toBe(BigInt(from) + 1n);
  });
});

describe('watchCluster', () => {
  test('typed events of every kind, in revision order; states and other prefixes stay out', async () => {
    const registry = await connect();
    const snap = await registry.snapshot();
    const log = new EventLog<ClusterEvent>();
    await registry.watchCluster(log.push, { fromRevision: snap.revision });

    const lease = await registry.registerMachine(machine('m1'), 10);
    cleanups.push(() => lease.revoke());
    await place(registry, 'a.service', 'm1');
    await registry.publishState({ unit: 'a.service', machineId: 'm1', hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 1 }, lease);
    await registry.destroyUnit('a.service');

    const events = await log.next(7);
    const unit = makeUnitRecord(unitSpec('a.service'), 'launched');
    expect(events.map(({ revision: _r, ...rest }) => ('modRevision' in rest ? { ...rest, modRevision: 'x' } : rest))).toEqual([
      { kind: 'machine', type: 'put', machine: machine('m1') },
      { kind: 'unit', type: 'put', unit, modRevision: 'x' },
      // One transaction's events come in the order of its operations.
      { kind: 'schedule', type: 'put', unit: 'a.service', machineId: 'm1' },
      { kind: 'assignment', type: 'put', assignment: assignmentOf('a.service', 'm1') },
      { kind: 'unit', type: 'delete', name: 'a.service' },
      { kind: 'schedule', type: 'delete', unit: 'a.service' },
      { kind: 'assignment', type: 'delete', unit: 'a.service', machineId: 'm1' },
    ]);
    const revisions = events.map((e) => BigInt(e.revision));
    expect(revisions).toEqual([...revisions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  test('fromRevision compacted away → onReset once, events continue', async () => {
    const registry = await connect();
    const old = (await registry.snapshot()).revision;
    await registry.submitUnit(unitSpec('a.service'));
    await raw.kv.compact({ revision: (await registry.snapshot()).revision, physical: true });
    let resets = 0;
    const log = new EventLog<ClusterEvent>();
    await registry.watchCluster(log.push, { fromRevision: old, onReset: () => (resets += 1) });
    await eventually(() => resets === 1, 5000, 'onReset');
    await registry.submitUnit(unitSpec('b.service'));
    expect((await log.next(1)).map((e) => e.kind === 'unit' && e.type === 'put' && e.unit.name)).toEqual(['b.service']);
    expect(resets).toBe(1);
  });

  test('machine events carry dynamic metadata merged over the machine\'s own, like listMachines', async () => {
    const registry = await connect();
    await registry.patchMachineMetadata([{ machineId: 'm1', key: 'disk', value: 'ssd' }]);
    const log = new EventLog<ClusterEvent>();
    await registry.watchCluster(log.push);
    const lease = await registry.registerMachine(machine('m1', { region: 'eu', disk: 'hdd' }), 10);
    cleanups.push(() => lease.revoke());
    await registry.patchMachineMetadata([{ machineId: 'm1', key: 'region' }, { machineId: 'm2', key: 'x', value: 'y' }]);
    await registry.patchMachineMetadata([{ machineId: 'm1', key: 'rack', value: '7' }]);
    const events = await log.next(3);
    const metadataSeen = events.map((e) => (e.kind === 'machine' && e.type === 'put' ? e.machine.metadata : e.kind));
    expect(metadataSeen).toEqual([{ region: 'eu', disk: 'ssd' }, { disk: 'ssd' }, { disk: 'ssd', rack: '7' }]);
    expect((await registry.listMachines())[0]?.metadata).toEqual(metadataSeen[2]);
  });

  test('corrupt values and invalid key names are reported and skipped, the watch goes on', async () => {
    const reported: CorruptRecordError[] = [];
    const registry = await connect({ reported });
    const keys = registry.keyspace;
    const log = new EventLog<ClusterEvent>();
    await registry.watchCluster(log.push);

    await raw.put(keys.unit('garbage.service')).value('not msgpack');
    await raw.put(keys.unit('bad name.service')).value(encodeValue(makeUnitRecord(unitSpec('a.service'), 'inactive')));
    await raw.put(keys.unit('other.service')).value(encodeValue(makeUnitRecord(unitSpec('a.service'), 'inactive')));
    await raw.put(keys.schedule('x.service')).value(encodeValue('m/../1'));
    await registry.submitUnit(unitSpec('good.service'));

    const events = await log.next(1);
    expect(events.map((e) => e.kind === 'unit' && e.type === 'put' && e.unit.name)).toEqual(['good.service']);
    expect(reported.map((e) => ({ key: e.key, reason: e.reason }))).toEqual([
      { key: keys.unit('garbage.service'), reason: 'not a Flotilla record (no schema header)' },
      { key: keys.unit('bad name.service'), reason: `unit name "bad name.service": invalid character ' ' in unit name` },
      { key: keys.unit('other.service'), reason: `record's name "a.service" does not match its key` },
      { key: keys.schedule('x.service'), reason: 'unexpected record shape' },
    ]);
    expect((await registry.listUnits()).map((u) => u.name)).toEqual(['good.service']);
    expect(reported).toHaveLength(7); // listUnits reported the three unit keys again
  });
});

import { Etcd3 } from 'etcd3';
import { describe, expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { ConflictError, LeadershipLostError } from '../errors.js';
import { EventLog, machine } from '../testing/registry-fixtures.js';
import { unitSpec } from '../testing/unit-builders.js';
import { EtcdRegistry } from './etcd-registry.js';
import { useEtcdRegistry } from '../testing/etcd-fixture.js';

let etcd: EtcdHandle;
let registry: EtcdRegistry;

useEtcdRegistry({ etcd: (e) => (etcd = e), registry: (r) => (registry = r) });

describe('snapshot', () => {
  test('units, machines, schedule and unit revisions in one view', async () => {
    const lease = await registry.registerMachine(machine('m1'), 10);
    const unit = await registry.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
    const before = await registry.snapshot();
    await registry.assign(unit, before.unitRevisions.get('a.service')!, 'm1');
    const after = await registry.snapshot();
    expect({ units: after.units, machines: after.machines, schedule: after.schedule }).toEqual({
      units: [unit],
      machines: [machine('m1')],
      schedule: new Map([['a.service', 'm1']]),
    });
    expect(after.unitRevisions.get('a.service')).toBe(before.unitRevisions.get('a.service'));
    expect(BigInt(after.revision)).toBeGreaterThan(BigInt(before.revision));
    await lease.revoke();
  });
});

describe('assign / unassign compares', () => {
  test.each([
    {
      name: 'stale unit revision',
      race: async (r: EtcdRegistry) => void (await r.setDesiredState('a.service', 'loaded')),
      message: 'registry conflict: unit a.service changed or is already scheduled',
    },
    {
      name: 'already scheduled',
      race: async (r: EtcdRegistry) => {
        const snap = await r.snapshot();
        await r.assign(snap.units[0]!, snap.unitRevisions.get('a.service')!, 'm2');
      },
      message: 'registry conflict: unit a.service changed or is already scheduled',
    },
  ])('assign: $name → ConflictError', async ({ race, message }) => {
    const unit = await registry.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
    const stale = await registry.snapshot();
    await race(registry);
    const err = await registry.assign(unit, stale.unitRevisions.get('a.service')!, 'm1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect({ message: (err as ConflictError).message, retryable: (err as ConflictError).retryable }).toEqual({ message, retryable: true });
    expect(await registry.listAssignments('m1')).toEqual([]);
  });

  test('unassign from the wrong machine → ConflictError, nothing removed', async () => {
    const unit = await registry.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
    await registry.assign(unit, (await registry.snapshot()).unitRevisions.get('a.service')!, 'm1');
    await expect(registry.unassign('a.service', 'm2')).rejects.toThrow('registry conflict: unit a.service is no longer scheduled on m2');
    expect((await registry.listAssignments('m1')).map((a) => a.unit)).toEqual(['a.service']);
  });
});

describe('leadership fence', () => {
  test('campaign, currentLeader, fenced assign; after resign fenced writes → LeadershipLostError', async () => {
    expect(await registry.currentLeader()).toBeUndefined();
    const leadership = await registry.campaign('sched-1', 5, new AbortController().signal);
    expect(await registry.currentLeader()).toBe('sched-1');
    const unit = await registry.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
    const b = await registry.submitUnit(unitSpec('b.service'), { desiredState: 'launched' });
    const snap = await registry.snapshot();
    await registry.assign(unit, snap.unitRevisions.get('a.service')!, 'm1', leadership.fence);

    const lost = new EventLog<Error>();
    leadership.onLost(lost.push);
    await leadership.resign();
    expect((await lost.next(1))[0]).toBeInstanceOf(LeadershipLostError);
    expect(await registry.currentLeader()).toBeUndefined();
    await expect(registry.assign(b, snap.unitRevisions.get('b.service')!, 'm1', leadership.fence)).rejects.toBeInstanceOf(LeadershipLostError);
    await expect(registry.unassign('a.service', 'm1', leadership.fence)).rejects.toBeInstanceOf(LeadershipLostError);
    expect((await registry.snapshot()).schedule).toEqual(new Map([['a.service', 'm1']]));
  });

  test('a second candidate waits; abort rejects with AbortError; it wins after the leader resigns', async () => {
    const first = await registry.campaign('sched-1', 5, new AbortController().signal);
    const aborter = new AbortController();
    const waiting = registry.campaign('sched-2', 5, aborter.signal);
    aborter.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });

    const second = registry.campaign('sched-3', 5, new AbortController().signal);
    await first.resign();
    const leadership = await second;
    expect(await registry.currentLeader()).toBe('sched-3');
    expect(leadership.fence.key.startsWith(`${registry.keyspace.root}election/scheduler/`)).toBe(true);
    await leadership.resign();
  });

  test('deleting the campaign key fires onLost', async () => {
    const leadership = await registry.campaign('sched-1', 5, new AbortController().signal);
    const lost = new EventLog<Error>();
    leadership.onLost(lost.push);
    const raw = new Etcd3({ hosts: etcd.endpoints });
    await raw.delete().key(leadership.fence.key);
    raw.close();
    expect((await lost.next(1))[0]).toBeInstanceOf(LeadershipLostError);
    await leadership.resign().catch(() => undefined);
  });
});

describe('watchScheduling', () => {
  test('fires on unit, machine and schedule changes', async () => {
    const log = new EventLog<void>();
    const sub = await registry.watchScheduling(() => log.push());
    await registry.submitUnit(unitSpec('a.service'));
    await log.next(1);
    const lease = await registry.registerMachine(machine('m1'), 10);
    await log.next(2);
    await lease.revoke();
    await sub.close();
  });
});

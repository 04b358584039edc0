/**
 * Fencing with real processes and a real etcd: leader A plans a write (pin.service → m1), then is frozen
 * (SIGSTOP) right before applying it. Its election lease runs out, B takes over, and m1 goes away, so B
 * leaves pin.service unplaced. A is resumed (SIGCONT) and sends its stale write: the unit's revision and the
 * absent schedule still match, so only the fence (A's campaign key) can refuse it — and it must.
 */
import { EtcdRegistry, sleep, type PresenceLease, type UnitSpec } from '@flotilla/core';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSchedulerChild, type SchedulerChild } from '../../bench/support/scheduler-child.js';
import { startEtcd, type EtcdHandle } from '../harness/etcd.js';

const PREFIX = '/flotilla-fencing/';
const TTL_SEC = 2;
let etcd: EtcdHandle;
let registry: EtcdRegistry;
const children: SchedulerChild[] = [];
const leases: PresenceLease[] = [];

const machine = (id: string) => ({ id, hostname: id, ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 0 });
const pinned: UnitSpec = {
  name: 'pin.service',
  options: [
    { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
    { section: 'X-Fleet', name: 'MachineID', value: 'm1' },
  ],
};

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: PREFIX });
});

afterAll(async () => {
  for (const c of children) {
    await c.signal('SIGCONT');
    await c.signal('SIGKILL');
  }
  await Promise.all(leases.map((l) => l.revoke().catch(() => undefined)));
  await registry?.close();
  await etcd?.stop();
});

async function campaigners(): Promise<number> {
  const raw = new Etcd3({ hosts: etcd.endpoints });
  try {
    return await raw.getAll().prefix(registry.keyspace.electionPrefix()).count();
  } finally {
    raw.close();
  }
}

describe('scheduler fencing', () => {
  test('a leader frozen past its lease and resumed writes nothing', async () => {
    const m1 = await registry.registerMachine(machine('m1'), 30);
    leases.push(m1, await registry.registerMachine(machine('m2'), 30));
    const a = startSchedulerChild({ endpoints: etcd.endpoints, prefix: PREFIX, candidate: 'a', ttlSec: TTL_SEC, stopBeforeApply: true });
    children.push(a);
    await a.leaderAt(30_000);
    const b = startSchedulerChild({ endpoints: etcd.endpoints, prefix: PREFIX, candidate: 'b', ttlSec: TTL_SEC });
    children.push(b);
    const end = Date.now() + 30_000;
    while ((await campaigners()) < 2 && Date.now() < end) await sleep(50);

    await registry.submitUnit(pinned, { desiredState: 'launched' });
    expect(await a.applying(10_000)).toBe(1); // A planned pin.service → m1 and froze before writing
    await m1.revoke();
    await b.leaderAt(15_000); // A's lease ran out while it was frozen
    const before = await registry.snapshot();
    expect(before.schedule.has('pin.service')).toBe(false);

    await a.signal('SIGCONT');
    await a.logged('leadership lost while applying the plan', 15_000);
    const after = await registry.snapshot();
    expect({ schedule: [...after.schedule], m1: await registry.listAssignments('m1') }).toEqual({ schedule: [], m1: [] });
    // The only compare that could refuse A's write was the fence: the unit and its (absent) schedule are unchanged.
    expect(after.unitRevisions.get('pin.service')).toBe(before.unitRevisions.get('pin.service'));
  });
});

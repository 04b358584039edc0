import { expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { EtcdRegistry } from './etcd-registry.js';
import type { ClusterLogEvent } from './types.js';
import { withDeadline } from '../timing.js';
import { useEtcdRegistry } from '../testing/etcd-fixture.js';

let etcd: EtcdHandle;
let registry: EtcdRegistry;

useEtcdRegistry({ etcd: (e) => (etcd = e), registry: (r) => (registry = r) });

const strip = (events: ClusterLogEvent[]) => events.map(({ id: _id, ...rest }) => rest);

test('append then list returns the entries oldest first, with ids that sort by time', async () => {
  await registry.appendEvent({ kind: 'placed', unit: 'a.service', machineId: 'm1', at: 1000 });
  await registry.appendEvent({ kind: 'machine-lost', machineId: 'm2', at: 2000 });
  const listed = await registry.listEvents();
  expect(strip(listed)).toEqual([
    { kind: 'placed', unit: 'a.service', machineId: 'm1', at: 1000 },
    { kind: 'machine-lost', machineId: 'm2', at: 2000 },
  ]);
  expect(listed.map((e) => e.id)).toEqual([...listed.map((e) => e.id)].sort());
});

test('a move keeps its cause and a failure its restarts; entries without them (older writers) read as before', async () => {
  await registry.appendEvents([
    { kind: 'rescheduled', unit: 'web@2.service', fromMachineId: 'm3', machineId: 'm1', cause: 'rebalance', at: 1000 },
    { kind: 'unit-failed', unit: 'hello.service', machineId: 'm1', restarts: 3, reason: 'failed', at: 1001 },
    { kind: 'rescheduled', unit: 'a.service', fromMachineId: 'm2', machineId: 'm1', reason: 'unit is not scheduled', at: 1002 },
  ]);
  expect(strip(await registry.listEvents())).toEqual([
    { kind: 'rescheduled', unit: 'web@2.service', fromMachineId: 'm3', machineId: 'm1', cause: 'rebalance', at: 1000 },
    { kind: 'unit-failed', unit: 'hello.service', machineId: 'm1', restarts: 3, reason: 'failed', at: 1001 },
    { kind: 'rescheduled', unit: 'a.service', fromMachineId: 'm2', machineId: 'm1', reason: 'unit is not scheduled', at: 1002 },
  ]);
});

test('retention keeps the newest maxEvents entries and drops entries older than maxAgeMs', async () => {
  const now = Date.now();
  for (let i = 0; i < 8; i++) await registry.appendEvent({ kind: 'placed', unit: `u${i}.service`, at: now + i }, { maxEvents: 5 });
  expect((await registry.listEvents()).map((e) => e.unit)).toEqual(['u3.service', 'u4.service', 'u5.service', 'u6.service', 'u7.service']);
  await registry.appendEvent({ kind: 'unit-failed', unit: 'late.service', at: now + 60_000 }, { maxEvents: 5, maxAgeMs: 30_000 });
  expect((await registry.listEvents()).map((e) => e.unit)).toEqual(['late.service']);
});

test('list honours the limit (newest entries)', async () => {
  for (let i = 0; i < 4; i++) await registry.appendEvent({ kind: 'placed', unit: `u${i}.service`, at: 5000 + i });
  expect((await registry.listEvents({ limit: 2 })).map((e) => e.unit)).toEqual(['u2.service', 'u3.service']);
});

test('watchEvents delivers appended entries; watchHealthChanges fires for units and states', async () => {
  const seen: string[] = [];
  let changes = 0;
  let wake: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (wake = resolve));
  await registry.watchEvents((e) => {
    seen.push(e.kind);
    if (seen.length === 2) wake();
  });
  await registry.watchHealthChanges(() => changes++);
  await registry.appendEvent({ kind: 'machine-joined', machineId: 'm1' });
  await registry.appendEvent({ kind: 'unit-failed', unit: 'x.service', machineId: 'm1' });
  await withDeadline(arrived, 5000, () => new Error('no events in 5 s'));
  expect(seen).toEqual(['machine-joined', 'unit-failed']);
  expect(changes).toBeGreaterThanOrEqual(2);
});

test('appendEvents writes a batch beyond one transaction (300 entries) and trims once', async () => {
  const now = Date.now();
  const batch = Array.from({ length: 300 }, (_, i) => ({ kind: 'placed' as const, unit: `u${i}.service`, at: now + i }));
  const stored = await registry.appendEvents(batch, { maxEvents: 250 });
  expect(stored).toHaveLength(300);
  const listed = await registry.listEvents({ limit: 1000 });
  expect([listed.length, listed[0]?.unit, listed.at(-1)?.unit]).toEqual([250, 'u50.service', 'u299.service']);
});

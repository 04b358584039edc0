/** The daemon's retention reaches the event log through the wrapped registry (real etcd). */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EtcdRegistry } from '@flotilla/core';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { withEventRetention } from './retention-registry.js';

let etcd: EtcdHandle;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

test.each([
  { name: 'count: only the newest 3 of 5 kept', retention: { maxEvents: 3 }, own: undefined, want: ['u2', 'u3', 'u4'] },
  { name: 'age: entries older than 1 min dropped', retention: { maxAgeMs: 60_000 }, own: undefined, want: ['u3', 'u4'] },
  { name: "a writer's own retention wins", retention: { maxEvents: 1 }, own: { maxEvents: 4 }, want: ['u1', 'u2', 'u3', 'u4'] },
])('$name', async ({ retention, own, want }) => {
  const raw = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: `/retention-${process.pid}-${want.join('')}-${retention.maxEvents ?? 0}/` });
  try {
    const registry = withEventRetention(raw, retention);
    const now = Date.now();
    for (let i = 0; i < 4; i++) await registry.appendEvent({ kind: 'placed', unit: `u${i}`, at: i < 3 ? now - 3_600_000 + i : now }, own);
    await registry.appendEvent({ kind: 'placed', unit: 'u4', at: now + 1 }, own);
    expect((await registry.listEvents({ limit: 100 })).map((e) => e.unit)).toEqual(want);
    expect(registry.keyspace).toBe(raw.keyspace); // everything else is the registry itself
  } finally {
    await raw.close();
  }
});

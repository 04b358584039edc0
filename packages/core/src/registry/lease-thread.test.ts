/**
 * The election lease kept from its own thread (lease-thread.ts), on a real etcd: a leader whose main thread is
 * blocked for several TTLs keeps leadership; a main thread silent past the stall limit lets the lease expire.
 * The main thread is blocked with Atomics.wait, as a long synchronous planning step would block it.
 */
import type { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { LeaseLostError } from '../errors.js';
import { EventLog } from '../testing/registry-fixtures.js';
import { unitSpec } from '../testing/unit-builders.js';
import { useCleanups, useEtcdRegistry } from '../testing/etcd-fixture.js';
import type { EtcdRegistry } from './etcd-registry.js';
import { op, prefixRange } from './kv-ops.js';
import { ThreadedLease } from './lease-thread.js';
import { openPort } from './transport.js';

/** Blocks this thread (timers, I/O callbacks and all) for `ms`. */
function blockMainThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

let registry: EtcdRegistry;
let etcd: EtcdHandle;
useEtcdRegistry({ etcd: (e) => (etcd = e), registry: (r) => (registry = r) });
const cleanups = useCleanups();

describe('the election lease on its own thread', () => {
  test('a leader whose main thread is blocked for 3.5 election TTLs is still the leader afterwards', async () => {
    const leadership = await registry.campaign('sched-1', 1, new AbortController().signal);
    cleanups.push(() => leadership.resign());
    const lost = new EventLog<Error>();
    leadership.onLost(lost.push);
    blockMainThread(3500);
    // Let whatever piled up during the block run (a loss message from the thread, the fence key's watch).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lost.events).toEqual([]);
    expect(await registry.currentLeader()).toBe('sched-1');
    // The fence still holds: a fenced write goes through.
    const unit = await registry.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
    await registry.assign(unit, (await registry.snapshot()).unitRevisions.get('a.service')!, 'm1', leadership.fence);
    expect((await registry.listAssignments('m1')).map((a) => a.unit)).toEqual(['a.service']);
  });

  test('a main thread silent past the stall limit lets the lease go: keys under it vanish, onLost says why', async () => {
    const port = await openPort('http', { endpoints: etcd.endpoints }, 5000, true);
    cleanups.push(async () => port.close());
    const lease = await ThreadedLease.grant(port, 1, { transport: 'http', endpoints: etcd.endpoints, timeoutMs: 5000 }, 1000);
    cleanups.push(() => lease.revoke());
    const key = `/lease-thread-test/${lease.id}`;
    await port.txn({ compare: [], success: [op.put(key, 'held', lease.id)], failure: [] });
    const lost = new EventLog<Error>();
    lease.onLost(lost.push);
    // Silent for the stall limit (1 s), then the lease's TTL (1 s) and etcd's expiry check (≤ 0.5 s), with margin.
    blockMainThread(3500);
    const [err] = await lost.next(1);
    expect(err).toBeInstanceOf(LeaseLostError);
    expect(err!.message).toMatch(/main thread did not run for \d+ s/);
    await expect.poll(async () => (await port.range(prefixRange(key))).kvs.length, { timeout: 5000 }).toBe(0);
  });

  test('a keepalive thread that dies: the main thread keeps the lease again, and says so once', async () => {
    const port = await openPort('http', { endpoints: etcd.endpoints }, 5000, true);
    cleanups.push(async () => port.close());
    const lease = await ThreadedLease.grant(port, 1, { transport: 'http', endpoints: etcd.endpoints, timeoutMs: 5000 });
    cleanups.push(() => lease.revoke());
    const key = `/lease-thread-test/${lease.id}`;
    await port.txn({ compare: [], success: [op.put(key, 'held', lease.id)], failure: [] });
    const lost = new EventLog<Error>();
    lease.onLost(lost.push);
    const warnings = new EventLog<Error & { code?: string }>();
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    cleanups.push(async () => process.off('warning', onWarning));
    // Failure injection: the thread is ended from outside, as a crash in it would end it.
    await new Promise((resolve) => setTimeout(resolve, 1500)); // its first keepalive is long done
    await (lease as unknown as { worker: Worker }).worker.terminate();
    const [warning] = await warnings.next(1);
    expect(warning?.code).toBe('FLOTILLA_LEASE_THREAD');
    await new Promise((resolve) => setTimeout(resolve, 3000)); // three TTLs
    expect(lost.events).toEqual([]);
    expect((await port.range(prefixRange(key))).kvs.length).toBe(1);
  });
});

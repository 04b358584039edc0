/**
 * Stored services kept by the elected scheduler against a real etcd (docs/services.md): the count is made
 * real, an instance destroyed by hand comes back, scaling down destroys the top instances, and a new leader
 * keeps the count after the old one stops. Each test uses its own key prefix; every wait polls with a deadline.
 */
import { EtcdRegistry, type PresenceLease, type UnitSpec } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import type { EtcdHandle } from '../../../test/harness/etcd.js';
import { useCleanups, useEtcd } from '../../core/src/testing/etcd-fixture.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { machine } from './test-support/builders.js';
import { captureLog } from './test-support/log-capture.js';
import { waitFor } from './test-support/wait.js';

let etcd: EtcdHandle;
let prefix = '';
let testNumber = 0;
useEtcd((e) => (etcd = e));
const cleanups = useCleanups();

async function connect(): Promise<EtcdRegistry> {
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, requestTimeoutMs: 3000 });
  cleanups.push(() => registry.close());
  return registry;
}

async function scheduler(candidateId: string): Promise<Scheduler> {
  const s = await startScheduler({ registry: await connect(), candidateId, ttlSec: 2, intervalMs: 500, logger: captureLog().logger });
  cleanups.push(() => s.stop());
  return s;
}

async function register(registry: EtcdRegistry, id: string): Promise<PresenceLease> {
  const lease = await registry.registerMachine(machine(id), 10);
  cleanups.push(() => lease.revoke());
  return lease;
}

const template: UnitSpec = {
  name: 'app@.service',
  options: [
    { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
    { section: 'X-Fleet', name: 'Conflicts', value: 'app@*' },
  ],
};

/** The launched, scheduled instances, sorted, once they are exactly `want`. */
async function instances(registry: EtcdRegistry, want: string[]): Promise<string[]> {
  return waitFor(`instances ${want.join(' ')}`, async () => {
    const snap = await registry.snapshot();
    const launched = snap.units.filter((u) => u.name.startsWith('app@') && u.name !== 'app@.service' && u.desiredState === 'launched');
    const names = launched.map((u) => u.name).sort();
    const placed = names.every((n) => snap.schedule.has(n));
    return placed && names.join() === want.join() && snap.units.length === want.length + 1 ? names : undefined;
  });
}

describe('stored services kept by the scheduler (etcd)', () => {
  test('the count is made real, a destroyed instance comes back, scaling down destroys the top ones', async () => {
    prefix = `/flotilla-services-${++testNumber}/`;
    const registry = await connect();
    for (const id of ['m1', 'm2', 'm3']) await register(registry, id);
    await scheduler('cand-a');
    await registry.scaleService('app@.service', 3, template);
    expect(await instances(registry, ['app@1.service', 'app@2.service', 'app@3.service'])).toHaveLength(3);
    expect(await registry.destroyUnit('app@2.service')).toBe(true);
    await instances(registry, ['app@1.service', 'app@2.service', 'app@3.service']);
    await registry.scaleService('app@.service', 1);
    await instances(registry, ['app@1.service']);
    await registry.scaleService('app@.service', 0);
    await instances(registry, []);
    expect(await registry.getService('app@.service')).toEqual({ template: 'app@.service', count: 0 });
  });

  test('a new leader keeps the count: a change made while no one led is made real by the next leader', async () => {
    prefix = `/flotilla-services-${++testNumber}/`;
    const registry = await connect();
    for (const id of ['m1', 'm2']) await register(registry, id);
    const first = await scheduler('cand-a');
    await waitFor('first leads', () => first.isLeader());
    await registry.scaleService('app@.service', 2, template);
    await instances(registry, ['app@1.service', 'app@2.service']);
    await first.stop();
    // No leader: the count and a lost instance wait for the next one.
    await registry.destroyUnit('app@1.service');
    await registry.scaleService('app@.service', 2);
    const second = await scheduler('cand-b');
    await waitFor('second leads', () => second.isLeader());
    await instances(registry, ['app@1.service', 'app@2.service']);
  });
});

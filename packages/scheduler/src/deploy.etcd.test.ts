/**
 * Deployments driven by the elected scheduler against a real etcd (docs/deployments.md). The machines are stand-ins
 * that publish, for every assignment they hold, a state with the assignment's hash — healthy, or unhealthy for the
 * versions a test marks bad — so the scheduler's side (batches, gating, revert, canary, failover) is tested here;
 * real agents and systemd are test/cluster/deploy.test.ts's. Every wait polls with a deadline.
 */
import { EtcdRegistry, type DeploymentRecord, type PresenceLease, type UnitOption, type UnitSpec } from '@flotilla/core';
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
  const s = await startScheduler({ registry: await connect(), candidateId, ttlSec: 2, intervalMs: 300, logger: captureLog().logger });
  cleanups.push(() => s.stop());
  return s;
}

/** Stand-in machines: every 50 ms each publishes its assignments' states; `bad` hashes report unhealthy. The
 * most instances seen at once on a version other than `base` and not healthy is `worst`. */
async function machines(registry: EtcdRegistry, ids: string[]) {
  const leases = new Map<string, PresenceLease>();
  for (const id of ids) {
    const lease = await registry.registerMachine(machine(id), 10);
    leases.set(id, lease);
    cleanups.push(() => lease.revoke());
  }
  const sim = { bad: new Set<string>(), versionsSeen: new Map<string, Set<string>>(), stopped: false };
  const loop = (async () => {
    while (!sim.stopped) {
      for (const [id, lease] of leases) {
        for (const a of await registry.listAssignments(id).catch(() => [])) {
          const seen = sim.versionsSeen.get(a.hash) ?? new Set<string>();
          sim.versionsSeen.set(a.hash, seen.add(a.unit));
          const unhealthy = sim.bad.has(a.hash);
          await registry
            .publishState(
              {
                unit: a.unit, machineId: id, hash: a.hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: Date.now(),
                health: { status: unhealthy ? 'unhealthy' : 'healthy', checkedAt: Date.now(), failures: unhealthy ? 3 : 0 },
              },
              lease,
            )
            .catch(() => undefined);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  cleanups.push(async () => {
    sim.stopped = true;
    await loop;
  });
  return sim;
}

const x = (name: string, value: string): UnitOption => ({ section: 'X-Flotilla', name, value });
function version(v: string, ...strategy: UnitOption[]): UnitSpec {
  return { name: 'app@.service', options: [{ section: 'Service', name: 'ExecStart', value: `/bin/sleep ${v}` }, { section: 'X-Fleet', name: 'Conflicts', value: 'app@*' }, ...strategy] };
}

async function ended(registry: EtcdRegistry, timeoutMs = 20_000): Promise<DeploymentRecord> {
  return waitFor('the deployment to end', async () => {
    const d = await registry.getDeployment('app@.service');
    return d && !['running', 'waiting-promotion', 'reverting'].includes(d.state) ? d : undefined;
  }, timeoutMs);
}

async function hashes(registry: EtcdRegistry): Promise<string[]> {
  const units = await registry.listUnits();
  return units.filter((u) => /^app@\d+\.service$/.test(u.name)).sort((a, b) => a.name.localeCompare(b.name)).map((u) => u.hash);
}

async function serviceUp(registry: EtcdRegistry, count: number, spec: UnitSpec): Promise<string> {
  await registry.scaleService('app@.service', count, spec);
  const hash = (await registry.getUnit('app@.service'))!.hash;
  await waitFor('every instance placed', async () => {
    const snap = await registry.snapshot();
    return [...snap.schedule.keys()].filter((u) => u.startsWith('app@')).length === count;
  });
  return hash;
}

describe('deployments driven by the scheduler (etcd)', () => {
  test('a good version rolls through in batches of MaxParallel; every instance ends on it; history healthy', async () => {
    prefix = `/flotilla-deploy-${++testNumber}/`;
    const registry = await connect();
    await machines(registry, ['m1', 'm2', 'm3', 'm4']);
    await scheduler('cand-a');
    await serviceUp(registry, 4, version('1'));
    const d = await registry.startDeployment(version('2', x('MaxParallel', '2'), x('MinHealthyTime', '300ms')));
    const done = await ended(registry);
    expect([done.id, done.state]).toEqual([d.id, 'succeeded']);
    expect(await hashes(registry)).toEqual(Array(4).fill(d.toHash));
    expect((await registry.getHistory('app@.service'))?.versions.map((v) => v.result)).toEqual(['healthy', 'healthy']);
    // Started no more than MaxParallel at once: instance start times come in two groups.
    const starts = Object.values(done.instances).map((i) => i.startedAt).sort();
    expect(starts[1]).toBe(starts[0]);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(300);
  });

  test('a version whose health check fails stops after the first batch and reverts; history says reverted', async () => {
    prefix = `/flotilla-deploy-${++testNumber}/`;
    const registry = await connect();
    const sim = await machines(registry, ['m1', 'm2', 'm3']);
    await scheduler('cand-a');
    const good = await serviceUp(registry, 3, version('1'));
    const bad = version('bad', x('MaxParallel', '1'), x('AutoRevert', 'yes'), x('MinHealthyTime', '200ms'));
    const { unitHash } = await import('@flotilla/core');
    sim.bad.add(unitHash(bad.options));
    const d = await registry.startDeployment(bad);
    const done = await ended(registry);
    expect([done.state, done.reason]).toEqual(['reverted', expect.stringContaining('app@1.service failed')]);
    expect([...(sim.versionsSeen.get(d.toHash) ?? [])]).toEqual(['app@1.service']); // only the first batch ran it
    expect(await hashes(registry)).toEqual([good, good, good]);
    expect((await registry.getUnit('app@.service'))?.hash).toBe(good);
    expect((await registry.getHistory('app@.service'))?.versions.map((v) => v.result)).toEqual(['healthy', 'reverted']);
    const events = await registry.listEvents();
    expect(events.filter((e) => e.kind === 'deployment').map((e) => e.reason)).toContainEqual(expect.stringMatching(new RegExp(`^${d.id}: failed .*reverting`)));
  });

  test('canary 1 of 3 waits for promotion; a leader killed meanwhile: the next one finishes it', async () => {
    prefix = `/flotilla-deploy-${++testNumber}/`;
    const registry = await connect();
    await machines(registry, ['m1', 'm2', 'm3']);
    const first = await scheduler('cand-a');
    await waitFor('first leads', () => first.isLeader());
    await serviceUp(registry, 3, version('1'));
    const d = await registry.startDeployment(version('2', x('Canary', '1'), x('MaxParallel', '3'), x('MinHealthyTime', '200ms')));
    await waitFor('waiting for promotion', async () => (await registry.getDeployment('app@.service'))?.state === 'waiting-promotion');
    expect((await hashes(registry)).filter((h) => h === d.toHash)).toHaveLength(1);
    await first.stop();
    await registry.promoteDeployment('app@.service');
    const second = await scheduler('cand-b');
    await waitFor('second leads', () => second.isLeader());
    const done = await ended(registry);
    expect([done.state, done.promoted]).toEqual(['succeeded', true]);
    expect(await hashes(registry)).toEqual(Array(3).fill(d.toHash));
  });
});

/**
 * A global unit's deployment driven by the elected scheduler against a real etcd (docs/deployments.md "Global
 * units"): every machine's assignment is its version pin, moved machine by machine. The machines are stand-ins
 * that publish, for every assignment they hold, a state with the assignment's hash — healthy, or unhealthy for a
 * version the test marks bad. Every wait polls with a deadline.
 */
import { EtcdRegistry, unitHash, type DeploymentRecord, type PresenceLease, type UnitOption, type UnitSpec } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import type { EtcdHandle } from '../../../test/harness/etcd.js';
import { useCleanups, useEtcd } from '../../core/src/testing/etcd-fixture.js';
import { startScheduler } from './scheduler.js';
import { machine } from './test-support/builders.js';
import { captureLog } from './test-support/log-capture.js';
import { waitFor } from './test-support/wait.js';

let etcd: EtcdHandle;
let prefix = '';
let testNumber = 0;
useEtcd((e) => (etcd = e));
const cleanups = useCleanups();
const UNIT = 'agent-x.service';

async function connect(): Promise<EtcdRegistry> {
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, requestTimeoutMs: 3000 });
  cleanups.push(() => registry.close());
  return registry;
}

/** Stand-in machines polling every 50 ms. `firstSeen` records, per hash, when each machine was first assigned it. */
async function machines(registry: EtcdRegistry, ids: string[]) {
  const leases = new Map<string, PresenceLease>();
  for (const id of ids) {
    const lease = await registry.registerMachine(machine(id), 10);
    leases.set(id, lease);
    cleanups.push(() => lease.revoke());
  }
  const sim = { bad: new Set<string>(), firstSeen: new Map<string, Map<string, number>>(), stopped: false };
  const loop = (async () => {
    while (!sim.stopped) {
      for (const [id, lease] of leases) {
        for (const a of await registry.listAssignments(id).catch(() => [])) {
          const seen = sim.firstSeen.get(a.hash) ?? new Map<string, number>();
          if (!seen.has(id)) sim.firstSeen.set(a.hash, seen.set(id, Date.now()));
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
  return { name: UNIT, options: [{ section: 'Service', name: 'ExecStart', value: `/bin/sleep ${v}` }, { section: 'X-Fleet', name: 'Global', value: 'true' }, ...strategy] };
}

async function pins(registry: EtcdRegistry, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await registry.listAssignments(id)).find((a) => a.unit === UNIT)?.hash ?? 'none'));
}

async function globalUp(registry: EtcdRegistry, ids: string[], spec: UnitSpec): Promise<string> {
  const unit = await registry.submitUnit(spec, { desiredState: 'launched' });
  await waitFor('the global unit on every machine', async () => (await pins(registry, ids)).every((h) => h === unit.hash), 10_000);
  return unit.hash;
}

async function ended(registry: EtcdRegistry, timeoutMs = 20_000): Promise<DeploymentRecord> {
  return waitFor('the deployment to end', async () => {
    const d = await registry.getDeployment(UNIT);
    return d && !['running', 'waiting-promotion', 'reverting'].includes(d.state) ? d : undefined;
  }, timeoutMs);
}

describe('global unit deployments driven by the scheduler (etcd)', () => {
  const ids = ['m1', 'm2', 'm3'];

  test('one machine at a time, each after the last was healthy for MinHealthyTime; pins dropped at the end', async () => {
    prefix = `/flotilla-gdeploy-${++testNumber}/`;
    const registry = await connect();
    const sim = await machines(registry, ids);
    const s = await startScheduler({ registry: await connect(), candidateId: 'cand-a', ttlSec: 2, intervalMs: 300, logger: captureLog().logger });
    cleanups.push(() => s.stop());
    const old = await globalUp(registry, ids, version('1'));
    const d = await registry.startDeployment(version('2', x('MinHealthyTime', '300ms')));
    expect(d).toMatchObject({ global: true, fromHash: old });
    // Started: the record is on the new version, every machine still pinned to the old one.
    expect((await registry.getUnit(UNIT))?.pinned?.[old]).toBeDefined();
    const done = await ended(registry);
    expect(done.state).toBe('succeeded');
    expect(await pins(registry, ids)).toEqual([d.toHash, d.toHash, d.toHash]);
    expect((await registry.getUnit(UNIT))?.pinned).toBeUndefined();
    const moved = [...(sim.firstSeen.get(d.toHash)?.entries() ?? [])].sort((a, b) => a[1] - b[1]);
    expect(moved.map(([id]) => id)).toEqual(ids); // machine-id order
    for (let i = 1; i < moved.length; i++) expect(moved[i]![1] - moved[i - 1]![1]).toBeGreaterThanOrEqual(300);
    expect((await registry.getHistory(UNIT))?.versions.map((v) => v.result)).toEqual(['healthy', 'healthy']);
  });

  test('a version whose health check fails runs on the first machine only and is reverted there', async () => {
    prefix = `/flotilla-gdeploy-${++testNumber}/`;
    const registry = await connect();
    const sim = await machines(registry, ids);
    const s = await startScheduler({ registry: await connect(), candidateId: 'cand-a', ttlSec: 2, intervalMs: 300, logger: captureLog().logger });
    cleanups.push(() => s.stop());
    const good = await globalUp(registry, ids, version('1'));
    const bad = version('bad', x('AutoRevert', 'yes'), x('MinHealthyTime', '200ms'));
    sim.bad.add(unitHash(bad.options));
    const d = await registry.startDeployment(bad);
    const done = await ended(registry);
    expect([done.state, done.reason]).toEqual(['reverted', expect.stringContaining('m1 failed')]);
    expect([...(sim.firstSeen.get(d.toHash)?.keys() ?? [])]).toEqual(['m1']);
    expect(await pins(registry, ids)).toEqual([good, good, good]);
    const unit = await registry.getUnit(UNIT);
    expect([unit?.hash, unit?.pinned]).toEqual([good, undefined]);
    expect((await registry.getHistory(UNIT))?.versions.map((v) => v.result)).toEqual(['healthy', 'reverted']);
  });

  test('mid-deployment: a desired-state change keeps every machine on its pinned version; start --replace is refused', async () => {
    prefix = `/flotilla-gdeploy-${++testNumber}/`;
    const registry = await connect();
    await machines(registry, ids);
    const s = await startScheduler({ registry: await connect(), candidateId: 'cand-a', ttlSec: 2, intervalMs: 300, logger: captureLog().logger });
    cleanups.push(() => s.stop());
    const old = await globalUp(registry, ids, version('1'));
    // MinHealthyTime=1min: the deployment stays on the first machine for the whole test.
    const d = await registry.startDeployment(version('2', x('MinHealthyTime', '1min')));
    await waitFor('m1 moved', async () => (await pins(registry, ids))[0] === d.toHash, 10_000);
    await registry.setDesiredState(UNIT, 'loaded');
    const all = await Promise.all(ids.map(async (id) => (await registry.listAssignments(id)).find((a) => a.unit === UNIT)));
    expect(all.map((a) => [a?.hash, a?.desiredState])).toEqual([[d.toHash, 'loaded'], [old, 'loaded'], [old, 'loaded']]);
    // start --replace would move every machine at once under the driver: refused, nothing written.
    await expect(registry.submitUnit(version('3'), { replace: true })).rejects.toMatchObject({ code: 'DEPLOYMENT_IN_PROGRESS', deploymentId: d.id });
    expect((await registry.getUnit(UNIT))?.hash).toBe(d.toHash);
  });
});


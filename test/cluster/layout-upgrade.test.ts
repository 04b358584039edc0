/**
 * A running cluster moves from registry layout 1 to layout 2 as its daemons are upgraded one by one
 * (docs/registry.md, "One write per placement"), on real machines: every daemon starts held at layout 1
 * (FLOTILLA_REGISTRY_LAYOUT=1, what a daemon before layout 2 says), units run, then each machine's agent is restarted
 * without the setting. The registry stays at layout 1 while one machine still says 1, moves once none does, and no
 * unit stops, restarts or runs twice meanwhile (same MainPIDs, sampled on every machine's systemd). Afterwards a stop
 * and a start go through the leader as usual.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEtcdClient } from '../../packages/core/src/registry/client.js';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { AGENT_UNIT } from '../harness/faults.js';
import type { Machine } from '../harness/machines.js';
import { cliFor } from '../support/cli.js';
import { startRegisteredCluster } from '../support/registered-cluster.js';
import { sampledOftenEnough, SLOW_GAP_MS, SystemdSampler } from '../support/systemd-sampler.js';

const PLAIN = ['up1.service', 'up2.service', 'up3.service', 'up4.service', 'up5.service', 'up6.service'];
const GLOBAL = 'upg.service';
const ALL = [...PLAIN, GLOBAL];
const AGENT_ENV = '/etc/flotilla/agent.env';

describe('registry layout 1 → 2 during a rolling upgrade, on real machines', () => {
  let cluster: Cluster;
  let registry: EtcdRegistry;
  let stop: (() => Promise<void>) | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-layout-'));

  /** unit@machine → MainPID of every active unit, from each machine's systemd. */
  const mainPids = async (): Promise<Map<string, string>> => {
    const pids = new Map<string, string>();
    await Promise.all(
      cluster.machines.map(async (m) => {
        const r = await m.exec(['systemctl', 'show', '-p', 'Id', '-p', 'MainPID', '-p', 'ActiveState', ...ALL], { timeoutMs: 10_000 });
        for (const block of r.stdout.trim().split('\n\n')) {
          const f = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
          if (f.ActiveState === 'active' && f.Id) pids.set(`${f.Id}@${m.name}`, f.MainPID ?? '');
        }
      }),
    );
    return new Map([...pids].sort());
  };
  const scheduleKeys = async (): Promise<number> => {
    const raw = createEtcdClient(cluster.registryOptions, 5000);
    try {
      return (await raw.getAll().prefix(registry.keyspace.schedulePrefix).keys()).length;
    } finally {
      raw.close();
    }
  };
  const upgrade = async (m: Machine) => {
    const startedBefore = (await registry.listMachines()).find((r) => r.id === m.id)!.startedAt;
    const edited = await m.exec(['sed', '-i', '/^FLOTILLA_REGISTRY_LAYOUT=/d', AGENT_ENV], { timeoutMs: 10_000 });
    expect(edited.code, edited.stderr).toBe(0);
    const restarted = await m.exec(['systemctl', 'restart', AGENT_UNIT], { timeoutMs: 60_000 });
    expect(restarted.code, restarted.stderr).toBe(0);
    await waitUntil(`${m.name}'s upgraded agent registered`, async () => ((await registry.listMachines()).find((r) => r.id === m.id && r.startedAt > startedBefore && r.layout === 2) ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
  };

  beforeAll(async () => {
    ({ cluster, registry, stop } = await startRegisteredCluster({ machines: 3, ttlSec: 10, leader: true, agentEnv: { FLOTILLA_REGISTRY_LAYOUT: '1', FLOTILLA_REBALANCE_INTERVAL: '3600' } }));
    for (const u of PLAIN) fs.writeFileSync(path.join(dir, u), '[Service]\nExecStart=/bin/sleep infinity\n');
    fs.writeFileSync(path.join(dir, GLOBAL), '[Service]\nExecStart=/bin/sleep infinity\n\n[X-Fleet]\nGlobal=true\n');
    const started = await cliFor(cluster.cliEnv)(['start', ...ALL.map((u) => path.join(dir, u))], { timeoutMs: 60_000 });
    expect(started.code, started.stderr).toBe(0);
    await waitUntil('every unit active once, the global one everywhere', async () => (((await mainPids()).size === PLAIN.length + cluster.machines.length) ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  });
  afterAll(async () => {
    await stop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the registry moves once the last daemon is upgraded; no unit stops, restarts or runs twice', async () => {
    expect([(await registry.snapshot()).layout, await scheduleKeys()]).toEqual([1, PLAIN.length]);
    const pidsBefore = await mainPids();
    const scheduleBefore = new Map([...(await registry.snapshot()).schedule].sort());
    // The non-global units: each on exactly one machine at every sample (the global one runs everywhere by design).
    const sampler = new SystemdSampler(cluster.machines, PLAIN);
    try {
      const [first, second, last] = cluster.machines as [Machine, Machine, Machine];
      await upgrade(first);
      await upgrade(second);
      // One machine still runs a daemon held at layout 1: it could be elected, so the registry stays.
      expect([(await registry.snapshot()).layout, await scheduleKeys()]).toEqual([1, PLAIN.length]);
      await upgrade(last);
      await waitUntil('the registry at layout 2', async () => ((await registry.snapshot()).layout === 2 && (await scheduleKeys()) === 0 ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
    } finally {
      await sampler.stop();
    }
    expect(await mainPids()).toEqual(pidsBefore);
    expect(new Map([...(await registry.snapshot()).schedule].sort())).toEqual(scheduleBefore);
    expect(sampler.twice).toEqual([]);
    expect(sampler.down).toEqual([]);
    expect(sampledOftenEnough(sampler), `${sampler.slowGaps} of ${sampler.rounds} gaps over ${SLOW_GAP_MS} ms, longest ${sampler.maxGapMs} ms`).toBe(true);
  }, 240_000);

  test('in layout 2 a stop and a start reach systemd through the leader', async () => {
    const cli = cliFor(cluster.cliEnv);
    const where = (await registry.snapshot()).schedule.get('up1.service')!;
    const machine = cluster.machines.find((m) => m.id === where)!;
    expect((await cli(['stop', 'up1.service'], { timeoutMs: 30_000 })).code).toBe(0);
    await waitUntil('up1 stopped on its machine', async () => {
      const state = (await machine.exec(['systemctl', 'is-active', 'up1.service'], { timeoutMs: 5000 })).stdout.trim();
      return state === 'inactive' || state === 'failed' ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    fs.writeFileSync(path.join(dir, 'up7.service'), '[Service]\nExecStart=/bin/sleep infinity\n');
    expect((await cli(['start', path.join(dir, 'up7.service')], { timeoutMs: 30_000 })).code).toBe(0);
    await waitUntil('up7 active on one machine', async () => {
      const active = await Promise.all(cluster.machines.map(async (m) => (await m.exec(['systemctl', 'is-active', 'up7.service'], { timeoutMs: 5000 })).stdout.trim() === 'active'));
      return active.filter(Boolean).length === 1 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(await scheduleKeys()).toBe(0);
  }, 90_000);
});

/**
 * Global units on real machines: the scheduler assigns a global unit to every machine where it may run (here:
 * all but the one whose pinned unit conflicts with it), as per-machine assignments with no schedule entry; the
 * agents run what is assigned, and `flotilla plan` agrees. (Metadata matching is covered by the plan tables.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { cliFor } from '../support/cli.js';

const TTL_SEC = 5;

describe('global units on a real 3-machine cluster', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let registry: EtcdRegistry;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-global-'));

  const activeOn = async (name: string): Promise<string[]> => {
    const states = await Promise.all(cluster.machines.map(async (m: Machine) => [m.name, (await m.systemctlShow(name, ['ActiveState'])).ActiveState] as const));
    return states.filter(([, s]) => s === 'active').map(([n]) => n).sort();
  };

  beforeAll(async () => {
    cluster = await startCluster({ machines: 3, ttlSec: TTL_SEC });
    cli = cliFor(cluster.cliEnv);
    registry = await EtcdRegistry.connect(cluster.registryOptions);
    await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 }).catch(
      async (err) => {
        const listed = await cli(['list-machines', '--no-legend']);
        throw new Error(`${(err as Error).message}: registry sees ${(await registry.listMachines()).length}, CLI: ${listed.stdout} ${listed.stderr}`);
      },
    );
  });
  afterAll(async () => {
    await registry?.close();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('runs on every machine it may, never gets a schedule entry, and stops everywhere on stop', async () => {
    const blocker = path.join(dir, 'blocker.service');
    fs.writeFileSync(blocker, '[Service]\nExecStart=/bin/sleep infinity\n\n[X-Fleet]\nConflicts=edge-agent.service\n');
    const startedBlocker = await cli(['start', blocker]);
    expect(startedBlocker.stderr).toBe('');
    const blockedId = (await registry.snapshot()).schedule.get('blocker.service');
    const file = path.join(dir, 'edge-agent.service');
    fs.writeFileSync(file, '[Service]\nExecStart=/bin/sleep infinity\n\n[X-Fleet]\nGlobal=true\n');
    const started = await cli(['start', '--no-block', file]);
    expect(started.code).toBe(0);
    const others = cluster.machines.filter((m) => m.id !== blockedId);
    expect(others).toHaveLength(2);
    const edge = others.map((m) => m.name).sort();
    await waitUntil('active on both edge machines', async () => ((await activeOn('edge-agent.service')).join() === edge.join() ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 250,
    }).catch(async (err) => {
      const s = await registry.snapshot();
      const detail = {
        active: await activeOn('edge-agent.service'),
        machines: s.machines.map((m) => [m.id, m.metadata]),
        units: s.units.map((u) => [u.name, u.global, u.desiredState]),
        globals: [...s.globalAssignments].map(([u, m]) => [u, [...m.values()]]),
        edge,
      };
      throw new Error(`${(err as Error).message}\n${JSON.stringify(detail, null, 1)}`);
    });
    const snap = await registry.snapshot();
    expect({ scheduled: snap.schedule.has('edge-agent.service'), on: [...(snap.globalAssignments.get('edge-agent.service')?.keys() ?? [])].sort() }).toEqual({
      scheduled: false,
      on: others.map((m) => m.id).sort(),
    });
    const plan = await cli(['plan', 'edge-agent.service']);
    expect(plan.stdout).toContain('global: on 2 of 3 machines');

    expect((await cli(['stop', '--no-block', 'edge-agent.service'])).code).toBe(0);
    await waitUntil('stopped everywhere', async () => ((await activeOn('edge-agent.service')).length === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 250 });
  });
});

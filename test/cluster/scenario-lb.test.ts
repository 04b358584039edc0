/**
 * docs/scenarios.md, "An app behind a load balancer", on real machines with the shipped units: units/app@.service
 * scaled with `flotilla scale`, and units/lb.service started like any unit, so it lands on the machine with
 * `role=lb` and runs `flotilla lb haproxy` there with the node's Debian HAProxy. Agents publish each active
 * instance's endpoint; the LB renders HAProxy's config from them and reloads it. Requests go from the host to the
 * LB machine's bridge address only.
 */
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { waitForPort } from '../harness/ports.js';
import { cliFor } from '../support/cli.js';

const TTL_SEC = 5;
const UNITS = path.resolve(import.meta.dirname, '../../units');
const LB_CONFIG = '/run/flotilla-lb/haproxy.cfg';
/** 1-based, as startCluster's metadata callback counts: machine m6 is cluster.machines[5]. */
const LB_INDEX = 6;

describe('a scaled app behind HAProxy run as units/lb.service on a node', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let registry: EtcdRegistry;
  let lbMachine: Machine;

  /** Bodies of `count` requests through the LB (each bounded by 2 s); failures are recorded as `error`. */
  const sample = async (count: number): Promise<string[]> => {
    const bodies: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await fetch(`http://${lbMachine.ip}:80/`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      bodies.push(res?.ok ? (await res.text()).trim() : 'error');
    }
    return bodies;
  };
  const lbConfig = async () => (await lbMachine.exec(['cat', LB_CONFIG], { timeoutMs: 10_000 })).stdout;
  const lbLog = async () => (await lbMachine.exec(['journalctl', '-u', 'lb.service', '--no-pager', '-n', '40'], { timeoutMs: 10_000 })).stdout;
  const instances = (bodies: string[]) => [...new Set(bodies.map((b) => b.split(' on ')[0]))].sort();
  const waitServing = (want: string[]) =>
    waitUntil(`LB serves exactly ${want.join()}`, async () => (instances(await sample(20)).join() === want.join() ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
    }).catch(async (err) => {
      throw new Error(`${(err as Error).message}; seen ${JSON.stringify(instances(await sample(20)))}; endpoints ${JSON.stringify(await registry.listEndpoints())}; lb log:\n${await lbLog()}`);
    });
  const apps = (n: number) => Array.from({ length: n }, (_, i) => `app ${i + 1}`);

  beforeAll(async () => {
    cluster = await startCluster({ machines: 6, ttlSec: TTL_SEC, metadata: (i) => (i === LB_INDEX ? { role: 'lb' } : { role: 'worker' }) });
    cli = cliFor(cluster.cliEnv);
    registry = await EtcdRegistry.connect(cluster.registryOptions);
    await waitUntil('6 agents', async () => ((await registry.listMachines()).length === 6 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    lbMachine = cluster.machines[LB_INDEX - 1]!;
    const started = await cli(['start', path.join(UNITS, 'lb.service')]);
    expect(started.code, started.stderr).toBe(0);
    const lbState = await waitUntil('lb.service active', async () => (await registry.listStates()).find((s) => s.unit === 'lb.service' && s.activeState === 'active'), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(lbState?.machineId, 'lb.service follows MachineMetadata=role=lb').toBe(lbMachine.id);
    await waitForPort(lbMachine.ip, 80, 30_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}; lb log:\n${await lbLog()}`);
    });
  });
  afterAll(async () => {
    await registry?.close();
    await cluster?.stop();
  });

  test('reaches every instance, follows scale 3 → 5, drops a dead machine within TTL + 2 s', async () => {
    const up = await cli(['scale', path.join(UNITS, 'app@.service'), '3']);
    expect(up.code, up.stderr).toBe(0);
    await waitServing(apps(3));

    const more = await cli(['scale', path.join(UNITS, 'app@.service'), '5']);
    expect(more.code, more.stderr).toBe(0);
    await waitServing(apps(5));
    expect((await lbConfig()).match(/^ {2}server /gm)).toHaveLength(5);

    // Any app machine but the LB's own.
    const victimId = (await registry.listEndpoints()).find((e) => e.machineId !== lbMachine.id)!.machineId;
    const victim = cluster.machines.find((m: Machine) => m.id === victimId)!;
    await victim.kill();
    const killedAt = Date.now();
    // From TTL + 2 s on, every request is answered by a live instance (the dead one's endpoint is gone).
    await waitUntil('no request fails or reaches the dead machine', async () => (!(await sample(20)).includes('error') ? true : undefined), {
      timeoutMs: TTL_SEC * 1000 + 2000,
      intervalMs: 100,
    });
    const deadline = killedAt + TTL_SEC * 1000 + 2000;
    await waitUntil('endpoint gone', async () => ((await registry.listEndpoints()).every((e) => e.machineId !== victimId) ? true : undefined), {
      timeoutMs: Math.max(1, deadline - Date.now()),
      intervalMs: 100,
    });
    await waitUntil('config without the dead machine', async () => (!(await lbConfig()).includes(` ${victim.ip}:`) ? true : undefined), {
      timeoutMs: Math.max(500, deadline - Date.now()),
      intervalMs: 100,
    });
    // The dead instance's replacement lands on the spare machine and serves.
    await waitServing(apps(5));
  }, 240_000);
});

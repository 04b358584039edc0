/**
 * Issue 10, "an app behind a load balancer", on real machines with the shipped units/app@.service: agents
 * publish each active instance's endpoint, `flotilla lb haproxy` (run on the host, where the haproxy package
 * is; units/lb.service runs the same command on a node) renders HAProxy's config from them and reloads it, and
 * `flotilla scale` sets the number of instances. Requests go to 127.0.0.1 on the host only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { cliFor, FLOTILLA_BIN } from '../support/cli.js';

const TTL_SEC = 5;
const UNITS = path.resolve(import.meta.dirname, '../../units');

describe('a scaled app behind HAProxy', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let registry: EtcdRegistry;
  let lb: ChildProcess | undefined;
  let port: number;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lb-'));
  const config = path.join(dir, 'haproxy.cfg');

  /** Bodies of `count` requests through the LB (each bounded by 2 s); failures are recorded as `error`. */
  const sample = async (count: number): Promise<string[]> => {
    const bodies: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      bodies.push(res?.ok ? (await res.text()).trim() : 'error');
    }
    return bodies;
  };
  const instances = (bodies: string[]) => [...new Set(bodies.map((b) => b.split(' on ')[0]))].sort();
  const waitServing = (want: string[]) =>
    waitUntil(`LB serves exactly ${want.join()}`, async () => (instances(await sample(20)).join() === want.join() ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
    }).catch(async (err) => {
      throw new Error(`${(err as Error).message}; seen ${JSON.stringify(instances(await sample(20)))}; endpoints ${JSON.stringify(await registry.listEndpoints())}; lb log:\n${fs.readFileSync(path.join(dir, 'lb.log'), 'utf8').slice(-2000)}`);
    });
  const apps = (n: number) => Array.from({ length: n }, (_, i) => `app ${i + 1}`);

  beforeAll(async () => {
    cluster = await startCluster({ machines: 6, ttlSec: TTL_SEC });
    cli = cliFor(cluster.endpoints);
    registry = await EtcdRegistry.connect({ endpoints: cluster.endpoints });
    await waitUntil('6 agents', async () => ((await registry.listMachines()).length === 6 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    port = await freePort();
    lb = spawn(FLOTILLA_BIN, ['lb', 'haproxy', '--prefix', 'app@', '--listen', `127.0.0.1:${port}`, '--config', config], {
      env: { PATH: process.env.PATH, FLOTILLA_ENDPOINT: cluster.endpoints.join(',') },
      stdio: ['ignore', fs.openSync(path.join(dir, 'lb.log'), 'a'), 'inherit'],
      detached: true,
    });
    await waitForPort('127.0.0.1', port, 30_000);
  });
  afterAll(async () => {
    if (lb?.pid && lb.exitCode === null) {
      const exited = new Promise((resolve) => lb!.once('exit', resolve));
      process.kill(-lb.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (lb.exitCode === null) process.kill(-lb.pid, 'SIGKILL');
    }
    await registry?.close();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('reaches every instance, follows scale 3 → 5, drops a dead machine within TTL + 2 s', async () => {
    const up = await cli(['scale', path.join(UNITS, 'app@.service'), '3']);
    expect(up.code, up.stderr).toBe(0);
    await waitServing(apps(3));

    const more = await cli(['scale', path.join(UNITS, 'app@.service'), '5']);
    expect(more.code, more.stderr).toBe(0);
    await waitServing(apps(5));
    expect(fs.readFileSync(config, 'utf8').match(/^ {2}server /gm)).toHaveLength(5);

    const victimId = (await registry.listEndpoints()).find((e) => e.unit === 'app@5.service')!.machineId;
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
    await waitUntil('config without the dead machine', async () => (!fs.readFileSync(config, 'utf8').includes(` ${victim.ip}:`) ? true : undefined), {
      timeoutMs: Math.max(500, deadline - Date.now()),
      intervalMs: 100,
    });
    // The replacement of app@5 lands on the spare machine and serves.
    await waitServing(apps(5));
  }, 240_000);
});

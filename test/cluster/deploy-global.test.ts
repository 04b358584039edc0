/**
 * docs/deployments.md "Global units" on real machines: a global unit answering `VERSION on MACHINE` over HTTP with
 * an HTTP health check, deployed with `flotilla deploy`. Each machine is asked over HTTP (and its systemd) every
 * 200 ms: a good version reaches the machines one at a time, in machine-id order, each after the previous one
 * was healthy for MinHealthyTime; a version whose health check never passes runs on the first machine only and
 * is reverted there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { cliFor } from '../support/cli.js';

const TTL_SEC = 5;
const PORT = 8090;

function unit(version: string, strategy: string, health = `http://127.0.0.1:${PORT}/`): string {
  return `[Unit]
Description=node agent, ${version}

[Service]
ExecStart=/usr/bin/node -e "require('http').createServer((req, res) => res.end('${version}')).listen(${PORT})"
Restart=on-failure

[X-Fleet]
Global=true

[X-Flotilla]
HealthCheck=${health}
HealthInterval=500ms
HealthTimeout=1s
HealthRetries=2
HealthRestart=no
${strategy}`;
}

describe('deploying a global unit on a real 3-machine cluster', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let registry: EtcdRegistry;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-gdeploy-cluster-'));
  const file = (name: string, text: string): string => {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'nodeagent.service'), text);
    return path.join(dir, name, 'nodeagent.service');
  };
  /** Machine ids in id order (the deployment's order). */
  const ids = () => cluster.machines.map((m) => m.id).sort();
  /** What each machine's instance answers, by machine id ('-' when it does not). */
  async function answers(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    await Promise.all(cluster.machines.map(async (m) => {
      out[m.id] = await fetch(`http://${m.ip}:${PORT}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text(), () => '-');
    }));
    return out;
  }
  /** Samples answers every 200 ms until stopped: when each machine first answered each version. */
  function watch() {
    const first = new Map<string, Map<string, number>>();
    let stopping = false;
    const done = (async () => {
      while (!stopping) {
        const now = Date.now();
        for (const [id, v] of Object.entries(await answers())) {
          const seen = first.get(v) ?? new Map<string, number>();
          if (!seen.has(id)) first.set(v, seen.set(id, now));
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    return { first, stop: async () => { stopping = true; await done; } };
  }
  const waitAll = (version: string) =>
    waitUntil(`every machine on ${version}`, async () => (Object.values(await answers()).every((v) => v === version) ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });

  beforeAll(async () => {
    cluster = await startCluster({ machines: 3, ttlSec: TTL_SEC });
    cli = cliFor(cluster.cliEnv);
    registry = await EtcdRegistry.connect(cluster.registryOptions);
    await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    const started = await cli(['start', file('v1', unit('v1', 'MinHealthyTime=2s\n'))]);
    expect(started.code, started.stderr).toBe(0);
    await waitAll('v1');
  }, 300_000);
  afterAll(async () => {
    await registry?.close();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a good version reaches one machine at a time, in id order, each after MinHealthyTime', async () => {
    const w = watch();
    const run = await cli(['deploy', file('v2', unit('v2', 'MinHealthyTime=2s\n'))], { timeoutMs: 180_000 });
    await w.stop();
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    await waitAll('v2');
    const moved = [...(w.first.get('v2')?.entries() ?? [])].sort((a, b) => a[1] - b[1]);
    expect(moved.map(([id]) => id)).toEqual(ids());
    // The next machine moves only after the previous one was healthy for 2 s (less one sampling interval).
    for (let i = 1; i < moved.length; i++) expect(moved[i]![1] - moved[i - 1]![1]).toBeGreaterThanOrEqual(1800);
    for (const m of cluster.machines) expect((await m.systemctlShow('nodeagent.service', ['ActiveState'])).ActiveState).toBe('active');
  }, 240_000);

  test('a version whose health check never passes runs on the first machine only and is reverted there', async () => {
    const w = watch();
    const bad = unit('v3', 'MinHealthyTime=2s\nAutoRevert=yes\nHealthyDeadline=30s\n', `http://127.0.0.1:${PORT + 1}/`);
    const run = await cli(['deploy', file('v3', bad)], { timeoutMs: 180_000 });
    await w.stop();
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`was reverted to [0-9a-f]{7}: ${ids()[0]} failed`));
    expect([...(w.first.get('v3')?.keys() ?? [])]).toEqual([ids()[0]]);
    await waitAll('v2');
  }, 240_000);
});

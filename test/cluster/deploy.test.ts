/**
 * docs/deployments.md on real machines: app@ (3 instances, an HTTP health check) behind the shipped units/lb.service
 * (HAProxy on the `role=lb` machine), deployed with `flotilla deploy` while a bounded load loop (20 requests/s at
 * most, to the LB's bridge address only) counts failed requests. Each version answers `VERSION app N`, so where an
 * instance stands is asked of each machine over HTTP and of its systemd. A good version: 0 failed requests, every
 * instance on it. A version whose health check never passes: stopped after the first batch and reverted, history
 * says `reverted`. A canary of 1 of 3, promoted, with the leader's agent killed meanwhile: the next leader finishes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { killAgent } from '../harness/faults.js';
import type { Machine } from '../harness/machines.js';
import { waitForPort } from '../harness/ports.js';
import { cliFor } from '../support/cli.js';

const TTL_SEC = 5;
const UNITS = path.resolve(import.meta.dirname, '../../units');
/** 1-based, as startCluster's metadata callback counts. */
const LB_INDEX = 4;
/** The load loop: one request at a time, at most 20 a second, at most this many in all. */
const LOAD_INTERVAL_MS = 50;
const LOAD_MAX_REQUESTS = 6000;

/** A version of app@.service: answers `VERSION app N`; `health` is where its health check looks. */
function template(version: string, strategy: string, health = 'http://127.0.0.1:8080/'): string {
  return `[Unit]
Description=app %i, ${version}

[Service]
ExecStart=/usr/bin/node -e "require('http').createServer((req, res) => res.end('${version} app %i')).listen(8080)"
Restart=on-failure

[X-Fleet]
Conflicts=app@*
MachineMetadata=role=worker

[X-Flotilla]
Port=8080
HealthCheck=${health}
HealthInterval=500ms
HealthTimeout=1s
HealthRetries=2
HealthRestart=no
${strategy}`;
}

describe('rolling deployments behind HAProxy (units/lb.service)', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let registry: EtcdRegistry;
  let lb: Machine;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-deploy-cluster-'));
  const file = (name: string, text: string): string => {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'app@.service'), text);
    return path.join(dir, name, 'app@.service');
  };

  /** Requests through the LB until `stop()`; every failure (status, reset, 2 s timeout) is kept. */
  function load() {
    const failures: string[] = [];
    const seen = new Set<string>();
    let requests = 0;
    let stopping = false;
    const done = (async () => {
      while (!stopping && requests < LOAD_MAX_REQUESTS) {
        const started = Date.now();
        requests++;
        // A new connection per request: an idle keep-alive connection closed by an HAProxy reload (every endpoint
        // change reloads it) races the next request on the client's side, whatever the deployment does.
        const res = await fetch(`http://${lb.ip}:80/`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) }).catch((err: Error) => err);
        if (res instanceof Error) failures.push(`${res.message} ${String((res.cause as { code?: string } | undefined)?.code ?? res.cause ?? '')}`);
        else if (!res.ok) failures.push(`HTTP ${res.status}`);
        else seen.add((await res.text()).trim().split(' app ')[0]!);
        await new Promise((r) => setTimeout(r, Math.max(0, LOAD_INTERVAL_MS - (Date.now() - started))));
      }
    })();
    return {
      failures,
      seen,
      get requests() {
        return requests;
      },
      async stop() {
        stopping = true;
        await done;
      },
    };
  }

  /** What each instance answers on its own machine's port, and that its machine's systemd runs it. */
  async function versions(): Promise<Record<string, string>> {
    const endpoints = (await registry.listEndpoints()).filter((e) => e.unit.startsWith('app@'));
    const out: Record<string, string> = {};
    for (const e of endpoints) {
      const machine = cluster.machines.find((m) => m.id === e.machineId)!;
      const state = await machine.systemctlShow(e.unit, ['ActiveState']);
      const body = await fetch(`http://${e.ip}:${e.port}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => 'error');
      out[e.unit] = `${state.ActiveState} ${body.trim()}`;
    }
    return out;
  }
  const all = (version: string) => ({ 'app@1.service': `active ${version} app 1`, 'app@2.service': `active ${version} app 2`, 'app@3.service': `active ${version} app 3` });
  const waitVersions = (version: string) =>
    waitUntil(`every instance on ${version}`, async () => (JSON.stringify(await versions()) === JSON.stringify(all(version)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 250 });

  beforeAll(async () => {
    // The LB's machine runs the lean worker agent: the leader whose agent the canary test kills is an app machine's,
    // so what is measured is the deployment's resumption, not the LB machine's agent restart.
    cluster = await startCluster({
      machines: 4, ttlSec: TTL_SEC, metadata: (i) => (i === LB_INDEX ? { role: 'lb' } : { role: 'worker' }), scheduler: (i) => i !== LB_INDEX,
    });
    cli = cliFor(cluster.cliEnv);
    registry = await EtcdRegistry.connect(cluster.registryOptions);
    await waitUntil('4 agents', async () => ((await registry.listMachines()).length === 4 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    lb = cluster.machines[LB_INDEX - 1]!;
    const started = await cli(['start', path.join(UNITS, 'lb.service')]);
    expect(started.code, started.stderr).toBe(0);
    await waitForPort(lb.ip, 80, 30_000);
    const up = await cli(['scale', file('v1', template('v1', 'MaxParallel=1\nMinHealthyTime=1s\n')), '3']);
    expect(up.code, up.stderr).toBe(0);
    await waitVersions('v1');
    // Every instance behind the LB and served before the load starts: in its config, and answering through it (round
    // robin skips a server HAProxy's own check holds down, so all three answering means all three are up there).
    await waitUntil('the LB serves 3 instances', async () => {
      const cfg = (await lb.exec(['cat', '/run/flotilla-lb/haproxy.cfg'], { timeoutMs: 10_000 })).stdout;
      if ((cfg.match(/^ {2}server /gm) ?? []).length !== 3) return undefined;
      const bodies = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`http://${lb.ip}:80/`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        bodies.add(res?.ok ? (await res.text()).trim() : 'error');
      }
      return [...bodies].sort().join() === 'v1 app 1,v1 app 2,v1 app 3' ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
  }, 300_000);
  afterAll(async () => {
    await registry?.close();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a good version: 0 failed requests under load, every instance on it', async () => {
    const traffic = load();
    const run = await cli(['deploy', file('v2', template('v2', 'MaxParallel=1\nMinHealthyTime=1s\n'))], { timeoutMs: 180_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await traffic.stop();
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/succeeded\n$/);
    expect(traffic.failures).toEqual([]);
    expect(traffic.requests).toBeGreaterThan(20);
    expect([...traffic.seen].sort()).toEqual(['v1', 'v2']);
    await waitVersions('v2');
  }, 240_000);

  test('a version whose health check never passes stops after the first batch and reverts; history says reverted', async () => {
    const traffic = load();
    const bad = template('v3', 'MaxParallel=1\nMinHealthyTime=1s\nAutoRevert=yes\nHealthyDeadline=30s\n', 'http://127.0.0.1:8081/');
    const run = await cli(['deploy', file('v3-bad', bad)], { timeoutMs: 180_000 });
    await traffic.stop();
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/was reverted to [0-9a-f]{7}: app@1\.service failed/);
    // Only the first batch ran the bad version.
    const badHash = /Replacing app@1\.service with ([0-9a-f]{7})\n/.exec(run.stdout)?.[1];
    expect(run.stdout.split('\n').filter((l) => badHash !== undefined && l.endsWith(`with ${badHash}`))).toEqual([`Replacing app@1.service with ${badHash}`]);
    // The bad version's check never passes, so it never has an endpoint and the LB never sends it a request
    // (docs/discovery.md, "Only ready instances"); the other two serve meanwhile.
    expect(traffic.failures).toEqual([]);
    await waitVersions('v2');
    const history = await cli(['history', 'app@']);
    expect(history.stdout.split('\n')[1]).toMatch(/^ [0-9a-f]{7}\s+\S+\s+reverted\s+app-/);
    expect(history.stdout.split('\n')[2]).toMatch(/^\*[0-9a-f]{7}\s+\S+\s+healthy\s+app-/);
  }, 240_000);

  test('canary 1 of 3, promoted; the leader\'s agent killed meanwhile: the next leader finishes; 0 failed requests', async () => {
    const traffic = load();
    const canary = await cli(['deploy', file('v4', template('v4', 'MaxParallel=1\nMinHealthyTime=2s\nCanary=1\n'))], { timeoutMs: 120_000 });
    expect(canary.code, canary.stderr).toBe(0);
    expect(canary.stdout).toContain('continue with: flotilla deploy promote app@');
    expect(Object.values(await versions()).filter((v) => v.includes('v4'))).toHaveLength(1);
    const promoted = await cli(['deploy', '--no-block', 'promote', 'app@']);
    expect(promoted.code, promoted.stderr).toBe(0);
    const leader = await registry.currentLeader();
    const leaderMachine = cluster.machines.find((m) => m.id === leader)!;
    await killAgent(leaderMachine);
    await waitUntil('the deployment to succeed', async () => ((await registry.getDeployment('app@.service'))?.state === 'succeeded' ? true : undefined), { timeoutMs: 90_000, intervalMs: 500 });
    await traffic.stop();
    await waitVersions('v4');
    expect(traffic.failures).toEqual([]);
    expect(await registry.currentLeader()).toBeDefined();
  }, 240_000);
});

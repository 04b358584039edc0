/**
 * A rolling deployment on real machines (docs/deployments.md): 30 instances of a template on 3 nspawn machines,
 * MaxParallel=3, MinHealthyTime=1s, through `flotilla deploy` as a user runs it, while a load loop (at most 20
 * requests/s, one at a time) goes through HAProxy on the host (the config `flotilla lb haproxy` renders, with
 * its retry options; each instance listens on 9000+N of its machine's bridge address, so the servers are written
 * once from the schedule: a deployment keeps every instance on its machine). Figures: time to complete a good
 * deployment, failed requests during it, and time from the start of a bad deployment (its instances exit at once)
 * to its end, reverted. Usage: npm run bench -- deploy [INSTANCES=30]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry, type EndpointRecord } from '@flotilla/core';
import { renderHaproxyConfig } from '../packages/cli/src/lb/haproxy-config.js';
import { startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import { freePort, waitForPort } from '../test/harness/ports.js';
import { cliFor } from '../test/support/cli.js';
import { figure } from './stats.js';

const INSTANCES = Number(process.argv[2] ?? 30);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-deploy-'));
const file = (name: string, exec: string): string => {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  const text = `[Service]\nExecStart=${exec}\nRestart=no\n\n[X-Flotilla]\nMaxParallel=3\nMinHealthyTime=1s\nHealthyDeadline=30s\nAutoRevert=yes\n`;
  fs.writeFileSync(path.join(dir, name, 'app@.service'), text);
  return path.join(dir, name, 'app@.service');
};
const server = (version: string) => `/usr/bin/node -e "require('http').createServer((q, s) => s.end('${version} %i')).listen(9000 + %i)"`;

const cluster = await startCluster({ machines: 3, ttlSec: 5, log, agentEnv: { FLOTILLA_REBALANCE_INTERVAL: '3600' } });
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const cli = cliFor(cluster.cliEnv);
let haproxy: ReturnType<typeof spawn> | undefined;
try {
  const up = await cli(['scale', '--no-block', file('v1', server('v1')), String(INSTANCES)], { timeoutMs: 60_000 });
  if (up.code !== 0) throw new Error(`scale: ${up.stderr}`);
  await waitUntil(`${INSTANCES} instances active`, async () => {
    const active = (await registry.listStates()).filter((s) => /^app@\d+\.service$/.test(s.unit) && s.activeState === 'active');
    return active.length === INSTANCES ? true : undefined;
  }, { timeoutMs: 300_000, intervalMs: 1000 });
  const snapshot = await registry.snapshot();
  const ips = new Map(snapshot.machines.map((m) => [m.id, m.ip]));
  const endpoints: EndpointRecord[] = [...snapshot.schedule].filter(([u]) => /^app@\d+\.service$/.test(u)).map(([unit, machineId]) => ({
    unit, machineId, ip: ips.get(machineId)!, port: 9000 + Number(/@(\d+)\./.exec(unit)![1]),
  }));
  log(`${endpoints.length} instances on ${new Set(endpoints.map((e) => e.machineId)).size} machines`);
  const port = await freePort();
  const config = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(config, renderHaproxyConfig({ prefix: 'app@', listen: `127.0.0.1:${port}` }, endpoints));
  haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', config], { stdio: 'ignore' });
  await waitForPort('127.0.0.1', port, 10_000);
  await waitUntil('every instance answering through HAProxy', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < INSTANCES * 3; i++) seen.add(await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => 'error'));
    return seen.size === INSTANCES && !seen.has('error') ? true : undefined;
  }, { timeoutMs: 120_000, intervalMs: 1000 });

  /** At most 20 requests/s, one at a time, until stopped. */
  const load = () => {
    let failed = 0;
    let requests = 0;
    let stop = false;
    const done = (async () => {
      while (!stop) {
        const t = Date.now();
        requests++;
        // A new connection per request, as test/cluster/deploy.test.ts's load loop.
        const ok = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
        if (!ok) failed++;
        await new Promise((r) => setTimeout(r, Math.max(0, 50 - (Date.now() - t))));
      }
    })();
    return { end: async () => ((stop = true), await done, { failed, requests }) };
  };

  const good = load();
  const t0 = Date.now();
  const deployed = await cli(['deploy', file('v2', server('v2'))], { timeoutMs: 600_000 });
  const completeMs = Date.now() - t0;
  const goodLoad = await good.end();
  if (deployed.code !== 0) throw new Error(`deploy: ${deployed.stdout}\n${deployed.stderr}`);
  figure('deploy_complete_s', completeMs / 1000, 's');
  figure('deploy_failed_requests', goodLoad.failed, 'requests');
  figure('deploy_requests', goodLoad.requests, 'requests');

  const bad = load();
  const t1 = Date.now();
  const reverted = await cli(['deploy', file('bad', '/bin/false')], { timeoutMs: 600_000 });
  const revertMs = Date.now() - t1;
  const badLoad = await bad.end();
  if (reverted.code === 0 || !/reverted/.test(reverted.stderr)) throw new Error(`bad deploy was not reverted: ${reverted.stdout}\n${reverted.stderr}`);
  figure('revert_bad_version_s', revertMs / 1000, 's');
  figure('revert_failed_requests', badLoad.failed, 'requests');
} finally {
  haproxy?.kill('SIGKILL');
  await registry.close();
  await cluster.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

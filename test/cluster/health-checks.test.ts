/**
 * Health checks on a real machine (docs/agent.md): a plain service with `[X-Flotilla] HealthCheck=http://…` goes
 * healthy; when it starts answering 500 its agent publishes it unhealthy and restarts it through systemd
 * (its MainPID changes); the restarted server answers 200 again and the unit is published healthy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { cliFor, tableRows } from '../support/cli.js';

const UNIT = 'checked.service';
const FLAG = '/run/checked-fail';
// Answers 500 while the flag file exists; a fresh start removes the flag (so a restart heals it).
const SERVER = `
const fs = require('fs');
fs.rmSync('${FLAG}', { force: true });
require('http').createServer((req, res) => {
  res.statusCode = fs.existsSync('${FLAG}') ? 500 : 200;
  res.end();
}).listen(18080, '127.0.0.1');
`;
const UNIT_TEXT = [
  '[Service]',
  'ExecStart=/usr/bin/node /run/checked-server.js',
  '[X-Flotilla]',
  'HealthCheck=http://127.0.0.1:18080/healthz',
  'HealthInterval=1s',
  'HealthTimeout=1s',
  'HealthRetries=2',
  '',
].join('\n');

describe('health checks on a real machine', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-health-checks-'));

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, ttlSec: 5 });
    cli = cliFor(cluster.cliEnv);
    fs.writeFileSync(path.join(tmp, UNIT), UNIT_TEXT);
    const write = await cluster.machines[0]!.exec(['sh', '-c', 'printf %s "$0" > /run/checked-server.js', SERVER], { timeoutMs: 10_000 });
    expect(write.code).toBe(0);
  });
  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const health = async () =>
    tableRows((await cli(['list-units', '--no-legend', '--fields', 'unit,active,health'])).stdout).find((row) => row[0] === UNIT)?.slice(1);
  const healthIs = (want: RegExp) => async () => {
    const row = await health();
    return row !== undefined && row[0] === 'active' && want.test(row[1] ?? '') ? row : undefined;
  };
  const mainPid = async () => (await cluster.machines[0]!.systemctlShow(UNIT, ['MainPID'])).MainPID;

  test('healthy → fails its checks → unhealthy → restarted → healthy again', async () => {
    expect((await cli(['start', path.join(tmp, UNIT)])).code).toBe(0);
    expect(await waitUntil(`${UNIT} healthy`, healthIs(/^healthy$/), { timeoutMs: 60_000, intervalMs: 200 })).toEqual(['active', 'healthy']);
    const pidBefore = await mainPid();

    const machine = cluster.machines[0]!;
    expect((await machine.exec(['touch', FLAG], { timeoutMs: 10_000 })).code).toBe(0);
    const unhealthy = await waitUntil(`${UNIT} unhealthy`, healthIs(/^unhealthy\(\d+\)$/), { timeoutMs: 20_000, intervalMs: 100 });
    expect(unhealthy[1]).toMatch(/^unhealthy\([2-9]\)$/);

    await waitUntil(`${UNIT} restarted (new MainPID)`, async () => {
      const pid = await mainPid();
      return pid !== pidBefore && pid !== '0' ? pid : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(await waitUntil(`${UNIT} healthy again`, healthIs(/^healthy$/), { timeoutMs: 20_000, intervalMs: 200 })).toEqual(['active', 'healthy']);
    expect((await machine.exec(['test', '-e', FLAG], { timeoutMs: 10_000 })).code).toBe(1);
  });
});

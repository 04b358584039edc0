/**
 * Health checks on a real machine (docs/agent.md): a plain service with `[X-Flotilla] HealthCheck=http://…` goes
 * healthy; when it starts answering 500 its agent publishes it unhealthy and restarts it through systemd
 * (its MainPID changes); the restarted server answers 200 again and the unit is published healthy. A unit with a
 * `Port=` has an endpoint only while its checks pass (docs/discovery.md, "Only ready instances"): none while it is
 * unhealthy from its first check on, one once it is healthy, none again when it fails its checks, its machine's
 * systemd running it all along (`HealthRestart=no`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
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

const READY_UNIT = 'ready.service';
const READY_FLAG = '/run/ready-fail';
const READY_PORT = 18081;
// Answers 500 while the flag file exists, from its start on; no restart heals it.
const READY_SERVER = `
const fs = require('fs');
require('http').createServer((req, res) => {
  res.statusCode = fs.existsSync('${READY_FLAG}') ? 500 : 200;
  res.end();
}).listen(${READY_PORT});
`;
const READY_UNIT_TEXT = [
  '[Service]',
  'ExecStart=/usr/bin/node /run/ready-server.js',
  '[X-Flotilla]',
  `Port=${READY_PORT}`,
  `HealthCheck=http://127.0.0.1:${READY_PORT}/`,
  'HealthInterval=500ms',
  'HealthTimeout=1s',
  'HealthRetries=1',
  'HealthRestart=no',
  '',
].join('\n');

describe('health checks on a real machine', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let registry: EtcdRegistry;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-health-checks-'));

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, ttlSec: 5 });
    cli = cliFor(cluster.cliEnv);
    registry = await EtcdRegistry.connect(cluster.registryOptions);
    fs.writeFileSync(path.join(tmp, UNIT), UNIT_TEXT);
    fs.writeFileSync(path.join(tmp, READY_UNIT), READY_UNIT_TEXT);
    for (const [file, text] of [['/run/checked-server.js', SERVER], ['/run/ready-server.js', READY_SERVER]] as const) {
      const write = await cluster.machines[0]!.exec(['sh', '-c', 'printf %s "$1" > "$0"', file, text], { timeoutMs: 10_000 });
      expect(write.code).toBe(0);
    }
  });
  afterAll(async () => {
    await registry?.close();
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const health = async (unit = UNIT) =>
    tableRows((await cli(['list-units', '--no-legend', '--fields', 'unit,active,health'])).stdout).find((row) => row[0] === unit)?.slice(1);
  const healthIs = (want: RegExp, unit = UNIT) => async () => {
    const row = await health(unit);
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

  test('an endpoint only while the checks pass: none while unhealthy from the start, one once healthy, none again when failing', async () => {
    const machine = cluster.machines[0]!;
    const endpoints = async () => (await registry.listEndpoints()).filter((e) => e.unit === READY_UNIT).map((e) => `${e.ip}:${e.port}`);
    const endpointsAre = (want: string[]) => async () => (JSON.stringify(await endpoints()) === JSON.stringify(want) ? true : undefined);
    const systemdActive = async () => (await machine.systemctlShow(READY_UNIT, ['ActiveState'])).ActiveState;
    expect((await machine.exec(['touch', READY_FLAG], { timeoutMs: 10_000 })).code).toBe(0);
    expect((await cli(['start', path.join(tmp, READY_UNIT)])).code).toBe(0);
    // Active from the start, failing its first check: an endpoint published at `active` would be there by now.
    await waitUntil(`${READY_UNIT} unhealthy`, healthIs(/^unhealthy\(\d+\)$/, READY_UNIT), { timeoutMs: 60_000, intervalMs: 200 });
    expect(await endpoints()).toEqual([]);
    expect(await systemdActive()).toBe('active');

    expect((await machine.exec(['rm', READY_FLAG], { timeoutMs: 10_000 })).code).toBe(0);
    await waitUntil(`${READY_UNIT} healthy`, healthIs(/^healthy$/, READY_UNIT), { timeoutMs: 20_000, intervalMs: 200 });
    await waitUntil('its endpoint', endpointsAre([`${machine.ip}:${READY_PORT}`]), { timeoutMs: 10_000, intervalMs: 100 });

    expect((await machine.exec(['touch', READY_FLAG], { timeoutMs: 10_000 })).code).toBe(0);
    await waitUntil(`${READY_UNIT} unhealthy again`, healthIs(/^unhealthy\(\d+\)$/, READY_UNIT), { timeoutMs: 20_000, intervalMs: 100 });
    await waitUntil('no endpoint', endpointsAre([]), { timeoutMs: 10_000, intervalMs: 100 });
    expect(await systemdActive()).toBe('active');
  });
});

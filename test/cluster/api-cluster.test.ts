/**
 * API v1 and the CLI's API driver on real machines: every agent serves the API on its unix socket and on
 * TCP 54728 (FLOTILLA_API_LISTEN; the harness gives it the cluster's token and TLS) and publishes that URL. A fleet-style client (`?alt=json`, page tokens,
 * PUT name+options, PUT name+desiredState) starts a real unit; `status` and `journal` reach the agent that
 * runs it, with no ssh; systemd inside the machine confirms each step.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_DIR, startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { agentApiClient, type AgentApiClient } from '../support/agent-api.js';
import { cliFor, tableRows } from '../support/cli.js';
import { fleetctlRestart } from '../support/fleetctl-restart.js';

const API_PORT = 54728;
const OPTIONS = [
  { section: 'Unit', name: 'Description', value: 'API test' },
  { section: 'Service', name: 'ExecStart', value: '/bin/sh -c "while true; do echo api-tick; sleep 1; done"' },
];

let client: AgentApiClient;
async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const reply = await client.request(method, `${base}${p}${p.includes('?') ? '&' : '?'}alt=json`, { body, timeoutMs: 5000 });
  return { status: reply.status, json: reply.json };
}

describe('API on real machines', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let base: string;
  const viaApi = (args: string[]) => cli(['--driver', 'api', '--endpoint', base, ...args], { timeoutMs: 60_000 });

  beforeAll(async () => {
    cluster = await startCluster({ machines: 3, ttlSec: 5, agentEnv: { FLOTILLA_API_LISTEN: `0.0.0.0:${API_PORT}` } });
    cli = cliFor(cluster.cliEnv);
    client = agentApiClient(cluster);
    base = `https://${cluster.machines[0]?.ip}:${API_PORT}`;
    await waitUntil(
      'every agent to register and serve its API',
      async () => {
        const listed = await api(base, 'GET', '/v2/machines');
        const machines = (listed.json as { machines?: unknown[] } | undefined)?.machines ?? [];
        if (machines.length !== 3) throw new Error(`${base} answered ${listed.status} with ${machines.length} of 3 machines`);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('each machine publishes its API URL; v1 lists machines as fleet did', async () => {
    const v2 = (await api(base, 'GET', '/v2/machines')).json as { machines: { id: string; apiUrl: string }[] };
    const expected = cluster.machines.map((m) => ({ id: m.id, apiUrl: `https://${m.ip}:${API_PORT}` })).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(v2.machines.map((m) => ({ id: m.id, apiUrl: m.apiUrl }))).toEqual(expected);
    const v1 = (await api(base, 'GET', '/fleet/v1/machines')).json as { machines: { id: string; primaryIP: string }[] };
    expect(v1.machines.map((m) => [m.id, m.primaryIP])).toEqual(
      [...cluster.machines].sort((a, b) => (a.id < b.id ? -1 : 1)).map((m) => [m.id, m.ip]),
    );
    const viaEtcd = await cli(['list-machines', '--full']);
    expect(await viaApi(['list-machines', '--full'])).toMatchObject({ code: 0, stdout: viaEtcd.stdout });
  });

  test('the unix socket answers inside the machine', async () => {
    const machine = cluster.machines[1];
    const out = await machine?.exec(['/usr/bin/node', '-e', `
      const http = require('node:http');
      http.get({ socketPath: '/var/run/flotilla.sock', path: '/fleet/v1/machines?alt=json', timeout: 5000 }, (res) => {
        let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => console.log(res.statusCode, JSON.parse(body).machines.length));
      }).on('error', (e) => { console.error(e.message); process.exit(1); });`], { timeoutMs: 20_000 });
    expect(out?.stdout.trim()).toBe('200 3');
  });

  test('a fleet-style client starts, inspects and destroys a real unit', async () => {
    expect((await api(base, 'PUT', '/fleet/v1/units/apitest.service', { name: 'apitest.service', options: OPTIONS })).status).toBe(201);
    expect((await api(base, 'PUT', '/fleet/v1/units/apitest.service', { name: 'apitest.service', desiredState: 'launched' })).status).toBe(204);
    const unit = await waitUntil(
      'currentState launched',
      async () => {
        const got = (await api(base, 'GET', '/fleet/v1/units/apitest.service')).json as { currentState?: string; machineID?: string };
        return got.currentState === 'launched' ? got : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const machine = cluster.machines.find((m) => m.id === unit.machineID);
    expect(machine).toBeDefined();
    expect((await machine?.systemctlShow('apitest.service', ['ActiveState']))?.ActiveState).toBe('active');
    const state = (await api(base, 'GET', '/fleet/v1/state?unitName=apitest.service')).json as { states: Record<string, string>[] };
    expect(state.states).toEqual([expect.objectContaining({ name: 'apitest.service', machineID: unit.machineID, systemdActiveState: 'active', systemdLoadState: 'loaded' })]);

    const status = await viaApi(['status', 'apitest.service']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/apitest\.service/);
    expect(status.stdout).toMatch(/Active: active \(running\)/);
    const journal = await waitUntil(
      'journal lines',
      async () => {
        const j = await cli(['journal', '--lines', '3', 'apitest.service']);
        return j.code === 0 && /api-tick/.test(j.stdout) ? j : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(journal.stdout.trim().split('\n').length).toBeLessThanOrEqual(3);

    expect((await api(base, 'DELETE', '/fleet/v1/units/apitest.service')).status).toBe(204);
    await waitUntil(
      'the unit to stop on its machine',
      async () => ((await machine?.systemctlShow('apitest.service', ['ActiveState']))?.ActiveState === 'active' ? undefined : true),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  test("fleetctl 1.0's restart (its calls, 250 ms looks, waits for launched twice) returns and restarts the unit", async () => {
    const name = 'fleetrestart.service';
    expect((await api(base, 'PUT', `/fleet/v1/units/${name}`, { name, options: OPTIONS, desiredState: 'launched' })).status).toBe(201);
    const unit = await waitUntil(
      `${name} launched`,
      async () => {
        const got = (await api(base, 'GET', `/fleet/v1/units/${name}`)).json as { currentState?: string; machineID?: string };
        return got.currentState === 'launched' ? got : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const machine = cluster.machines.find((m) => m.id === unit.machineID);
    if (!machine) throw new Error(`${name} scheduled to unknown machine ${unit.machineID}`);
    const before = await machine.systemctlShow(name, ['MainPID', 'ActiveState']);
    expect(before.ActiveState).toBe('active');

    // fleetctl has no deadline of its own: against the old agent this copy of it looped until this one.
    const result = await fleetctlRestart((method, p, body) => api(base, method, p, body), name, { deadlineMs: 20_000 });
    const line = `Unit ${name} launched on ${machine.id.slice(0, 8)}.../${machine.ip}`;
    expect(result).toMatchObject({ stdout: [line, line], stderr: [] });
    const unitPath = `/fleet/v1/units/${name}`;
    // The stop's first look (250 ms after its PUT) reads launched, so fleetctl moves on to the start at once.
    expect(result.calls.slice(0, 6)).toEqual([
      'GET /fleet/v1/units', `GET ${unitPath}`, `PUT ${unitPath} loaded`, `GET ${unitPath}`, 'GET /fleet/v1/machines', `PUT ${unitPath} launched`,
    ]);
    expect(new Set(result.calls.slice(6))).toEqual(new Set([`GET ${unitPath}`]));
    const after = await machine.systemctlShow(name, ['MainPID', 'ActiveState']);
    expect(after.ActiveState).toBe('active');
    expect(after.MainPID).not.toBe(before.MainPID);

    expect((await api(base, 'DELETE', `/fleet/v1/units/${name}`)).status).toBe(204);
  });

  test('start/stop/destroy with the API driver block like the etcd driver', async () => {
    const unitFile = path.join(REPO_DIR, 'units', 'hello.service');
    const started = await viaApi(['start', '--block-timeout', '60', unitFile]);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^Unit hello\.service inactive\nUnit hello\.service launched on [0-9a-f]{8}\.\.\.\/10\.213\.\d+\.\d+\n$/);
    const rows = tableRows((await viaApi(['list-units', '--no-legend'])).stdout);
    expect(rows.find((r) => r[0] === 'hello.service')?.slice(2)).toEqual(['active', 'running']);
    expect(await viaApi(['stop', '--block-timeout', '60', 'hello.service'])).toMatchObject({ code: 0, stderr: 'Successfully stopped units [hello.service].\n' });
    expect(await viaApi(['destroy', 'hello.service'])).toMatchObject({ code: 0, stdout: 'Destroyed hello.service\n' });
  });
});

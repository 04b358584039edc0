/**
 * The shipped flotilla-agent.service on one real machine, driven the way an operator would (docs/agent.md,
 * "Reload (SIGHUP)" and "Restart or leave"):
 * - `systemctl reload` after editing /etc/flotilla/agent.env: the new metadata reaches the registry and
 *   `list-machines`, the service stays active with the same MainPID and its API socket keeps answering; a bad
 *   value is rejected naming its key, the old configuration kept.
 * - `systemctl restart`: the agent decides `restart` (systemd's restart job); `systemctl stop`: `leave`, and the
 *   machine leaves the registry. The decision is read from the agent's own log line in the machine's journal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Machine } from '../harness/machines.js';
import { waitUntil } from '../harness/exec.js';
import { cliFor, tableRows } from '../support/cli.js';
import { startRegisteredCluster, type RegisteredCluster } from '../support/registered-cluster.js';

const SERVICE = 'flotilla-agent.service';

describe('agent signals under systemd', () => {
  let rc: RegisteredCluster;
  let machine: Machine;
  let envFile: string;
  let original: string;

  beforeAll(async () => {
    rc = await startRegisteredCluster({ machines: 1, ttlSec: 5, metadata: () => ({ zone: 'a' }) });
    machine = rc.cluster.machines[0]!;
    envFile = path.join(`/proc/${machine.leaderPid}/root`, 'etc/flotilla/agent.env');
    original = fs.readFileSync(envFile, 'utf8');
  });
  afterAll(async () => {
    await rc?.stop();
  });

  const systemctl = async (...args: string[]) => {
    const result = await machine.exec(['systemctl', ...args], { timeoutMs: 100_000 });
    expect(result.code, `systemctl ${args.join(' ')}: ${result.stderr}`).toBe(0);
  };
  const service = () => machine.systemctlShow(SERVICE, ['ActiveState', 'MainPID']);
  /** The agent's JSON log lines (pino, on stdout → journal), optionally only those of one process. */
  const agentLog = async (pid?: string): Promise<Record<string, unknown>[]> => {
    const out = await machine.exec(['journalctl', '-u', SERVICE, '-o', 'cat', '--no-pager', ...(pid ? [`_PID=${pid}`] : [])], { timeoutMs: 20_000 });
    return out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const metadataInRegistry = async () => (await rc.registry.listMachines()).find((m) => m.id === machine.id)?.metadata;
  const withMetadata = (metadata: string, extra = '') => original.replace(/^FLOTILLA_METADATA=.*$/m, `FLOTILLA_METADATA=${metadata}`) + extra;
  /** GET /fleet/v1/machines on the agent's unix socket, from inside the machine. */
  const apiMachines = async () => {
    const out = await machine.exec(['/usr/bin/node', '-e', `
      require('node:http').get({ socketPath: '/var/run/flotilla.sock', path: '/fleet/v1/machines?alt=json', timeout: 5000 }, (res) => {
        let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body: JSON.parse(body) })));
      }).on('error', (e) => { console.error(e.message); process.exit(1); });`], { timeoutMs: 20_000 });
    return JSON.parse(out.stdout.trim()) as { status: number; body: { machines: { id: string; metadata?: Record<string, string> }[] } };
  };

  test('systemctl reload with new metadata: applied live, same process, the API still answers', async () => {
    const before = await service();
    fs.writeFileSync(envFile, withMetadata('role=worker,zone=b'));
    await systemctl('reload', SERVICE);
    await waitUntil('the new metadata in the registry', async () => ((await metadataInRegistry())?.zone === 'b' ? true : undefined), {
      timeoutMs: 15_000, intervalMs: 200,
    });
    const listed = tableRows((await cliFor(rc.cluster.cliEnv)(['list-machines', '--full', '--no-legend'])).stdout);
    expect(listed).toEqual([[machine.id, machine.ip, 'role=worker,zone=b']]);
    expect(await service()).toEqual({ ActiveState: 'active', MainPID: before.MainPID });
    expect((await agentLog(before.MainPID)).find((l) => l.msg === 'configuration reloaded')).toMatchObject({ applied: ['FLOTILLA_METADATA'], needsRestart: [] });
    expect(await apiMachines()).toEqual({ status: 200, body: { machines: [expect.objectContaining({ id: machine.id, metadata: { role: 'worker', zone: 'b' } })] } });
  });

  test('a bad value: rejected naming the key, still active, the old configuration kept', async () => {
    const before = await service();
    fs.writeFileSync(envFile, withMetadata('role=worker,zone=c', 'FLOTILLA_REBALANCE_INTERVAL=soon\n'));
    await systemctl('reload', SERVICE);
    const rejected = await waitUntil(
      'the rejection in the journal',
      async () => (await agentLog(before.MainPID)).find((l) => typeof l.msg === 'string' && l.msg.startsWith('reload rejected')),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(rejected).toMatchObject({ level: 50, key: 'FLOTILLA_REBALANCE_INTERVAL' });
    expect(await service()).toEqual({ ActiveState: 'active', MainPID: before.MainPID });
    expect(await metadataInRegistry()).toEqual({ role: 'worker', zone: 'b' });
    fs.writeFileSync(envFile, withMetadata('role=worker,zone=b')); // what the next start reads
  });

  test('systemctl restart: the agent decides restart; systemctl stop: leave, and the machine leaves', async () => {
    const first = await service();
    await systemctl('restart', SERVICE);
    expect(await agentLog(first.MainPID)).toContainEqual(expect.objectContaining({ mode: 'restart', reason: 'systemd restart job', unit: SERVICE }));
    const second = await waitUntil('the agent running again', async () => {
      const s = await service();
      return s.ActiveState === 'active' && s.MainPID !== first.MainPID && s.MainPID !== '0' ? s : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    // The lease was left to the new process, which took the machine key over (the machine never left).
    const registered = await waitUntil('the restarted agent registered', async () => (await agentLog(second.MainPID)).find((l) => l.msg === 'machine registered'), {
      timeoutMs: 15_000, intervalMs: 200,
    });
    expect(registered.takeOverLeaseId).toEqual(expect.any(String));
    expect(await metadataInRegistry()).toEqual({ role: 'worker', zone: 'b' });

    await systemctl('stop', SERVICE);
    expect(await agentLog(second.MainPID)).toContainEqual(
      expect.objectContaining({ mode: 'leave', reason: 'systemd stop job (systemctl stop, or shutdown)', unit: SERVICE }),
    );
    expect((await service()).ActiveState).toBe('inactive');
    expect(await rc.registry.listMachines()).toEqual([]);
  });
});

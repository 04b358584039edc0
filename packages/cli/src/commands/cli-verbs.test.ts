/**
 * The built CLI against a real etcd for these verbs: load/unload/restart blocking (the test
 * plays the agent by publishing states), status/journal through a real agent API server (with a fake
 * introspection), an unplaceable unit explained while start waits (from the reason a real scheduler leader
 * records in the cluster event log), verify, -o json.
 */
import { spawn } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EtcdRegistry, type DesiredState, type PresenceLease, type UnitRecord } from '@flotilla/core';
import { startApiServer, type ApiServer } from '@flotilla/api';
import { startScheduler } from '@flotilla/scheduler';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { CLI_MAIN, MACHINE_A, desiredStateReached, freshKeyspace, machineA, runCli, useCliEtcd, HELLO_UNIT } from '../../../../test/support/cli-process.js';

const ID_A = MACHINE_A;



let etcd: EtcdHandle;
let dir: string;
let api: ApiServer;

/** A fresh keyspace with machine A registered, its API the fake-introspection server. */
async function cluster(): Promise<{ flags: string[]; registry: EtcdRegistry; lease: PresenceLease }> {
  const { flags, registry } = await freshKeyspace(etcd.endpoints, 'cli-verbs');
  const port = (api.addresses[0] as { port: number }).port;
  const lease = await registry.registerMachine(machineA({ version: 't', apiUrl: `http://127.0.0.1:${port}` }), 30);
  return { flags, registry, lease };
}


function publish(registry: EtcdRegistry, lease: PresenceLease, unit: UnitRecord, activeState: string, subState: string) {
  return registry.publishState({ unit: unit.name, machineId: ID_A, hash: unit.hash, loadState: 'loaded', activeState, subState, updatedAt: 1 }, lease);
}

useCliEtcd((f) => ({ etcd, dir } = f), {
  'hello.service': HELLO_UNIT,
  'pinned.service': '[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nMachineID=ffffffffffffffffffffffffffffffff\n',
  'g.service': '[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nGlobal=true\n',
});

beforeAll(async () => {
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: '/cli-verbs-api/' });
  api = await startApiServer({
    registry,
    logger: pino({ level: 'silent' }),
    version: 't',
    listen: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
    introspect: {
      unitStatus: async (name) => `● ${name} - Hello\n   Active: active (running)\n`,
      unitJournal: async function* (name, opts) {
        for (let i = 1; i <= opts.lines; i++) {
          yield opts.output === 'json' ? JSON.stringify({ MESSAGE: `line ${i}`, _SYSTEMD_UNIT: name }) : `Nov 24 02:00:0${i} a ${name}[1]: line ${i}`;
        }
      },
    },
  });
});

afterAll(async () => {
  await api?.close();
});

describe('load, unload, restart', () => {
  test('load waits until loaded; unload until no machine reports it', async () => {
    const { flags, registry, lease } = await cluster();
    const loading = runCli([...flags, 'load', '--block-timeout', '20', 'hello'], { cwd: dir });
    const unit = await desiredStateReached(registry, 'hello.service', 'loaded');
    await publish(registry, lease, unit, 'inactive', 'dead');
    expect(await loading).toEqual({ code: 0, stdout: 'Unit hello.service inactive\nUnit hello.service loaded on 113f16a7.../10.0.0.1\n', stderr: '' });

    const unloading = runCli([...flags, 'unload', '--block-timeout', '20', 'hello']);
    await desiredStateReached(registry, 'hello.service', 'inactive');
    await registry.removeState('hello.service', ID_A);
    expect(await unloading).toEqual({ code: 0, stdout: 'Unit hello.service inactive\n', stderr: 'Successfully unloaded units [hello.service].\n' });
    expect(await runCli([...flags, 'unload', 'nothere'])).toEqual({ code: 0, stdout: '', stderr: 'Units not found in registry\n' });
    await lease.revoke();
    await registry.close();
  });

  test('restart stops then starts; an inactive unit is reported and skipped', async () => {
    const { flags, registry, lease } = await cluster();
    const unit = await registry.submitUnit({ name: 'hello.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1' }] }, { desiredState: 'launched' });
    await registry.submitUnit({ name: 'idle.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }] });
    await publish(registry, lease, unit, 'active', 'running');
    const restarting = runCli([...flags, 'restart', '--block-timeout', '20', 'hello', 'idle']);
    await desiredStateReached(registry, 'hello.service', 'loaded');
    await publish(registry, lease, unit, 'inactive', 'dead');
    await desiredStateReached(registry, 'hello.service', 'launched');
    await publish(registry, lease, unit, 'active', 'running');
    expect(await restarting).toEqual({
      code: 0,
      stdout: 'Unit hello.service loaded on 113f16a7.../10.0.0.1\nUnit hello.service launched on 113f16a7.../10.0.0.1\n',
      stderr: 'Unable to restart unit idle.service in state inactive\n',
    });
    await lease.revoke();
    await registry.close();
  });

  test('on a terminal, start shows a live count that is cleared before the result line', async () => {
    const { flags, registry, lease } = await cluster();
    // `script` gives the CLI a pseudo-terminal, so stderr is a TTY as for a user at a shell.
    const command = [process.execPath, CLI_MAIN, ...flags, 'start', '--block-timeout', '20', 'hello'].map((a) => `'${a}'`).join(' ');
    const starting = new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir, env: { PATH: process.env.PATH, TERM: 'dumb' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    const unit = await desiredStateReached(registry, 'hello.service', 'launched');
    await publish(registry, lease, unit, 'activating', 'start');
    await publish(registry, lease, unit, 'active', 'running');
    const out = (await starting).replace(/\r\n/g, '\n');
    expect(out).toContain('\r\x1b[K1 waiting for a machine, 0 placed, 0 launched');
    expect(out).toContain('\r\x1b[KUnit hello.service launched on 113f16a7.../10.0.0.1\n');
    await lease.revoke();
    await registry.close();
  });

  test('start explains a unit that cannot be placed instead of hanging silently (fleet #559)', async () => {
    const { flags, registry, lease } = await cluster();
    const scheduler = await startScheduler({ registry, candidateId: ID_A, ttlSec: 5, intervalMs: 200, logger: pino({ level: 'silent' }) });
    try {
      const run = await runCli([...flags, 'start', '--block-timeout', '5', 'pinned'], { cwd: dir });
      expect(run.code).toBe(1);
      const lines = run.stderr.split('\n');
      expect(lines[0]).toBe('Unit pinned.service cannot be placed: MachineID ffffffffffffffffffffffffffffffff: 1 of 1 machine not named');
      expect(lines[1]).toBe('Error waiting for units: timed out waiting for unit pinned.service to report state active (waited 5s)');
    } finally {
      await scheduler.stop();
      await lease.revoke();
      await registry.close();
    }
  });
});

describe('status and journal through the agent API', () => {
  test('status prints the agent\'s text; fleetctl messages for missing and not loaded units', async () => {
    const { flags, registry, lease } = await cluster();
    const unit = await registry.submitUnit({ name: 'hello.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }] }, { desiredState: 'launched' });
    await registry.submitUnit({ name: 'idle.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }] });
    await publish(registry, lease, unit, 'active', 'running');
    expect(await runCli([...flags, 'status', 'hello', 'hello'])).toEqual({
      code: 0,
      stdout: '● hello.service - Hello\n   Active: active (running)\n\n● hello.service - Hello\n   Active: active (running)\n',
      stderr: '',
    });
    expect(await runCli([...flags, 'status', 'nope'])).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^Unit nope\.service does not exist\.\n/) });
    expect(await runCli([...flags, 'status', 'idle'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Unit idle\.service does not appear to be loaded\.\n/) });
    expect(await runCli([...flags, 'journal', '--lines', '2', 'hello'])).toEqual({
      code: 0,
      stdout: 'Nov 24 02:00:01 a hello.service[1]: line 1\nNov 24 02:00:02 a hello.service[1]: line 2\n',
      stderr: '',
    });
    expect(await runCli([...flags, 'journal', '--output', 'json', '--lines', '1', 'hello'])).toEqual({
      code: 0,
      stdout: '{"MESSAGE":"line 1","_SYSTEMD_UNIT":"hello.service"}\n',
      stderr: '',
    });
    expect(await runCli([...flags, 'journal', '--output', 'export', 'hello'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^invalid value "export" for --output: expected one of short, short-iso, json, cat, verbose\n/),
    });
    expect(await runCli([...flags, 'journal', '--lines', '10001', 'hello'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^invalid value "10001" for --lines: expected an integer from 0 to 10000\n/),
    });
    expect(await runCli([...flags, 'journal'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^One unit file must be provided\.\n/) });
    expect(await runCli([...flags, 'journal', 'idle'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Unit idle\.service does not appear to be running\.\n/) });
    await lease.revoke();
    await registry.close();
  });
});

describe('misc', () => {
  test('verify prints the deprecation warning and exits 2', async () => {
    expect(await runCli(['verify', 'hello'])).toEqual({
      code: 2, stdout: '', stderr: 'WARNING: The signed/verified units feature is DEPRECATED and cannot be used.\n',
    });
  });

  test('a large output reaches a pipe whole before the process exits', async () => {
    const { flags, registry, lease } = await cluster();
    const options = Array.from({ length: 4000 }, (_, i) => ({ section: 'Service', name: 'Environment', value: `K${i}=${'v'.repeat(200)}` }));
    await registry.submitUnit({ name: 'big.service', options });
    const run = await runCli([...flags, 'cat', 'big']);
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe('[Service]\n'.length + options.reduce((n, o) => n + o.name.length + o.value.length + 2, 0));
    await lease.revoke();
    await registry.close();
  });

  test('-o json on list-machines, list-unit-files and cat', async () => {
    const { flags, registry, lease } = await cluster();
    await registry.submitUnit({ name: 'hello.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }] });
    const machines = JSON.parse((await runCli([...flags, 'list-machines', '-o', 'json'])).stdout) as unknown;
    expect(machines).toEqual([{ id: ID_A, primaryIP: '10.0.0.1', hostname: 'a', version: 't', apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), state: 'schedulable' }]);
    const files = JSON.parse((await runCli([...flags, 'list-unit-files', '-o', 'json'])).stdout) as unknown;
    expect(files).toEqual([{ name: 'hello.service', hash: expect.stringMatching(/^[0-9a-f]{40}$/), desiredState: 'inactive', currentState: 'inactive', global: false }]);
    const unit = JSON.parse((await runCli([...flags, 'cat', '-o', 'json', 'hello'])).stdout) as { options: unknown };
    expect(unit.options).toEqual([{ section: 'Service', name: 'ExecStart', value: '/bin/true' }]);
    expect(await runCli([...flags, 'list-units', '-o', 'yaml'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^invalid value "yaml" for --output: expected table or json\n/) });
    await lease.revoke();
    await registry.close();
  });
});

describe('health', () => {
  test('the etcd driver runs the health model on its own registry read: the machine counted, no leader needs attention (exit 2)', async () => {
    const { flags, registry, lease } = await cluster();
    const r = await runCli([...flags, 'health', '-o', 'json']);
    const report = JSON.parse(r.stdout) as { status: string; leader: string | null; problems: { kind: string }[]; machines: unknown[] };
    expect([r.code, report.leader, report.machines.length]).toEqual([2, null, 1]);
    expect(report.problems.map((p) => p.kind)).toContain('no-leader');
    await lease.revoke();
    await registry.close();
  });
});

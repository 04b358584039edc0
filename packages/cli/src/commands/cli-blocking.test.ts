/**
 * The built CLI against a real etcd: `start` and `stop` block on watched unit states (the test plays the
 * agent by publishing states through EtcdRegistry), deadlines, an unreachable endpoint, env configuration.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { MACHINE_A, desiredStateReached, freshKeyspace, machineA, runCli as runCliProcess, useCliEtcd, HELLO_UNIT } from '../../../../test/support/cli-process.js';

/** The CLI run, with its wall time: blocking verbs must give up on their deadlines. */
async function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const started = Date.now();
  const result = await runCliProcess(args, opts);
  return { ...result, ms: Date.now() - started };
}
import { freePort } from '../../../../test/harness/ports.js';

const ID_A = MACHINE_A;




let etcd: EtcdHandle;
let unitDir: string;

const cluster = () => freshKeyspace(etcd.endpoints, 'cli-blocking');

useCliEtcd((f) => ({ etcd, dir: unitDir } = f), { 'hello.service': HELLO_UNIT });

describe('start and stop', () => {
  test('start waits until the unit is reported active, stop until it is not', async () => {
    const { flags, registry } = await cluster();
    const lease = await registry.registerMachine(machineA(), 30);
    const starting = runCli([...flags, 'start', '--block-timeout', '20', 'hello'], { cwd: unitDir });
    const unit = await desiredStateReached(registry, 'hello.service', 'launched');
    const state = { unit: unit.name, machineId: ID_A, hash: unit.hash, loadState: 'loaded', updatedAt: Date.now() };
    await registry.publishState({ ...state, activeState: 'activating', subState: 'start' }, lease);
    await registry.publishState({ ...state, activeState: 'active', subState: 'running' }, lease);
    const started = await starting;
    expect(started).toMatchObject({
      code: 0,
      stdout: 'Unit hello.service inactive\nUnit hello.service launched on 113f16a7.../10.0.0.1\n',
      stderr: '',
    });

    expect(await runCli([...flags, 'start', 'hello'], { cwd: unitDir })).toMatchObject({ code: 0, stdout: '', stderr: '' });

    const stopping = runCli([...flags, 'stop', '--block-timeout', '20', 'hello']);
    await desiredStateReached(registry, 'hello.service', 'loaded');
    await registry.publishState({ ...state, activeState: 'inactive', subState: 'dead' }, lease);
    expect(await stopping).toMatchObject({
      code: 0,
      stdout: 'Unit hello.service loaded on 113f16a7.../10.0.0.1\n',
      stderr: 'Successfully stopped units [hello.service].\n',
    });
    await lease.revoke();
    await registry.close();
  });

  // Each unit's wait once added an abort listener to one shared signal: from 11 units on, Node printed
  // MaxListenersExceededWarning into the user's terminal.
  test('start of 12 units prints no Node warning', async () => {
    const { flags, registry } = await cluster();
    const lease = await registry.registerMachine(machineA(), 30);
    fs.writeFileSync(path.join(unitDir, 'web@.service'), '[Service]\nExecStart=/bin/sleep 1000\n');
    const names = Array.from({ length: 12 }, (_, i) => `web@${i + 1}.service`);
    const starting = runCli([...flags, 'start', '--block-timeout', '30', ...names], { cwd: unitDir });
    for (const name of names) {
      const unit = await desiredStateReached(registry, name, 'launched');
      const state = { unit: name, machineId: ID_A, hash: unit.hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: Date.now() };
      await registry.publishState(state, lease);
    }
    const run = await starting;
    expect(run.stderr).not.toContain('Warning');
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout.split('\n').filter((l) => l.endsWith('launched on 113f16a7.../10.0.0.1'))).toHaveLength(12);
    await lease.revoke();
    await registry.close();
  });

  // Any Node warning, not only that one: a preloaded module makes Node emit one while the command runs. It waits
  // until the CLI has taken Node's own printer off (a fixed delay raced the CLI's start on a loaded box, and Node
  // printed the warning itself); the interval is unref'd so it never keeps a command alive. No spaces: NODE_OPTIONS
  // splits on them.
  test('a Node warning during a command reaches stderr only with --debug; the error still does', async () => {
    const { flags, registry } = await cluster();
    const probe = "globalThis.p=process.listeners('warning')[0];globalThis.t=setInterval(()=>{if(!process.listeners('warning').includes(p)){clearInterval(t);process.emitWarning('probe-warning')}},10);t.unref()";
    const env = { NODE_OPTIONS: `--import=data:text/javascript,${probe}` };
    const run = await runCli([...flags, 'start', '--block-timeout', '1.5', 'hello'], { cwd: unitDir, env });
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([1, 'Error waiting for units: timed out waiting for unit hello.service to report state active (waited 1.5s)']);
    expect(run.stderr).not.toContain('Warning');
    const other = await cluster();
    const debug = await runCli([...other.flags, '--debug', 'start', '--block-timeout', '1', 'hello'], { cwd: unitDir, env });
    expect(debug.stderr).toContain('(node) Warning: probe-warning\n');
    await registry.close();
    await other.registry.close();
  });

  test('start gives up at the deadline with a clear error', async () => {
    const { flags, registry } = await cluster();
    const run = await runCli([...flags, 'start', '--block-timeout', '1.5', 'hello'], { cwd: unitDir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('Unit hello.service inactive\n');
    expect(run.stderr.split('\n')[0]).toBe(
      'Error waiting for units: timed out waiting for unit hello.service to report state active (waited 1.5s)',
    );
    expect(run.ms).toBeLessThan(8000);
    expect((await registry.getUnit('hello.service'))?.desiredState).toBe('launched');
    await registry.close();
  });

  test('--no-block only triggers', async () => {
    const { flags, registry } = await cluster();
    const run = await runCli([...flags, 'start', '--no-block', 'hello'], { cwd: unitDir });
    expect(run).toMatchObject({ code: 0, stdout: 'Unit hello.service inactive\nTriggered unit hello.service start\n', stderr: '' });
    const stopped = await runCli([...flags, 'stop', '--no-block', 'hello']);
    expect(stopped).toMatchObject({ code: 0, stdout: 'Triggered unit hello.service stop\n', stderr: '' });
    await registry.close();
  });

  test('stop of a unit that was never started', async () => {
    const { flags, registry } = await cluster();
    await runCli([...flags, 'submit', 'hello'], { cwd: unitDir });
    const run = await runCli([...flags, 'stop', 'hello']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe('Unable to stop unit hello.service in state inactive');
    await registry.close();
  });
});

describe('endpoints', () => {
  test('an unreachable endpoint fails fast and names it', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['--endpoint', closed, '--request-timeout', '1', 'list-units']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(closed);
    expect(run.stderr.startsWith('Error retrieving list of units from repository: ')).toBe(true);
    expect(run.ms).toBeLessThan(6000);
  });

  test('an unreachable endpoint with the default timeout still exits within a few seconds', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['submit', 'hello'], { cwd: unitDir, env: { FLOTILLA_ENDPOINT: closed } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(closed);
    expect(run.ms).toBeLessThan(8000);
  });

  test('an endpoint that accepts connections but never answers fails at the request timeout', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const run = await runCli(['--endpoint', `http://127.0.0.1:${port}`, '--request-timeout', '1', 'list-unit-files']);
    silent.close();
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      `Error retrieving list of units from repository: etcd unavailable at http://127.0.0.1:${port}: registry connect timed out after 1000 ms`,
    );
    expect(run.ms).toBeLessThan(5000);
  });

  test('an unreadable TLS file is reported before connecting', async () => {
    const run = await runCli(['--ca-file', '/nonexistent/ca.pem', 'list-units']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      "Error retrieving list of units from repository: Unable to initialize client: cannot read --ca-file /nonexistent/ca.pem: ENOENT: no such file or directory, open '/nonexistent/ca.pem'",
    );
  });

  test('FLOTILLA_ENDPOINT is honoured, and --endpoint beats it', async () => {
    const { flags, registry } = await cluster();
    const prefixFlags = flags.slice(2);
    await registry.registerMachine({ id: ID_A, hostname: 'a', ip: '10.0.0.9', metadata: {}, version: '0.1.0', startedAt: 0 }, 30);
    const viaEnv = await runCli([...prefixFlags, 'list-machines', '--no-legend'], { env: { FLOTILLA_ENDPOINT: etcd.endpoints.join(',') } });
    expect(viaEnv).toMatchObject({ code: 0, stdout: '113f16a7...\t10.0.0.9\t-\n' });
    const closed = `http://127.0.0.1:${await freePort()}`;
    const cliWins = await runCli([...flags, 'list-machines', '--no-legend'], { env: { FLOTILLA_ENDPOINT: closed } });
    expect(cliWins).toMatchObject({ code: 0, stdout: '113f16a7...\t10.0.0.9\t-\n' });
    const viaFleetEnv = await runCli([...prefixFlags, 'list-machines', '--no-legend'], { env: { FLEETCTL_ENDPOINT: etcd.endpoints.join(',') } });
    expect(viaFleetEnv).toMatchObject({ code: 0, stdout: '113f16a7...\t10.0.0.9\t-\n' });
    await registry.close();
  });
});

/**
 * The built CLI (`node packages/cli/dist/main.js`) against a real etcd: submit / list-unit-files / cat /
 * destroy round trip, list columns, validation failures. Machines and states are written straight through
 * EtcdRegistry, as an agent would. Each test uses its own key prefix.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { MACHINE_A, MACHINE_B, freshKeyspace, machineA, runCli, useCliEtcd } from '../../../../test/support/cli-process.js';

const ID_A = MACHINE_A;
const ID_B = MACHINE_B;



let etcd: EtcdHandle;
let unitDir: string;

const cluster = () => freshKeyspace(etcd.endpoints, 'cli-units');

function etcdKeys(prefix: string): string[] {
  const out = execFileSync('etcdctl', ['--endpoints', etcd.endpoints.join(','), 'get', '--prefix', prefix, '--keys-only']);
  return out.toString().split('\n').filter((l) => l !== '');
}

/** 238 bytes: a name fleet and systemd take, but the agent's temporary file `.NAME.<12 hex>.tmp` would not fit. */
const TOO_LONG = `${'a'.repeat(230)}.service`;

const HELLO = '[Unit]\nDescription=Hello World\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo hi; sleep 1; done"\n';

useCliEtcd((f) => ({ etcd, dir: unitDir } = f), {
  'hello.service': HELLO,
  'web@.service': '[Unit]\nDescription=Web %i\n\n[Service]\nExecStart=/bin/true\n',
  'broken.service': '[Unit]\nDescription=x\nExecStart\n',
  [TOO_LONG]: HELLO,
  ...Object.fromEntries(['.service', '.x.service', '..service'].map((hidden) => [hidden, HELLO])),
});

describe('submit, list-unit-files, cat, destroy', () => {
  test('round trip', async () => {
    const { flags, registry } = await cluster();
    const submitted = await runCli([...flags, 'submit', 'hello', 'web@1.service'], { cwd: unitDir });
    expect(submitted).toEqual({ code: 0, stdout: 'Unit hello.service inactive\nUnit web@1.service inactive\n', stderr: '' });

    const hello = await registry.getUnit('hello.service');
    const web = await registry.getUnit('web@1.service');
    const files = await runCli([...flags, 'list-unit-files']);
    expect(files.stdout).toBe(
      'UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\n' +
        `hello.service\t${hello?.hash.slice(0, 7)}\tinactive\tinactive\t-\n` +
        `web@1.service\t${web?.hash.slice(0, 7)}\tinactive\tinactive\t-\n`,
    );

    const catted = await runCli([...flags, 'cat', 'hello']);
    expect(catted).toEqual({ code: 0, stdout: '[Unit]\nDescription=Hello World\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo hi; sleep 1; done"\n', stderr: '' });
    const catWeb = await runCli([...flags, 'cat', 'web@1.service']);
    expect(catWeb.stdout).toBe('[Unit]\nDescription=Web %i\n\n[Service]\nExecStart=/bin/true\n');

    const again = await runCli([...flags, 'submit', 'hello'], { cwd: unitDir });
    expect(again).toEqual({ code: 0, stdout: '', stderr: '' });

    const destroyed = await runCli([...flags, 'destroy', 'hello', 'web@1.service', 'nothere.service']);
    expect(destroyed).toEqual({ code: 0, stdout: 'Destroyed hello.service\nDestroyed web@1.service\n', stderr: '' });
    expect(await registry.listUnits()).toEqual([]);
    expect(await runCli([...flags, 'destroy', 'hello'])).toEqual({ code: 0, stdout: '', stderr: 'Units not found in registry\n' });
    await registry.close();
  });

  test('a differing local file warns; --replace re-creates; instances come from the registry template', async () => {
    const { flags, registry } = await cluster();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-replace-'));
    fs.writeFileSync(path.join(dir, 'hello.service'), HELLO);
    fs.copyFileSync(path.join(unitDir, 'web@.service'), path.join(dir, 'web@.service'));
    await runCli([...flags, 'submit', 'hello', 'web@.service'], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'hello.service'), HELLO.replace('Hello World', 'Hello Again'));

    expect(await runCli([...flags, 'submit', 'hello'], { cwd: dir })).toEqual({
      code: 0,
      stdout: '',
      stderr: 'WARNING: Unit hello.service in registry differs from local unit file hello.service. Add --replace to override.\n',
    });
    expect(await runCli([...flags, 'submit', '--replace', 'hello'], { cwd: dir })).toEqual({
      code: 0,
      stdout: 'Unit hello.service inactive\n',
      stderr: '',
    });
    expect((await registry.getUnit('hello.service'))?.options[0]?.value).toBe('Hello Again');
    expect(await runCli([...flags, 'submit', '--replace', 'hello'], { cwd: dir })).toEqual({
      code: 0,
      stdout: 'Found same Unit(hello.service) in Registry, nothing to do\n',
      stderr: '',
    });

    // No web@ files in the root: the instance is made from the template in the registry.
    expect(await runCli([...flags, 'submit', 'web@2'])).toEqual({ code: 0, stdout: 'Unit web@2.service inactive\n', stderr: '' });
    const web2 = await registry.getUnit('web@2.service');
    expect(web2?.options).toEqual((await registry.getUnit('web@.service'))?.options);

    // The registry template wins over a differing local one; fleetctl names the instance path in the warning.
    fs.appendFileSync(path.join(dir, 'web@.service'), 'Restart=always\n');
    expect(await runCli([...flags, 'submit', 'web@3'], { cwd: dir })).toEqual({
      code: 0,
      stdout: 'Unit web@3.service inactive\n',
      stderr: 'WARNING: Unit web@.service in registry differs from local template unit file web@3.service. Add --replace to override.\n',
    });

    const noFile = await runCli([...flags, 'submit', '--replace', 'hello']);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr.split('\n')[0]).toBe('Error creating units: unable to replace Unit(hello.service): no local unit file hello.service');
    fs.rmSync(dir, { recursive: true, force: true });
    await registry.close();
  });

  // Metadata keys are the user's, Object.prototype's member names too (core user-keys.ts); this was "Unexpected error".
  test('a unit with MachineMetadata=constructor=x (and __proto__, toString) is submitted', async () => {
    const { flags, registry } = await cluster();
    const text = '[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nMachineMetadata=constructor=x\nMachineMetadata="__proto__=y" "toString=z"\n';
    fs.writeFileSync(path.join(unitDir, 'meta.service'), text);
    expect(await runCli([...flags, 'submit', 'meta.service'], { cwd: unitDir })).toEqual({ code: 0, stdout: 'Unit meta.service inactive\n', stderr: '' });
    expect((await registry.getUnit('meta.service'))?.options.filter((o) => o.section === 'X-Fleet').map((o) => o.value)).toEqual(['constructor=x', '"__proto__=y" "toString=z"']);
    await registry.close();
  });

  test('zero units: "No units given", exit 0, for every unit verb', async () => {
    const { flags, registry } = await cluster();
    for (const verb of ['submit', 'start', 'stop', 'destroy']) {
      expect(await runCli([...flags, verb])).toEqual({ code: 0, stdout: '', stderr: 'No units given\n' });
    }
    await registry.close();
  });

  test.each([
    { name: 'bad unit name', args: ['submit', 'bad!name'], want: "Error creating units: invalid character '!' in unit name\n" },
    { name: 'bad name after a good one', args: ['submit', 'hello', 'x@y.mount'], want: 'Error creating units: invalid unit type for template: "mount"\n' },
    { name: 'submit: name too long for the agent', args: ['submit', 'hello', TOO_LONG], want: "Error creating units: unit name exceeds maximum length (237 bytes, so that the agent's file names fit in 255)\n" },
    { name: 'start: name too long for the agent', args: ['start', TOO_LONG], want: "Error creating units: unit name exceeds maximum length (237 bytes, so that the agent's file names fit in 255)\n" },
    // The agent reads no hidden file as a unit: such a unit was scheduled and never ran (docs/fleetctl-compat.md).
    { name: 'submit: nothing before the type', args: ['submit', 'hello', '.service'], want: 'Error creating units: unit name cannot start in "."\n' },
    { name: 'submit: a hidden name', args: ['submit', '.x.service'], want: 'Error creating units: unit name cannot start in "."\n' },
    { name: 'start: two dots', args: ['start', '..service'], want: 'Error creating units: unit name cannot start in "."\n' },
    { name: 'missing file', args: ['submit', 'nothere'], want: 'Error creating units: unable to find Unit(nothere.service) in Registry or on filesystem\n' },
    { name: 'missing template', args: ['submit', 'api@1'], want: 'Error creating units: unable to find template Unit(api@.service) in Registry or on filesystem\n' },
    { name: 'syntax error names file:line', args: ['submit', 'broken.service'], want: 'Error creating units: broken.service:3:' },
    { name: 'cat of unknown unit', args: ['cat', 'nothere'], want: 'Unit nothere.service not found\n' },
    { name: 'cat needs exactly one unit', args: ['cat'], want: 'One unit file must be provided\n' },
  ])('$name → exit 1, nothing written', async ({ args, want }) => {
    const { flags, registry, prefix } = await cluster();
    const run = await runCli([...flags, ...args], { cwd: unitDir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.startsWith(want)).toBe(true);
    expect(etcdKeys(prefix)).toEqual([]);
    await registry.close();
  });
});

describe('list-units and list-machines', () => {
  test('columns from published states and machines', async () => {
    const { flags, registry } = await cluster();
    const leaseA = await registry.registerMachine(
      machineA({ metadata: { region: 'eu', disk: 'ssd' } }),
      30,
    );
    await registry.registerMachine({ id: ID_B, hostname: 'b', ip: '', metadata: {}, version: '0.1.0', startedAt: 0 }, 30);
    const state = { unit: 'hello.service', hash: 'abcdef0123', loadState: 'loaded', updatedAt: 0 };
    await registry.publishState({ ...state, machineId: ID_A, activeState: 'active', subState: 'running' }, leaseA);
    await registry.publishState({ ...state, unit: 'a.service', machineId: ID_A, activeState: 'failed', subState: 'failed' }, leaseA);

    expect(await runCli([...flags, 'list-machines'])).toEqual({
      code: 0,
      stdout: 'MACHINE\t\tIP\t\tMETADATA\n113f16a7...\t10.0.0.1\tdisk=ssd,region=eu\n2c2e6f3d...\t-\t\t-\n',
      stderr: '',
    });
    expect(await runCli([...flags, 'list-units'])).toEqual({
      code: 0,
      stdout: 'UNIT\t\tMACHINE\t\t\tACTIVE\tSUB\na.service\t113f16a7.../10.0.0.1\tfailed\tfailed\nhello.service\t113f16a7.../10.0.0.1\tactive\trunning\n',
      stderr: '',
    });
    const full = await runCli([...flags, 'list-units', '--fields', 'unit,machine,load,hash', '--full', '--no-legend']);
    expect(full.stdout).toBe(`a.service\t${ID_A}/10.0.0.1\tloaded\tabcdef0123\nhello.service\t${ID_A}/10.0.0.1\tloaded\tabcdef0123\n`);
    await leaseA.revoke();
    await registry.close();
  });

  test('list-unit-files shows where a unit is scheduled, and global units', async () => {
    const { flags, registry } = await cluster();
    const lease = await registry.registerMachine(machineA(), 30);
    fs.writeFileSync(path.join(unitDir, 'everywhere.service'), '[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nGlobal=true\n');
    await runCli([...flags, 'submit', 'hello', 'everywhere'], { cwd: unitDir });
    const started = await runCli([...flags, 'start', 'everywhere']);
    expect(started).toEqual({ code: 0, stdout: 'Triggered global unit everywhere.service start\n', stderr: '' });

    const hello = await registry.setDesiredState('hello.service', 'launched');
    const snapshot = await registry.snapshot();
    await registry.assign(hello, snapshot.unitRevisions.get('hello.service') as string, ID_A);
    await registry.publishState(
      { unit: 'hello.service', machineId: ID_A, hash: hello.hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 0 },
      lease,
    );
    const files = await runCli([...flags, 'list-unit-files', '--fields', 'unit,dstate,state,target,global,desc', '--no-legend']);
    expect(files).toEqual({
      code: 0,
      stdout:
        'everywhere.service\tlaunched\t-\t\tglobal\t\t\ttrue\t-\n' +
        'hello.service\t\tlaunched\tlaunched\t113f16a7.../10.0.0.1\tfalse\tHello World\n',
      stderr: '',
    });
    await lease.revoke();
    await registry.close();
  });

  test.each([
    { name: 'empty --fields', args: ['list-units', '--fields', ''], want: 'Must define output format\n' },
    { name: 'unknown key', args: ['list-machines', '--fields', 'machine,nope'], want: 'Invalid key in output format: "nope"\n' },
  ])('$name → exit 1', async ({ args, want }) => {
    const { flags, registry } = await cluster();
    const run = await runCli([...flags, ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr.startsWith(want)).toBe(true);
    await registry.close();
  });

  test('unknown command and unknown flag exit non-zero', async () => {
    const unknownCommand = await runCli(['frobnicate']);
    expect(unknownCommand.code).not.toBe(0);
    expect(unknownCommand.stderr).toContain("unknown command 'frobnicate'");
    const unknownFlag = await runCli(['list-units', '--bogus']);
    expect(unknownFlag.code).not.toBe(0);
    expect(unknownFlag.stderr).toContain("unknown option '--bogus'");
  });
});

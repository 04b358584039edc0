/**
 * The built CLI with `--driver=api` against a real API server (the agent's, on a unix socket and on TLS+token
 * TCP) backed by a real etcd: every command prints exactly what the etcd driver prints for the same cluster,
 * writes go through fleet's v1 routes, and start blocks on states (the test plays the agent).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EtcdRegistry, sleep, type PresenceLease } from '@flotilla/core';
import { startApiServer, type ApiServer } from '@flotilla/api';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { MACHINE_A, MACHINE_B, runCli, useCliEtcd, HELLO_UNIT } from '../../../../test/support/cli-process.js';

const ID_A = MACHINE_A;
const ID_B = MACHINE_B;
const PREFIX = '/cli-api-driver/';



let etcd: EtcdHandle;
let registry: EtcdRegistry;
let server: ApiServer;
let tcpServer: ApiServer;
let dir: string;
let lease: PresenceLease;
let etcdFlags: string[];
let apiFlags: string[];
let tlsFlags: string[];

useCliEtcd((f) => ({ etcd, dir } = f), {
  'hello.service': HELLO_UNIT,
  'web@.service': '[Unit]\nDescription=Web %i\n\n[Service]\nExecStart=/bin/true\n',
});

beforeAll(async () => {
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: PREFIX });
  const logger = pino({ level: 'silent' });
  const socket = path.join(dir, 'api.sock');
  server = await startApiServer({ registry, logger, version: 't', listen: [{ kind: 'unix', path: socket }] });
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore', timeout: 20_000 });
  const tls = { cert: fs.readFileSync(path.join(dir, 'cert.pem')), key: fs.readFileSync(path.join(dir, 'key.pem')) };
  tcpServer = await startApiServer({ registry, logger, version: 't', token: 'tok', listen: [{ kind: 'tcp', host: '127.0.0.1', port: 0, tls }] });
  const port = (tcpServer.addresses[0] as { port: number }).port;
  etcdFlags = ['--endpoint', etcd.endpoints.join(','), '--etcd-key-prefix', PREFIX];
  apiFlags = ['--endpoint', `unix://${socket}`];
  tlsFlags = ['--driver', 'api', '--endpoint', `https://localhost:${port}`, '--ca-file', path.join(dir, 'cert.pem'), '--cert-file', path.join(dir, 'cert.pem'), '--key-file', path.join(dir, 'key.pem'), '--api-token', 'tok'];
  lease = await registry.registerMachine({ id: ID_A, hostname: 'a', ip: '10.0.0.1', metadata: { region: 'eu' }, version: 't', startedAt: 0 }, 30);
  await registry.registerMachine({ id: ID_B, hostname: 'b', ip: '10.0.0.2', metadata: {}, version: 't', startedAt: 0 }, 30);
});

afterAll(async () => {
  await tcpServer?.close();
  await server?.close();
  await registry?.close();
});

describe('--driver=api', () => {
  test('submit, start --no-block, cat and destroy go through the API', async () => {
    expect(await runCli([...apiFlags, 'submit', 'hello', 'web@1'], { cwd: dir })).toEqual({
      code: 0, stdout: 'Unit hello.service inactive\nUnit web@1.service inactive\n', stderr: '',
    });
    expect((await registry.getUnit('web@1.service'))?.desiredState).toBe('inactive');
    expect(await runCli([...apiFlags, 'start', '--no-block', 'web@1'], { cwd: dir })).toEqual({
      code: 0, stdout: 'Triggered unit web@1.service start\n', stderr: '',
    });
    expect((await registry.getUnit('web@1.service'))?.desiredState).toBe('launched');
    expect(await runCli([...apiFlags, 'cat', 'web@1'])).toEqual(await runCli([...etcdFlags, 'cat', 'web@1']));
    expect(await runCli([...apiFlags, 'destroy', 'web@1'])).toEqual({ code: 0, stdout: 'Destroyed web@1.service\n', stderr: '' });
    expect(await registry.getUnit('web@1.service')).toBeUndefined();
  });

  test('start blocks until the unit is active, as with etcd', async () => {
    const starting = runCli([...apiFlags, 'start', '--block-timeout', '20', 'hello'], { cwd: dir });
    const deadline = Date.now() + 15_000;
    while ((await registry.getUnit('hello.service'))?.desiredState !== 'launched') {
      if (Date.now() > deadline) throw new Error('start never set launched');
      await sleep(50);
    }
    const unit = await registry.getUnit('hello.service');
    await registry.publishState({ unit: 'hello.service', machineId: ID_A, hash: unit?.hash ?? '', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 1 }, lease);
    expect(await starting).toEqual({ code: 0, stdout: 'Unit hello.service launched on 113f16a7.../10.0.0.1\n', stderr: '' });
  });

  test.each([
    ['list-unit-files', ['list-unit-files']],
    ['list-unit-files, every field', ['list-unit-files', '--full', '--fields', 'unit,hash,dstate,state,target,global,desc']],
    ['list-units', ['list-units']],
    ['list-units --full', ['list-units', '--full', '--fields', 'unit,machine,active,sub,load,hash']],
    ['list-machines', ['list-machines', '--full']],
    ['unknown unit to cat', ['cat', 'nothere']],
  ])('%s prints the same as the etcd driver (unix socket and TLS+token TCP)', async (_name, args) => {
    const viaEtcd = await runCli([...etcdFlags, ...args]);
    expect(await runCli([...apiFlags, ...args])).toEqual(viaEtcd);
    expect(await runCli([...tlsFlags, ...args])).toEqual(viaEtcd);
  });

  test('TCP without the token is refused with fleetctl-style error', async () => {
    const noToken = tlsFlags.filter((f) => f !== '--api-token' && f !== 'tok');
    const run = await runCli([...noToken, 'list-machines']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe('Error retrieving list of active machines from fleet API (googleapi: Error 401: missing or invalid bearer token)');
  });

  test('a socket nobody listens on names the endpoint', async () => {
    const run = await runCli(['--endpoint', `unix://${dir}/none.sock`, 'list-unit-files']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(new RegExp(`^Error retrieving list of units from repository: Unable to reach the fleet API at unix://${dir}/none.sock: connect ENOENT`));
  });
});

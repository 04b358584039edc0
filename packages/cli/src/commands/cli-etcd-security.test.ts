/**
 * Both drivers against an etcd that requires TLS with client certificates and user/password auth: the etcd
 * driver with --ca-file/--cert-file/--key-file/--etcd-username/--etcd-password, the API driver through an API
 * server whose registry connects the way the daemon does (FLOTILLA_ETCD_*). Missing credentials are refused.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EtcdRegistry } from '@flotilla/core';
import { startApiServer, type ApiServer } from '@flotilla/api';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { REPO_ROOT, runCli } from '../../../../test/support/cli-process.js';
import { parseTokenCache } from '../etcd-token-cache.js';



/** A CA, a server cert for 127.0.0.1/localhost and a client cert (CN=client, not an etcd user), by openssl. */
function makePki(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 20_000 });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=flotilla-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', 'etcd'], ['client', 'client']] as const) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  }
}

let etcd: EtcdHandle;
let dir: string;
let api: ApiServer | undefined;
let apiRegistry: EtcdRegistry | undefined;
const f = (name: string) => path.join(dir, name);

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: REPO_ROOT, stdio: 'inherit' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-etcd-tls-'));
  makePki(dir);
  fs.writeFileSync(f('hello.service'), '[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/true\n');
  etcd = await startEtcd({
    tls: { certFile: f('server.pem'), keyFile: f('server.key'), caFile: f('ca.pem'), clientCertAuth: true, clientCertFile: f('client.pem'), clientKeyFile: f('client.key') },
    auth: { rootPassword: 'rootpw', users: [{ name: 'flotilla', password: 's3cret' }] },
  });
});

afterAll(async () => {
  await api?.close();
  await apiRegistry?.close();
  await etcd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('etcd with TLS, client certificates and auth', () => {
  const tlsFlags = () => ['--ca-file', f('ca.pem'), '--cert-file', f('client.pem'), '--key-file', f('client.key')];
  const base = () => ['--endpoint', etcd.endpoints[0] as string, '--etcd-key-prefix', '/secure/', '--request-timeout', '3'];

  test('the etcd driver works with certificates and a password', async () => {
    const flags = [...base(), ...tlsFlags(), '--etcd-username', 'flotilla', '--etcd-password', 's3cret'];
    expect(await runCli([...flags, 'submit', 'hello'], { cwd: dir })).toEqual({ code: 0, stdout: 'Unit hello.service inactive\n', stderr: '' });
    const listed = await runCli([...flags, 'list-unit-files', '--no-legend', '--fields', 'unit,dstate']);
    expect(listed).toEqual({ code: 0, stdout: 'hello.service\tinactive\n', stderr: '' });
  });

  test.each([
    ['wrong password', ['--etcd-username', 'flotilla', '--etcd-password', 'nope'], /authentication failed|invalid/i],
    ['no password (certificate CN is not a user)', [], /permission denied|user name not found|invalid auth/i],
  ])('the etcd driver is refused: %s', async (_name, creds, message) => {
    const run = await runCli([...base(), ...tlsFlags(), ...creds, 'list-unit-files']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  test('without a client certificate the TLS handshake is refused', async () => {
    const run = await runCli([...base(), '--ca-file', f('ca.pem'), '--etcd-username', 'flotilla', '--etcd-password', 's3cret', 'list-unit-files']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(/^Error retrieving list of units from repository: etcd unavailable at https:\/\/127\.0\.0\.1:\d+/);
  });

  test('the API driver works through an agent API whose registry uses TLS and auth', async () => {
    apiRegistry = await EtcdRegistry.connect({
      endpoints: etcd.endpoints,
      prefix: '/secure/',
      tls: { ca: fs.readFileSync(f('ca.pem')), cert: fs.readFileSync(f('client.pem')), key: fs.readFileSync(f('client.key')) },
      auth: { username: 'flotilla', password: 's3cret' },
    });
    api = await startApiServer({ registry: apiRegistry, logger: pino({ level: 'silent' }), version: 't', listen: [{ kind: 'unix', path: f('api.sock') }] });
    const listed = await runCli(['--endpoint', `unix://${f('api.sock')}`, 'list-unit-files', '--no-legend', '--fields', 'unit,dstate']);
    expect(listed).toEqual({ code: 0, stdout: 'hello.service\tinactive\n', stderr: '' });
  });
});

// The HTTP transport's (the default; this file's client certificate has a CommonName, which puts the CLI above on
// gRPC, where etcd3 authenticates by itself): an etcd with auth and no TLS.
describe('the etcd token cache (etcd driver with a user, HTTP transport)', () => {
  let authEtcd: EtcdHandle;
  beforeAll(async () => {
    authEtcd = await startEtcd({ auth: { rootPassword: 'rootpw', users: [{ name: 'flotilla', password: 's3cret' }] } });
  });
  afterAll(async () => {
    await authEtcd?.stop();
  });
  const creds = ['--etcd-username', 'flotilla', '--etcd-password', 's3cret'];
  const list = (env: NodeJS.ProcessEnv, auth = creds) => runCli(['--endpoint', authEtcd.endpoints[0] as string, '--request-timeout', '3', ...auth, 'list-unit-files', '--no-legend'], { env });
  const cacheHome = () => fs.mkdtempSync(path.join(dir, 'cache-'));
  const cacheFile = (home: string) => path.join(home, 'flotilla', 'etcd-tokens');
  const savedTokens = (home: string) => Object.values(parseTokenCache(fs.readFileSync(cacheFile(home), 'utf8'))?.entries ?? {}).map((e) => e.token);
  const mode = (p: string) => fs.statSync(p).mode & 0o777;

  test('the first command saves its token (file 0600, directory 0700), and later commands reuse it', async () => {
    const home = cacheHome();
    expect(await list({ XDG_CACHE_HOME: home })).toMatchObject({ code: 0, stderr: '' });
    expect([mode(cacheFile(home)), mode(path.dirname(cacheFile(home)))]).toEqual([0o600, 0o700]);
    const [token] = savedTokens(home);
    expect(token).toMatch(/\.\d+$/);
    expect(fs.readFileSync(cacheFile(home), 'utf8')).not.toContain('s3cret');
    // Each Authenticate gets a new token (it ends in its raft index): the same token saved means no new one.
    for (let i = 0; i < 2; i++) expect(await list({ XDG_CACHE_HOME: home })).toMatchObject({ code: 0, stderr: '' });
    expect(savedTokens(home)).toEqual([token]);
  });

  test('a token etcd no longer takes (its user\'s password changed) is replaced once: the command succeeds, the new token is saved', async () => {
    const home = cacheHome();
    expect(await list({ XDG_CACHE_HOME: home })).toMatchObject({ code: 0 });
    const [before] = savedTokens(home);
    // etcd drops every token of a user whose password changes, even to the same one.
    execFileSync('etcdctl', [`--endpoints=${authEtcd.endpoints[0]}`, '--user=root:rootpw', 'user', 'passwd', 'flotilla', '--interactive=false'], { input: 's3cret\n', stdio: ['pipe', 'ignore', 'pipe'], timeout: 15_000 });
    expect(await list({ XDG_CACHE_HOME: home })).toMatchObject({ code: 0, stderr: '' });
    const [after] = savedTokens(home);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await list({ XDG_CACHE_HOME: home })).toMatchObject({ code: 0 });
    expect(savedTokens(home)).toEqual([after]);
  });

  test('FLOTILLA_ETCD_TOKEN_CACHE=off: the command authenticates and saves nothing', async () => {
    const home = cacheHome();
    expect(await list({ XDG_CACHE_HOME: home, FLOTILLA_ETCD_TOKEN_CACHE: 'off' })).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readdirSync(home)).toEqual([]);
  });

  test('without an etcd user nothing is saved', async () => {
    const home = cacheHome();
    expect((await list({ XDG_CACHE_HOME: home }, [])).code).toBe(1);
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

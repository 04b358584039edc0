/**
 * `flotilla image push|ls` (the built CLI) against a real docker-registry on loopback, run with the shipped
 * config (TLS and client certificates from a test PKI), images from a private dockerd; the pushed image is pulled
 * back by a private podman through /etc/containers/certs.d, as a machine's engine does. Registry discovery from a real etcd.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initPki } from '../pki/init.js';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { runOk } from '../../../../test/harness/exec.js';
import { importBusyboxImage, startHostEngine, type HostEngine } from '../../../../test/harness/docker.js';
import { startLoopbackRegistry, type LoopbackRegistry } from '../../../../test/harness/image-registry.js';
import { freePort } from '../../../../test/harness/ports.js';
import { runCli } from '../../../../test/support/cli-process.js';
import { RegistryClient } from './registry-client.js';

let dir: string;
let pki: string;
let registry: LoopbackRegistry;
let docker: HostEngine;
let podman: HostEngine;
let etcd: EtcdHandle;
let tarball: string;
let certsDir: string | undefined;

const tls = () => ({ FLOTILLA_CA_FILE: path.join(pki, 'ca.pem'), FLOTILLA_CERT_FILE: path.join(pki, 'cli.pem'), FLOTILLA_KEY_FILE: path.join(pki, 'cli.key') });
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(['image', ...args], { env: { ...tls(), DOCKER_HOST: `unix://${docker.socketPath}`, ...env } });
const client = () => new RegistryClient({
  address: registry.address, serverName: 'registry.flotilla', ca: fs.readFileSync(path.join(pki, 'ca.pem')),
  cert: fs.readFileSync(path.join(pki, 'cli.pem')), key: fs.readFileSync(path.join(pki, 'cli.key')), timeoutMs: 10_000,
});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-image-test-'));
  pki = path.join(dir, 'pki');
  initPki(pki);
  [registry, docker, podman, etcd] = await Promise.all([startLoopbackRegistry(pki), startHostEngine('docker'), startHostEngine('podman'), startEtcd()]);
  await importBusyboxImage(docker.cli, 'fl/web:1', { page: 'pushed\n' });
  tarball = path.join(dir, 'web.tar');
  await runOk(docker.cli[0]!, [...docker.cli.slice(1), 'save', '-o', tarball, 'fl/web:1'], { timeoutMs: 60_000 });
});

afterAll(async () => {
  if (certsDir) fs.rmSync(certsDir, { recursive: true, force: true });
  await Promise.all([registry?.remove(), docker?.stop(), podman?.stop(), etcd?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('push and ls', () => {
  test('--from-tar: every blob pushed with plain progress lines, the manifest names the archive\'s config', async () => {
    const run = await cli(['push', '--registry', registry.address, '--from-tar', tarball]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => / pushing$/.test(l))).toHaveLength(2); // one layer, the config
    expect(lines.filter((l) => / pushed$/.test(l))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(new RegExp(`^pushed registry\\.flotilla:5000/fl/web:1 sha256:[0-9a-f]{64} \\(registry ${registry.address}\\)$`));

    // The registry holds the image as the archive has it: the config blob is the archive's config, byte for byte.
    const manifest = JSON.parse(await runOk('curl', ['-sf', '--max-time', '10', '--cacert', tls().FLOTILLA_CA_FILE, '--cert', tls().FLOTILLA_CERT_FILE, '--key', tls().FLOTILLA_KEY_FILE,
      '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', `https://${registry.address}/v2/fl/web/manifests/1`])) as { config: { digest: string }; layers: unknown[] };
    const saved = JSON.parse(await runOk('tar', ['-xOf', tarball, 'manifest.json'])) as { Config: string }[];
    const config = await runOk('tar', ['-xOf', tarball, saved[0]!.Config]);
    expect(manifest.config.digest).toBe(`sha256:${crypto.createHash('sha256').update(config).digest('hex')}`);
    expect(manifest.layers).toHaveLength(1);
  });

  test('from the local engine; a second push finds every blob there already', async () => {
    const run = await cli(['push', '--registry', registry.address, 'fl/web:1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('saving fl/web:1 from docker\n');
    expect(run.stdout.split('\n').filter((l) => l.endsWith(': already in the registry'))).toHaveLength(2);
    expect(run.stdout).toMatch(/pushed registry\.flotilla:5000\/fl\/web:1 sha256:/);
  });

  test('from podman (--engine podman; its API service through CONTAINER_HOST, as a remote client)', async () => {
    await importBusyboxImage(podman.cli, 'localhost/fl/pod:2', { page: 'from podman\n' });
    const run = await cli(['push', '--engine', 'podman', '--registry', registry.address, 'localhost/fl/pod:2'], { CONTAINER_HOST: `unix://${podman.socketPath}` });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('saving localhost/fl/pod:2 from podman\n');
    expect(run.stdout).toMatch(/pushed registry\.flotilla:5000\/fl\/pod:2 sha256:/);
    expect((await cli(['ls', '--registry', registry.address, 'fl/pod'])).stdout).toBe('registry.flotilla:5000/fl/pod:2\n');
  });

  // podman, not docker: dockerd counts every loopback registry as insecure and then reads no client certificate
  // from certs.d (its registry/config.go); the cluster test pulls with docker from a machine's address.
  test('an engine pulls what was pushed, trusting the registry through certs.d (CA and client certificate)', async () => {
    certsDir = `/etc/containers/certs.d/${registry.address}`;
    fs.mkdirSync(certsDir, { recursive: true });
    fs.copyFileSync(path.join(pki, 'ca.pem'), path.join(certsDir, 'ca.crt'));
    fs.copyFileSync(path.join(pki, 'agent.pem'), path.join(certsDir, 'client.cert'));
    fs.copyFileSync(path.join(pki, 'agent.key'), path.join(certsDir, 'client.key'));
    const ref = `${registry.address}/fl/web:1`;
    await runOk(podman.cli[0]!, [...podman.cli.slice(1), 'pull', '--quiet', ref], { timeoutMs: 60_000 });
    const pulled = await runOk(podman.cli[0]!, [...podman.cli.slice(1), 'image', 'inspect', '--format', '{{.Id}}', ref]);
    const local = await runOk(docker.cli[0]!, [...docker.cli.slice(1), 'image', 'inspect', '--format', '{{.Id}}', 'fl/web:1']);
    expect(`sha256:${pulled.trim()}`).toBe(local.trim()); // the same image id: the config pushed is the one docker had
  });

  test('ls lists repository:tag; discovery from etcd finds the registry unit\'s endpoint', async () => {
    await client().uploadBlob('other/app', `sha256:${crypto.createHash('sha256').update('').digest('hex')}`, 0, () => fs.createReadStream('/dev/null'));
    const viaFlag = await cli(['ls', '--registry', registry.address]);
    // The catalog's order; a repository without tags (other/app: a blob only) lists nothing.
    expect(viaFlag).toEqual({ code: 0, stdout: 'registry.flotilla:5000/fl/pod:2\nregistry.flotilla:5000/fl/web:1\n', stderr: '' });

    const reg = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: '/image-ls/' });
    try {
      const lease = await reg.registerMachine({ id: 'f1000000000000000000000000000001', hostname: 'r', ip: '127.0.0.1', metadata: {}, version: 't', startedAt: 0 }, 30);
      const etcdEnv = { FLOTILLA_ENDPOINT: etcd.endpoints.join(','), FLOTILLA_ETCD_KEY_PREFIX: '/image-ls/' };
      const none = await cli(['ls'], etcdEnv);
      expect(none.code).not.toBe(0);
      expect(none.stderr).toContain('registry.service has no published endpoint');
      await reg.publishEndpoint({ unit: 'registry.service', machineId: 'f1000000000000000000000000000001', ip: '127.0.0.1', port: registry.port }, lease);
      expect(await cli(['ls', 'fl/web'], etcdEnv)).toEqual({ code: 0, stdout: 'registry.flotilla:5000/fl/web:1\n', stderr: '' });
    } finally {
      await reg.close();
    }
  });
});

describe('bad input: a clear error naming image and registry, non-zero exit, nothing pushed', () => {
  const junk = () => {
    const file = path.join(dir, 'junk.tar');
    fs.writeFileSync(file, 'not a tar archive\n'.repeat(200));
    return file;
  };
  const catalogBefore = async () => (await client().catalog()).sort();

  test.each<[string, string[], RegExp[]]>([
    ['an image the engine does not have', ['push', 'fl/missing:9'], [/image fl\/missing:9 is not in the local docker engine/, /registry 127\.0\.0\.1:\d+/]],
    ['a bad tag', ['push', 'fl/web:Bad!'], [/image "fl\/web:Bad!": tag "Bad!"/]],
    ['an archive that is not one', ['push', '--from-tar', '@JUNK', 'fl/web:1'], [/junk\.tar: tar header at byte 0: bad checksum/, /registry 127\.0\.0\.1:\d+/]],
    ['an image the archive does not hold', ['push', '--from-tar', '@TAR', 'fl/other:1'], [/image fl\/other:1 is not in .*web\.tar \(it holds fl\/web:1\)/]],
  ])('%s', async (_case, args, patterns) => {
    const before = await catalogBefore();
    const run = await cli(['push', ...args.slice(1).map((a) => (a === '@TAR' ? tarball : a === '@JUNK' ? junk() : a)), '--registry', registry.address]);
    expect(run.code).not.toBe(0);
    for (const p of patterns) expect(run.stderr).toMatch(p);
    expect(await catalogBefore()).toEqual(before);
  });

  test('a registry that is down: named, with the connection\'s reason', async () => {
    const port = await freePort();
    const run = await cli(['push', '--registry', `127.0.0.1:${port}`, 'fl/web:1']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`registry 127.0.0.1:${port}: API check: ECONNREFUSED`);
    expect(run.stderr).toContain('hint: check that registry.service is active');
  });

  test('no client certificate: the registry refuses the connection', async () => {
    const run = await cli(['ls', '--registry', registry.address], { FLOTILLA_CERT_FILE: '', FLOTILLA_KEY_FILE: '' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`registry ${registry.address}: catalog: .*(certificate|ECONNRESET|socket hang up)`));
  });

  test('ls of a repository the registry does not have: the registry\'s reason', async () => {
    const run = await cli(['ls', '--registry', registry.address, 'no/such']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`registry ${registry.address}: tags of no/such: HTTP 404 NAME_UNKNOWN`);
  });
});

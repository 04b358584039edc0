/**
 * `compose build` / `compose up` for services with `build:` (the built CLI): a private dockerd builds, a real
 * docker-registry on loopback (shipped config, test PKI) receives the push, a real etcd receives the units.
 * A failing Dockerfile stops `up` with the service and the engine's message, and nothing reaches etcd.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initPki } from '../pki/init.js';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { importBusyboxImage, startHostEngine, type HostEngine } from '../../../../test/harness/docker.js';
import { startLoopbackRegistry, type LoopbackRegistry } from '../../../../test/harness/image-registry.js';
import { freshKeyspace, runCli } from '../../../../test/support/cli-process.js';
import { RegistryClient } from '../image/registry-client.js';

let dir: string;
let pki: string;
let registry: LoopbackRegistry;
let docker: HostEngine;
let etcd: EtcdHandle;

const env = () => ({
  FLOTILLA_CA_FILE: path.join(pki, 'ca.pem'), FLOTILLA_CERT_FILE: path.join(pki, 'cli.pem'), FLOTILLA_KEY_FILE: path.join(pki, 'cli.key'),
  DOCKER_HOST: `unix://${docker.socketPath}`,
});
const client = () => new RegistryClient({
  address: registry.address, serverName: 'registry.flotilla', ca: fs.readFileSync(path.join(pki, 'ca.pem')),
  cert: fs.readFileSync(path.join(pki, 'cli.pem')), key: fs.readFileSync(path.join(pki, 'cli.key')), timeoutMs: 10_000,
});
const write = (name: string, text: string) => {
  fs.mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compose-build-'));
  pki = path.join(dir, 'pki');
  initPki(pki);
  [registry, docker, etcd] = await Promise.all([startLoopbackRegistry(pki), startHostEngine('docker'), startEtcd()]);
  await importBusyboxImage(docker.cli, 'fl/base:1', { page: 'base\n' });
});

afterAll(async () => {
  await Promise.all([registry?.remove(), docker?.stop(), etcd?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('compose up with build:', () => {
  test('builds with the local engine, pushes to the registry, and the unit runs the pushed image', async () => {
    write('ok/web/Dockerfile.prod', 'FROM fl/base:1 AS runtime\nARG GREETING=none\nLABEL greeting=$GREETING\nCOPY page.txt /www/page.txt\n');
    write('ok/web/page.txt', 'built by compose\n');
    const file = write('ok/compose.yaml', 'name: shop\nservices:\n  web:\n    build:\n      context: ./web\n      dockerfile: Dockerfile.prod\n      args: {GREETING: hi}\n      target: runtime\n    image: web:2\n    ports: ["8080:80"]\n');
    const { flags, registry: etcdRegistry } = await freshKeyspace(etcd.endpoints, 'compose-build');
    try {
      const up = await runCli([...flags, 'compose', '-f', file, 'up', '--registry', registry.address], { cwd: dir, env: env() });
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout + up.stderr).toContain('Pushed registry.flotilla:5000/shop/web:2');
      expect(await client().tags('shop/web')).toEqual(['2']);
      const units = await etcdRegistry.listUnits();
      expect(units.map((u) => u.name)).toEqual(['shop-web.container']);
      expect(units[0]!.options).toContainEqual({ section: 'Container', name: 'Image', value: 'registry.flotilla:5000/shop/web:2' });
      // The engine got the build args and target: the built image carries the label.
      const { stdout } = await import('node:child_process').then(({ execFileSync }) => ({
        stdout: execFileSync(docker.cli[0]!, [...docker.cli.slice(1), 'image', 'inspect', '-f', '{{index .Config.Labels "greeting"}}', 'registry.flotilla:5000/shop/web:2']).toString(),
      }));
      expect(stdout.trim()).toBe('hi');

      // `compose build` alone pushes without touching the units.
      const build = await runCli([...flags, 'compose', '-f', file, 'build', '--registry', registry.address], { cwd: dir, env: env() });
      expect(build.code, build.stderr).toBe(0);
      expect((await etcdRegistry.listUnits()).map((u) => u.name)).toEqual(['shop-web.container']);
    } finally {
      await etcdRegistry.close();
    }
  });

  test('a failing Dockerfile: the service and the engine\'s message, non-zero exit, nothing in etcd or the registry', async () => {
    write('bad/app/Dockerfile', 'FROM fl/base:1\nCOPY missing-file.txt /x\n');
    const file = write('bad/compose.yaml', 'name: broken\nservices:\n  db:\n    image: fl/base:1\n  app:\n    build: ./app\n');
    const { flags, registry: etcdRegistry } = await freshKeyspace(etcd.endpoints, 'compose-build-bad');
    try {
      const up = await runCli([...flags, 'compose', '-f', file, 'up', '--registry', registry.address], { cwd: dir, env: env() });
      expect(up.code).not.toBe(0);
      expect(up.stderr).toContain('service app: docker build failed');
      expect(up.stderr).toContain('missing-file.txt');
      expect(up.stderr).toContain('nothing was submitted');
      expect(await etcdRegistry.listUnits()).toEqual([]);
      expect(await client().tags('broken/app', { missingIsEmpty: true })).toEqual([]);
    } finally {
      await etcdRegistry.close();
    }
  });
});

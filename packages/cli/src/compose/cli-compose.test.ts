/**
 * `flotilla compose` (the built CLI) against a real etcd: convert's units pass `submit`; up creates, re-applies
 * only the difference, and honours depends_on service_healthy with its deadline; ps; down destroys the project's
 * units and nothing else; an unsupported key fails with file, line and key and writes nothing. States are
 * written straight through EtcdRegistry, as an agent would publish them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unitHash, type EtcdRegistry, type PresenceLease, type UnitOption } from '@flotilla/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { HELLO_UNIT, freshKeyspace, machineA, runCli, useCliEtcd } from '../../../../test/support/cli-process.js';

let etcd: EtcdHandle;
let dir: string;

const SHOP = `name: shop
services:
  db:
    image: localhost/redis:1
    expose: ["6379"]
    healthcheck: {test: ["CMD", "redis-cli", "ping"], interval: 1s}
  app:
    image: localhost/app:1
    ports: ["8080:8080"]
    depends_on: {db: {condition: service_healthy}}
    deploy: {replicas: 2}
  worker:
    image: localhost/worker:1
`;

useCliEtcd((f) => ({ etcd, dir } = f), { 'hello.service': HELLO_UNIT });

const write = (name: string, text: string) => {
  fs.mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};
/** An instance as submit takes it (the scheduler copies the template whole; submit refuses Replicas= outside a template). */
const instanceOptions = (options: readonly UnitOption[]) => options.filter((o) => o.name !== 'Replicas');
const names = async (registry: EtcdRegistry) => (await registry.listUnits()).map((u) => u.name).sort();

describe('compose convert', () => {
  test('every unit it writes passes `flotilla submit`', async () => {
    const { flags, registry } = await freshKeyspace(etcd.endpoints, 'compose-convert');
    try {
      const file = write('convert/compose.yaml', SHOP);
      const out = path.join(dir, 'convert/units');
      const converted = await runCli(['compose', '-f', file, 'convert', '--output-dir', out], { cwd: dir });
      expect(converted.code, converted.stderr).toBe(0);
      const files = fs.readdirSync(out).sort();
      expect(files).toEqual(['shop-app@.container', 'shop-db.container', 'shop-worker.container']);
      const submitted = await runCli([...flags, 'submit', ...files.map((f) => path.join(out, f))], { cwd: dir });
      expect(submitted.code, submitted.stderr).toBe(0);
      expect(await names(registry)).toEqual(files);
      // Printed, it is the same text.
      const printed = await runCli(['compose', '-f', file, 'convert'], { cwd: dir });
      expect(printed.stdout).toContain(`# shop-db.container\n${fs.readFileSync(path.join(out, 'shop-db.container'), 'utf8')}`);
    } finally {
      await registry.close();
    }
  });

  test('an unsupported key: exit 1, FILE:LINE: service S: key K is not supported; --ignore-unsupported converts', async () => {
    const file = write('bad/docker-compose.yml', 'services:\n  web:\n    image: nginx\n    build: {context: ., ssh: [default]}\n    networks: [front]\nnetworks:\n  front: {}\n');
    const r = await runCli(['compose', 'convert'], { cwd: path.dirname(file) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('docker-compose.yml:6: key networks is not supported\n');
    expect(r.stderr).toContain('docker-compose.yml:4: service web: key build.ssh is not supported\n');
    expect(r.stderr).toContain('docker-compose.yml:5: service web: key networks is not supported\n');
    expect(r.stdout).toBe('');
    const ignored = await runCli(['compose', 'convert', '--ignore-unsupported'], { cwd: path.dirname(file) });
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(ignored.stderr).toContain('warning: docker-compose.yml:4: service web: key build.ssh is not supported (ignored)');
    expect(ignored.stdout).toContain('# bad-web.container\n');
  });
});

describe('compose up / ps / down', () => {
  let flags: string[];
  let registry: EtcdRegistry;
  let lease: PresenceLease;
  let file: string;

  beforeAll(async () => {
    ({ flags, registry } = await freshKeyspace(etcd.endpoints, 'compose-up'));
    lease = await registry.registerMachine(machineA(), 60);
    file = write('shop/compose.yaml', SHOP);
    return () => registry.close();
  });

  /** Publishes `unit` active (and healthy) on machine A with its stored contents, as the agent would. */
  const runs = async (unit: string, health?: string) => {
    const record = (await registry.getUnit(unit))!;
    await registry.publishState({
      unit, machineId: machineA().id, hash: record.hash, updatedAt: Date.now(), loadState: 'loaded', activeState: 'active', subState: 'running',
      container: { state: 'running', ...(health ? { health } : {}) },
    }, lease);
  };
  const up = (...args: string[]) => runCli([...flags, 'compose', '-f', file, 'up', ...args], { cwd: dir });

  test('the dependent waits for service_healthy; past the deadline it is not created', async () => {
    await registry.submitUnit({ name: 'hello.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }] });
    const r = await up('--timeout', '2');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Created shop-db.container\nWaiting for db (service_healthy)\n');
    expect(r.stderr).toContain('timed out after 2s waiting for db (service_healthy): shop-db.container: not running yet');
    expect(await names(registry)).toEqual(['hello.service', 'shop-db.container']);
  });

  test('once db is healthy, up goes on: app (template with its count), worker; --wait waits for them all', async () => {
    await runs('shop-db.container', 'starting');
    const pending = up('--wait', '--timeout', '60');
    await new Promise((r) => setTimeout(r, 1500));
    await runs('shop-db.container', 'healthy');
    // The scheduler would make the instances; here they are made as it would, from the stored template.
    const template = await waitForUnit('shop-app@.container');
    for (const i of [1, 2]) await registry.submitUnit({ name: `shop-app@${i}.container`, options: instanceOptions(template.options) }, { desiredState: 'launched' });
    await waitForUnit('shop-worker.container');
    for (const unit of ['shop-app@1.container', 'shop-app@2.container', 'shop-worker.container']) await runs(unit);
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      'Unchanged shop-db.container',
      'Waiting for db (service_healthy)',
      'Created shop-app@.container (2 replicas)',
      'Created shop-worker.container',
      'Project shop: 3 services up',
      '',
    ].join('\n'));
    expect((await registry.listServices()).map((s) => [s.template, s.count])).toEqual([['shop-app@.container', 2]]);
  });

  test('ps lists the project’s units only', async () => {
    const r = await runCli([...flags, 'compose', '-f', file, 'ps'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows.map((c) => c[0])).toEqual(['UNIT', 'shop-app@1.container', 'shop-app@2.container', 'shop-db.container', 'shop-worker.container']);
    expect(rows[3]).toEqual(['shop-db.container', 'db', 'active/running', 'running/healthy', `${machineA().id.slice(0, 8)}/10.0.0.1`]);
  });

  test('up with a changed file applies only the difference', async () => {
    const before = await registry.getUnit('shop-db.container');
    write('shop/compose.yaml', SHOP.replace('localhost/worker:1', 'localhost/worker:2').replace('replicas: 2', 'replicas: 3'));
    const r = await up();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(['Unchanged shop-db.container', 'Scaled shop-app@.container 2 → 3', 'Replaced shop-worker.container', ''].join('\n'));
    expect((await registry.getUnit('shop-db.container'))!.hash).toBe(before!.hash);
    const worker = (await registry.getUnit('shop-worker.container'))!;
    expect([worker.options.find((o) => o.name === 'Image')!.value, worker.desiredState]).toEqual(['localhost/worker:2', 'launched']);
    expect((await registry.listServices()).map((s) => s.count)).toEqual([3]);

    write('shop/compose.yaml', SHOP.replace(/  worker:\n.*\n/, ''));
    const again = await up();
    expect(again.code, again.stderr).toBe(0);
    // A changed template is deployed (compose-deploy.test.ts, with a scheduler); here only the count goes back.
    expect(again.stdout).toBe(['Unchanged shop-db.container', 'Scaled shop-app@.container 3 → 2', 'Destroyed shop-worker.container', ''].join('\n'));
    expect(await names(registry)).toEqual(['hello.service', 'shop-app@.container', 'shop-app@1.container', 'shop-app@2.container', 'shop-db.container']);
    const template = (await registry.getUnit('shop-app@.container'))!;
    expect(template.hash).toBe(unitHash(template.options));
    expect((await registry.listServices()).map((s) => s.count)).toEqual([2]);
  });

  test('down destroys the project’s units and nothing else', async () => {
    const r = await runCli([...flags, 'compose', '-p', 'shop', 'down'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(['Destroyed shop-app@.container', 'Destroyed shop-app@1.container', 'Destroyed shop-app@2.container', 'Destroyed shop-db.container', ''].join('\n'));
    expect(await names(registry)).toEqual(['hello.service']);
    expect(await registry.listServices()).toEqual([]);
  });

  async function waitForUnit(name: string) {
    const until = Date.now() + 20_000;
    for (;;) {
      const unit = await registry.getUnit(name);
      if (unit) return unit;
      if (Date.now() > until) throw new Error(`${name} was not created`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

/**
 * `compose up` with a changed service goes through the deployment machinery (docs/compose.md, "`up`: apply the
 * difference"): the built CLI against a real etcd, the elected scheduler running in this process, and stand-in
 * machines that publish each assignment's container state as an agent would — HealthCmd `healthy`, `unhealthy` for
 * images tagged `bad`, `starting` for ever for images tagged `slow`. Real agents, dockerd and HAProxy:
 * test/cluster/compose.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EtcdHandle } from '../../../../test/harness/etcd.js';
import type { cliFor } from '../../../../test/support/cli.js';
import { startStandInDeployCluster, type StandInDeployCluster, type StandInState } from '../../../../test/support/stand-in-deploy-cluster.js';

let etcd: EtcdHandle;
let registry: EtcdRegistry;
let cli: ReturnType<typeof cliFor>;
let cluster: StandInDeployCluster | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compose-deploy-'));
const file = path.join(dir, 'compose.yaml');

/** db, app (replicated, gated by its HealthCmd), web (depends on app), cron (independent). */
const shop = (v: { app: string; replicas: number; web?: string; cron?: string }) => `name: shop
services:
  db:
    image: localhost/redis:1
    healthcheck: {test: "redis-cli ping", interval: 1s}
  app:
    image: localhost/app:${v.app}
    ports: ["8080:8080"]
    depends_on: {db: {condition: service_healthy}}
    healthcheck: {test: "wget -q -O- http://127.0.0.1:8080/", interval: 1s}
    deploy:
      replicas: ${v.replicas}
      update_config: {parallelism: 2, monitor: 200ms, failure_action: rollback}
  web:
    image: localhost/web:${v.web ?? '1'}
    depends_on: [app]
  cron:
    image: localhost/cron:${v.cron ?? '1'}
`;
const up = (text: string, ...args: string[]) => {
  fs.writeFileSync(file, text);
  return cli(['compose', '-f', file, 'up', '--timeout', '60', ...args], { timeoutMs: 90_000 });
};

/** The engine's health by the image's tag: `:bad` unhealthy, `:slow` (or another version's text) starting. */
const stateOf: StandInState = (unit, hash) => {
  // The text the assignment's hash names: the unit's own, or the version a global deployment pins.
  const image = unit?.hash === hash ? unit.options.find((o) => o.name === 'Image')?.value ?? '' : '';
  const health = image.endsWith(':bad') ? 'unhealthy' : image.endsWith(':slow') || image === '' ? 'starting' : 'healthy';
  return { container: { state: 'running', health } };
};

beforeAll(async () => {
  cluster = await startStandInDeployCluster(stateOf);
  ({ etcd, registry, cli } = cluster);
});

afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const image = async (unit: string) => (await registry.getUnit(unit))?.options.find((o) => o.name === 'Image')?.value;
/** Each app instance's image and whether its record is on the template's version. */
async function instances(): Promise<string[]> {
  const template = (await registry.getUnit('shop-app@.container'))!;
  const units = (await registry.listUnits()).filter((u) => /^shop-app@\d+\.container$/.test(u.name)).sort((a, b) => a.name.localeCompare(b.name));
  return units.map((u) => `${u.name} ${u.options.find((o) => o.name === 'Image')!.value}${u.hash === template.hash ? '' : ' (old)'}`);
}

describe('compose up deploys a changed service', () => {
  test('first up creates everything', async () => {
    const r = await up(shop({ app: '1', replicas: 2 }), '--wait');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await instances()).toEqual(['shop-app@1.container localhost/app:1', 'shop-app@2.container localhost/app:1']);
  });

  test('content and count changed: deployed with the stored count, followed to the end, then scaled; the next up is unchanged', async () => {
    const r = await up(shop({ app: '2', replicas: 3 }), '--wait');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^Unchanged shop-db\.container\nWaiting for db \(service_healthy\)\nDeployment shop-app-[0-9a-f]{8} of shop-app@\.container started\n/);
    expect(r.stdout).toMatch(/Deployment shop-app-[0-9a-f]{8} succeeded\nScaled shop-app@\.container 2 → 3\nUnchanged shop-web\.container\nUnchanged shop-cron\.container\nProject shop: 4 services up\n$/);
    expect(await instances()).toEqual(['shop-app@1.container localhost/app:2', 'shop-app@2.container localhost/app:2', 'shop-app@3.container localhost/app:2']);
    expect((await registry.listServices()).map((s) => [s.template, s.count])).toEqual([['shop-app@.container', 3]]);
    expect((await registry.getDeployment('shop-app@.container'))?.state).toBe('succeeded');

    const again = await up(shop({ app: '2', replicas: 3 }));
    expect(again.stdout).toBe(['Unchanged shop-db.container', 'Unchanged shop-app@.container (3 replicas)', 'Unchanged shop-web.container', 'Unchanged shop-cron.container', ''].join('\n'));
  });

  test('a version whose HealthCmd says unhealthy is reverted: up exits non-zero, the dependent is skipped, the independent service applied', async () => {
    const r = await up(shop({ app: 'bad', replicas: 3, web: '2', cron: '2' }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/deployment shop-app-[0-9a-f]{8} of shop-app@\.container was reverted to [0-9a-f]{7}: shop-app@[12]\.container failed/);
    expect(r.stderr).toContain('Skipped shop-web.container: it depends on app, whose deployment did not succeed\n');
    expect(r.stdout).toContain('Replaced shop-cron.container\n');
    expect([await image('shop-app@.container'), await image('shop-web.container'), await image('shop-cron.container')]).toEqual(['localhost/app:2', 'localhost/web:1', 'localhost/cron:2']);
    expect(await instances()).toEqual(['shop-app@1.container localhost/app:2', 'shop-app@2.container localhost/app:2', 'shop-app@3.container localhost/app:2']);
  });

  test('a deployment of the service in progress: DEPLOYMENT_IN_PROGRESS with its id, nothing written', async () => {
    // Started as `flotilla deploy` would, with a version whose HealthCmd stays `starting`: it keeps running.
    const template = (await registry.getUnit('shop-app@.container'))!;
    const slow = template.options.map((o) => (o.name === 'Image' ? { ...o, value: 'localhost/app:slow' } : o));
    const running = await registry.startDeployment({ name: template.name, options: slow });
    // The leader replaces instances meanwhile: what `up` would write is the template, the singles and the count.
    const written = async () => JSON.stringify([(await registry.listUnits()).filter((u) => !/@\d+\./.test(u.name)), await registry.listServices()]);
    const before = await written();
    const r = await up(shop({ app: '4', replicas: 3, cron: '3' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`shop-app@.container is being deployed by deployment ${running.id} (running)`);
    expect(r.stdout).toBe('');
    expect(await written()).toBe(before);
  });
});

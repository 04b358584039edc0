/**
 * Images through the cluster's registry (docs/registry-images.md), on real machines: units/registry.service (Debian's
 * docker-registry, TLS and client certificates from the cluster's CA) on the machine with role=registry; an image
 * built on the host, pushed with `bin/flotilla image push`, run as a container unit by docker on a machine that never
 * had it and by podman on another; a pull of a missing tag fails with the registry's reason. Then the registry's
 * machine dies: the pulled units keep running and restart from their local images. A replacement machine with the
 * metadata runs the registry again, empty (its data stayed on the dead machine); after a new push, new pulls work.
 * Also a compose service with `build:`: `compose up` builds it on the host, pushes it, and a machine runs it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { importBusyboxImage, startHostEngine, type EngineName, type HostEngine } from '../harness/docker.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { REPO_DIR } from '../harness/index.js';
import { cliFor, tableRows } from '../support/cli.js';
import { BOOT_BUDGET_MS, httpGet, listRow, unitFile, waitForAgents } from './container-support.js';

const APP_PAGE = 'served from an image pushed to the cluster registry\n';
const IMAGE = 'registry.flotilla:5000/fl/app:1';
const BUILT_PAGE = 'built by flotilla compose up\n';

describe('image registry on the cluster', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let hostDocker: HostEngine;
  const cleanups: Array<() => void> = [];
  // m1 runs the registry, m2 docker units, m3 podman units.
  const metadata = (i: number): Record<string, string> => (i === 1 ? { role: 'registry' } : i === 2 ? { slot: 'docker' } : { slot: 'podman' });

  beforeAll(async () => {
    [cluster, hostDocker] = await Promise.all([startCluster({ machines: 3, ttlSec: 5, containerEngines: true, metadata }), startHostEngine('docker')]);
    cli = cliFor({ ...cluster.cliEnv, DOCKER_HOST: `unix://${hostDocker.socketPath}` });
    await Promise.all(cluster.machines.map((m) => enginesUp(m)));
    await waitForAgents(cluster, cli);
    await importBusyboxImage(hostDocker.cli, 'fl/app:1', { page: APP_PAGE });
    machines = booted();
  }, BOOT_BUDGET_MS);

  afterAll(async () => {
    await Promise.all([cluster?.stop(), hostDocker?.stop()]);
    for (const cleanup of cleanups) cleanup();
  });

  const file = (name: string, lines: string[]) => {
    const made = unitFile(name, lines);
    cleanups.push(made.cleanup);
    return made.file;
  };
  const appUnit = (name: string, image: string, port: number, slot: EngineName) => file(name, [
    '[Container]', `Image=${image}`, `PublishPort=${port}:80`, 'StopTimeout=2',
    '[Service]', 'Restart=always', 'RestartSec=1',
    '[X-Fleet]', `MachineMetadata=slot=${slot}`,
    '[X-Flotilla]', `Engine=${slot}`,
  ]);
  /** The machines as booted: [registry, docker, podman]. */
  const booted = () => cluster.machines.slice(0, 3) as [Machine, Machine, Machine];
  let machines: [Machine, Machine, Machine];
  const registryUp = () => waitUntil('the registry to answer `image ls`', async () => ((await cli(['image', 'ls'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
  const hostsLine = async (m: Machine) => (await m.exec(['grep', 'registry.flotilla', '/etc/hosts'])).stdout.trim();

  test('push from the host; docker and podman machines pull and run it; a missing tag fails with the registry\'s reason', async () => {
    const [registryHost, dockerHost, podmanHost] = machines;
    expect((await cli(['start', path.join(REPO_DIR, 'units/registry.service')])).code).toBe(0);
    await registryUp();
    const push = await cli(['image', 'push', 'fl/app:1']);
    expect(push.stderr).toBe('');
    expect(push.stdout).toMatch(new RegExp(`pushed ${IMAGE.replace(/[.]/g, '\\.')} sha256:[0-9a-f]{64} \\(registry ${registryHost.ip}:5000\\)\n$`));
    expect((await cli(['image', 'ls'])).stdout).toBe(`${IMAGE}\n`);
    // Every agent maps the name to the registry's machine.
    for (const m of cluster.machines) {
      expect(await waitUntil(`registry.flotilla in ${m.name}'s /etc/hosts`, async () => (await hostsLine(m)) || undefined, { timeoutMs: 15_000, intervalMs: 200 })).toBe(`${registryHost.ip}\tregistry.flotilla`);
    }

    for (const [unit, port, slot, host] of [['app.container', 8091, 'docker', dockerHost], ['papp.container', 8092, 'podman', podmanHost]] as const) {
      expect((await host.exec([slot, 'image', 'inspect', IMAGE])).code).not.toBe(0); // never had it
      expect((await cli(['start', appUnit(unit, IMAGE, port, slot)])).code).toBe(0);
      expect(await waitUntil(`${unit} serving on ${host.name}`, () => httpGet(host.ip, port), { timeoutMs: 60_000, intervalMs: 250 })).toBe(APP_PAGE);
      expect((await host.exec([slot, 'image', 'inspect', IMAGE])).code).toBe(0);
    }

    expect((await cli(['start', '--no-block', appUnit('nope.container', 'registry.flotilla:5000/fl/app:9', 8093, 'docker')])).code).toBe(0);
    const failed = await waitUntil('the pull error in list-units', async () => {
      const out = (await cli(['list-units', '--no-legend', '--full', '--fields', 'unit,container'])).stdout;
      return out.split('\n').find((l) => l.startsWith('nope.container') && l.includes('pull-failed'));
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(failed).toMatch(/registry\.flotilla:5000\/fl\/app:9/);
    expect(failed).toMatch(/manifest unknown|not found/);
    expect((await cli(['destroy', 'nope.container'])).code).toBe(0);
  }, 300_000);

  test('compose up with build: builds on the host, pushes, and a docker machine runs the built image', async () => {
    const [, dockerHost] = machines;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compose-build-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'web'));
    fs.writeFileSync(path.join(dir, 'web/Dockerfile'), 'FROM fl/app:1\nCOPY index.html /www/index.html\n');
    fs.writeFileSync(path.join(dir, 'web/index.html'), BUILT_PAGE);
    fs.writeFileSync(path.join(dir, 'compose.yaml'), [
      'name: built', 'services:', '  web:', '    build: ./web', '    image: web:1', '    ports: ["8094:80"]',
      '    deploy: {placement: {constraints: ["node.labels.slot == docker"]}}', '',
    ].join('\n'));
    const up = await cli(['compose', '-f', path.join(dir, 'compose.yaml'), 'up'], { timeoutMs: 180_000 });
    expect(up.code, up.stderr).toBe(0);
    expect((await cli(['image', 'ls', 'built/web'])).stdout).toBe('registry.flotilla:5000/built/web:1\n');
    expect(await waitUntil('built-web.container serving the built page', () => httpGet(dockerHost.ip, 8094), { timeoutMs: 60_000, intervalMs: 250 })).toBe(BUILT_PAGE);
    expect((await cli(['compose', '-f', path.join(dir, 'compose.yaml'), 'down'])).code).toBe(0);
  }, 300_000);

  test('the registry\'s machine dies: pulled units keep running and restart from their local image; a replacement runs it again, and new pulls work after a push', async () => {
    const [registryHost, dockerHost, podmanHost] = machines;
    await cluster.removeMachine(registryHost);
    for (const [unit, port, slot, host, container] of [['app.container', 8091, 'docker', dockerHost, 'systemd-app'], ['papp.container', 8092, 'podman', podmanHost, 'systemd-papp']] as const) {
      expect(await httpGet(host.ip, port)).toBe(APP_PAGE);
      const service = unit.replace('.container', '.service');
      const before = Number((await host.systemctlShow(service, ['NRestarts'])).NRestarts);
      expect((await host.exec([slot, 'kill', container])).code).toBe(0);
      await waitUntil(`systemd to restart ${unit} from the local image`, async () => {
        const show = await host.systemctlShow(service, ['NRestarts', 'ActiveState']);
        return Number(show.NRestarts) > before && show.ActiveState === 'active' ? true : undefined;
      }, { timeoutMs: 30_000, intervalMs: 250 });
      expect(await waitUntil(`${unit} serving again`, () => httpGet(host.ip, port), { timeoutMs: 30_000, intervalMs: 250 })).toBe(APP_PAGE);
      expect((await listRow(cli, unit))?.[2]).toBe('active');
    }

    const replacement = await cluster.addMachine(1); // role=registry again
    await enginesUp(replacement);
    await registryUp();
    expect((await cli(['image', 'ls'])).stdout).toBe(''); // the images stayed on the dead machine
    await waitUntil('the podman machine to map the name to the new registry', async () => ((await hostsLine(podmanHost)) === `${replacement.ip}\tregistry.flotilla` ? true : undefined), { timeoutMs: 20_000, intervalMs: 200 });
    expect((await cli(['image', 'push', 'fl/app:1'])).code).toBe(0);
    // A new pull on a machine that has the image under no other name: a fresh unit, pulled again by podman.
    expect((await cli(['stop', 'papp.container'])).code).toBe(0);
    expect((await podmanHost.exec(['podman', 'rmi', '--force', IMAGE])).code).toBe(0);
    expect((await cli(['start', 'papp.container'])).code).toBe(0);
    expect(await waitUntil('papp pulled again and serving', () => httpGet(podmanHost.ip, 8092), { timeoutMs: 60_000, intervalMs: 250 })).toBe(APP_PAGE);
    expect(tableRows((await cli(['list-units', '--no-legend', '--fields', 'unit,active'])).stdout)).toContainEqual(['papp.container', 'active']);
  }, 300_000);
});

/** Waits for both engines of a machine to answer. */
async function enginesUp(m: Machine): Promise<void> {
  for (const engine of ['docker', 'podman'] as EngineName[]) {
    await waitUntil(`${engine} in ${m.name}`, async () => ((await m.exec([engine, 'info'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 90_000, intervalMs: 250 });
  }
}

/**
 * The dockerode adapter and the prepare step against real engines: a private dockerd and a private podman API
 * service on the host (test/harness/docker.ts), images built locally from busybox. Containers run with
 * --network=none, so no bridge or iptables rule is made. A counting fake registry on loopback shows how often a
 * pull really reaches a registry.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ContainerEngineError, ContainerImagePullError, sleep } from '@flotilla/core';
import { importBusyboxImage, startHostEngine, type EngineName, type HostEngine } from '../../../../test/harness/docker.js';
import { runOk, waitUntil } from '../../../../test/harness/exec.js';
import { ContainerEngineClient } from './engine-client.js';
import { prepareContainer, type PrepareDeps } from './prepare.js';
import { PullStore } from './pull-store.js';
import { LABEL_MACHINE, LABEL_UNIT } from './run-command.js';

const IMAGE = 'localhost/fl/busybox:1';

describe.each<EngineName>(['docker', 'podman'])('ContainerEngineClient on a real %s', (engine) => {
  let host: HostEngine;
  let client: ContainerEngineClient;
  let stateDir: string;
  const cli = (...args: string[]) => runOk(host.cli[0]!, [...host.cli.slice(1), ...args], { timeoutMs: 30_000 });
  /** A detached container with the agent's labels, sleeping (or running `cmd`). */
  const startLabelled = (name: string, unit: string, machine: string, extra: string[] = [], cmd = ['sleep', '600']) =>
    cli('run', '-d', '--network=none', '--name', name, '--label', `${LABEL_UNIT}=${unit}`, '--label', `${LABEL_MACHINE}=${machine}`, ...extra, IMAGE, ...cmd);
  const deps = (over: Partial<PrepareDeps> = {}): PrepareDeps => ({
    client,
    store: new PullStore(stateDir),
    unitExists: async () => true,
    now: () => Date.now(),
    sleep,
    ...over,
  });

  beforeAll(async () => {
    host = await startHostEngine(engine);
    client = new ContainerEngineClient(engine, { socketPath: host.socketPath, timeoutMs: 10_000 });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-pulls-'));
    await importBusyboxImage(host.cli, IMAGE);
  });
  afterAll(async () => {
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    await host?.stop();
  });

  test('hasImage: the imported image yes, an unknown one no', async () => {
    expect(await client.hasImage(IMAGE)).toBe(true);
    expect(await client.hasImage('localhost/fl/nope:1')).toBe(false);
  });

  test('inspect: running with its labels, then exited with the exit code; remove; a missing one is undefined', async () => {
    await startLabelled('insp', 'a.container', 'm1');
    expect(await client.inspect('insp')).toMatchObject({ name: 'insp', state: 'running', running: true, exitCode: 0, unit: 'a.container', machineId: 'm1' });
    await cli('kill', 'insp');
    // podman records the exit a moment after `kill` returns
    const killed = await waitUntil('insp to exit', async () => ((await client.inspect('insp'))?.running === false ? client.inspect('insp') : undefined), { timeoutMs: 10_000 });
    expect(killed).toMatchObject({ state: 'exited', running: false, exitCode: 137 });
    await client.remove('insp', false);
    expect(await client.inspect('insp')).toBeUndefined();
    await client.remove('insp', true); // already gone: fine
  });

  // podman runs health checks from systemd timers; the host has no systemd (inside machines it does).
  test.runIf(engine === 'docker')('inspect reports health from the engine’s health check', async () => {
    await startLabelled('healthy', 'h.container', 'm1', ['--health-cmd', 'true', '--health-interval=1s']);
    try {
      let status = await client.inspect('healthy');
      for (const until = Date.now() + 20_000; status?.health !== 'healthy' && Date.now() < until; ) {
        await sleep(200);
        status = await client.inspect('healthy');
      }
      expect(status?.health).toBe('healthy');
    } finally {
      await client.remove('healthy', true);
    }
  });

  test('listOfMachine finds exactly the containers labelled with that machine, running or not', async () => {
    await startLabelled('l1', 'x.container', 'mA');
    await startLabelled('l2', 'y.container', 'mB');
    await startLabelled('l3', 'z.container', 'mA', [], ['true']);
    try {
      const listed = await client.listOfMachine('mA');
      expect(listed.map((c) => [c.name, c.unit]).sort()).toEqual([['l1', 'x.container'], ['l3', 'z.container']]);
    } finally {
      for (const name of ['l1', 'l2', 'l3']) await client.remove(name, true);
    }
  });

  test('prepare: removes orphans of this machine and the unit’s leftover, keeps other units’ containers', async () => {
    await startLabelled('orphan', 'gone.container', 'm1');
    await startLabelled('kept', 'live.container', 'm1');
    await startLabelled('systemd-web', 'web.container', 'm1', [], ['true']); // a stopped leftover
    const report = await prepareContainer(
      { unit: 'web.container', container: 'systemd-web', image: IMAGE, machineId: 'm1' },
      deps({ unitExists: async (unit) => unit !== 'gone.container' }),
    );
    expect(report).toEqual({ orphansRemoved: ['orphan'], leftoverRemoved: true, pulled: false });
    expect(await client.inspect('orphan')).toBeUndefined();
    expect(await client.inspect('systemd-web')).toBeUndefined();
    expect((await client.inspect('kept'))?.running).toBe(true);
    await client.remove('kept', true);
  });

  test('prepare refuses to kill a running container of another unit that holds the name', async () => {
    await startLabelled('taken', 'other.container', 'm1');
    try {
      await expect(prepareContainer({ unit: 'mine.container', container: 'taken', image: IMAGE, machineId: 'm1' }, deps()))
        .rejects.toMatchObject({ code: 'CONTAINER_UNIT_INVALID', message: 'mine.container: container name taken is taken by a running container of other.container' });
      expect((await client.inspect('taken'))?.running).toBe(true);
    } finally {
      await client.remove('taken', true);
    }
  });

  test('a missing image that cannot be pulled: ContainerImagePullError with the engine’s reason, recorded', async () => {
    const image = 'flotilla.invalid/nope:1';
    const err = await prepareContainer({ unit: 'bad.container', container: 'systemd-bad', image, machineId: 'm1' }, deps()).catch((e) => e);
    expect(err).toBeInstanceOf(ContainerImagePullError);
    expect(err.code).toBe('CONTAINER_IMAGE_PULL');
    expect(err.reason).not.toBe('');
    expect(await new PullStore(stateDir).read('bad.container')).toMatchObject({ image, failures: 1, lastError: err.reason });
  });

  test('an engine that is not there: ContainerEngineError, retryable', async () => {
    const away = new ContainerEngineClient(engine, { socketPath: path.join(stateDir, 'none.sock'), timeoutMs: 2000 });
    await expect(away.hasImage(IMAGE)).rejects.toSatisfy((e) => e instanceof ContainerEngineError && e.retryable && e.code === 'CONTAINER_ENGINE');
  });
});

describe('pull backoff against a counting registry (docker: loopback registries are plain HTTP)', () => {
  let host: HostEngine;
  let registry: http.Server;
  let stateDir: string;
  const hits: number[] = [];

  beforeAll(async () => {
    host = await startHostEngine('docker');
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-pulls-'));
    registry = http.createServer((_req, res) => res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}'));
    registry.on('connection', () => hits.push(Date.now()));
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    registry?.close();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    await host?.stop();
  });

  test('three starts in a row reach the registry at base, 2×base intervals, never sooner', async () => {
    const { port } = registry.address() as AddressInfo;
    const image = `127.0.0.1:${port}/flotilla/missing:1`;
    const client = new ContainerEngineClient('docker', { socketPath: host.socketPath });
    const policy = { baseMs: 1000, maxMs: 60_000 };
    const attemptsAt: number[] = [];
    const deps: PrepareDeps = {
      client, store: new PullStore(stateDir), unitExists: async () => true, now: () => Date.now(),
      sleep, policy,
    };
    for (let i = 0; i < 3; i++) {
      const before = hits.length;
      const err = await prepareContainer({ unit: 'miss.container', container: 'systemd-miss', image, machineId: 'm1' }, deps).catch((e) => e);
      expect(err).toBeInstanceOf(ContainerImagePullError);
      expect(hits.length).toBeGreaterThan(before); // each attempt did reach the registry
      attemptsAt.push(hits[before]!);
    }
    const gaps = attemptsAt.slice(1).map((t, i) => t - attemptsAt[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(1000);
    expect(gaps[1]).toBeGreaterThanOrEqual(2000);
    // Past the step's longest wait, a start fails at once with the last reason and does not ask the registry.
    const before = hits.length;
    const quick = await prepareContainer({ unit: 'miss.container', container: 'systemd-miss', image, machineId: 'm1' }, { ...deps, maxWaitMs: 100 }).catch((e) => e);
    expect(quick.message).toMatch(/\(3 failed pulls; next pull in [34] s\)$/);
    expect(hits.length).toBe(before);
  });
});

/**
 * Container units on a real cluster: 3 nspawn machines, each with its own dockerd and podman (docs/containers.md),
 * the agent inside each, driven through the real CLI. Every claim is checked against the machine's own systemd and
 * engine, and the published port is fetched from the host over the test bridge.
 */
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { tableRows, type cliFor } from '../support/cli.js';
import { hostPidsOfContainer, containersOn, httpGet, listRow, machineOf, runningOn, useContainerCluster, WEB_IMAGE, WEB_PAGE } from './container-support.js';

const TTL_SEC = 5;
const PORT = 8080;
const WEB_UNIT = [
  '[Unit]', 'Description=web %i',
  '[Container]', `Image=${WEB_IMAGE}`, `PublishPort=${PORT}:80`, 'RunInit=yes', 'StopTimeout=2',
  '[Service]', 'Restart=always', 'RestartSec=1',
  '[X-Fleet]', 'Conflicts=web@*.container',
];

describe('container units (docker): start, restart by systemd, stop, destroy, failover, pull errors', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  const { unitFile: submitFile } = useContainerCluster({ machines: 3, ttlSec: TTL_SEC }, (c, run) => {
    cluster = c;
    cli = run;
  });
  const active = async (m: Machine, service: string) => (await m.systemctlShow(service, ['ActiveState'])).ActiveState;

  test('start → running and serving; docker kill → systemd restarts it; stop → container gone; destroy → nothing left', async () => {
    const file = submitFile('web@.container', WEB_UNIT);
    const started = await cli(['start', file.replace('web@.container', 'web@1.container')]);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const host = (await machineOf(cli, cluster, 'web@1.container'))!;
    expect(host).toBeDefined();
    expect(await active(host, 'web@1.service')).toBe('active');
    expect(await waitUntil('the published port', () => httpGet(host.ip, PORT), { timeoutMs: 20_000, intervalMs: 200 })).toBe(WEB_PAGE);
    expect(await runningOn(host, 'docker')).toEqual(['systemd-web_1']);
    await waitUntil('list-units to show it active', async () => ((await listRow(cli, 'web@1.container'))?.[2] === 'active' ? true : undefined), { timeoutMs: 10_000 });
    // The engine's view is published with the unit state: list-units --fields container.
    expect(await waitUntil('list-units to show the container running', async () => {
      const row = tableRows((await cli(['list-units', '--no-legend', '--fields', 'unit,active,container'])).stdout).find((r) => r[0] === 'web@1.container');
      return row?.[2] === 'running' ? row : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200 })).toEqual(['web@1.container', 'active', 'running']);

    // The container dies behind systemd's back: the engine client exits, Restart=always brings it back.
    const restartsBefore = Number((await host.systemctlShow('web@1.service', ['NRestarts'])).NRestarts);
    expect((await host.exec(['docker', 'kill', 'systemd-web_1'])).code).toBe(0);
    await waitUntil('systemd to restart web@1', async () => {
      const show = await host.systemctlShow('web@1.service', ['NRestarts', 'ActiveState']);
      return Number(show.NRestarts) > restartsBefore && show.ActiveState === 'active' ? true : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(await waitUntil('the port again', () => httpGet(host.ip, PORT), { timeoutMs: 20_000, intervalMs: 200 })).toBe(WEB_PAGE);

    expect((await cli(['stop', 'web@1.container'])).code).toBe(0);
    expect(await active(host, 'web@1.service')).toBe('inactive');
    expect(await containersOn(host, 'docker')).toEqual([]);
    expect(await httpGet(host.ip, PORT)).toBeUndefined();

    expect((await cli(['destroy', 'web@1.container'])).code).toBe(0);
    await waitUntil('the unit file to go', async () => ((await host.exec(['test', '-e', '/run/flotilla/units/web@1.service'])).code !== 0 ? true : undefined), { timeoutMs: 15_000 });
    expect(await containersOn(host, 'docker')).toEqual([]);
    expect(await listRow(cli, 'web@1.container')).toBeUndefined();
  });

  test('its machine dies → the container runs on another machine, exactly one copy', async () => {
    const file = submitFile('web@.container', WEB_UNIT).replace('web@.container', 'web@2.container');
    expect((await cli(['start', file])).code).toBe(0);
    const first = (await machineOf(cli, cluster, 'web@2.container'))!;
    expect(await waitUntil('the port', () => httpGet(first.ip, PORT), { timeoutMs: 20_000, intervalMs: 200 })).toBe(WEB_PAGE);

    const containerId = (await first.exec(['docker', 'inspect', '-f', '{{.Id}}', 'systemd-web_2'])).stdout.trim();
    expect(containerId).toMatch(/^[0-9a-f]{64}$/);
    const containerPids = hostPidsOfContainer(containerId);
    expect(containerPids.length).toBeGreaterThan(0);
    await first.kill();
    // A power cut: the machine's PID namespace ends, and with it its dockerd and the container's processes.
    expect(containerPids.filter((pid) => fs.existsSync(`/proc/${pid}`))).toEqual([]);
    const second = await waitUntil('web@2 on another machine', async () => {
      const m = await machineOf(cli, cluster, 'web@2.container');
      return m && m !== first && (await active(m, 'web@2.service')) === 'active' ? m : undefined;
    }, { timeoutMs: (TTL_SEC + 20) * 1000, intervalMs: 250 });
    expect(await waitUntil('the port on the new machine', () => httpGet(second.ip, PORT), { timeoutMs: 20_000, intervalMs: 200 })).toBe(WEB_PAGE);
    const survivors = cluster.machines.filter((m) => m !== first);
    const copies = await Promise.all(survivors.map((m) => runningOn(m, 'docker')));
    expect(copies.flat()).toEqual(['systemd-web_2']);
    expect((await cli(['destroy', 'web@2.container'])).code).toBe(0);
  });

  test('a plain .service running `docker run` works as in fleet', async () => {
    const file = submitFile('legacy.service', [
      '[Service]',
      'ExecStartPre=-/usr/bin/docker rm -f legacy',
      `ExecStart=/usr/bin/docker run --rm --name legacy -p 8082:80 ${WEB_IMAGE}`,
      'ExecStop=/usr/bin/docker stop -t 1 legacy',
    ]);
    expect((await cli(['start', file])).code).toBe(0);
    const host = (await machineOf(cli, cluster, 'legacy.service'))!;
    expect(await waitUntil('legacy’s port', () => httpGet(host.ip, 8082), { timeoutMs: 20_000, intervalMs: 200 })).toBe(WEB_PAGE);
    expect((await cli(['destroy', 'legacy.service'])).code).toBe(0);
    await waitUntil('legacy’s container to go', async () => ((await runningOn(host, 'docker')).includes('legacy') ? undefined : true), { timeoutMs: 20_000 });
  });

  // The registry is a closed port on the machine's loopback, so each pull fails at once (no DNS, no timeout).
  test('an image that does not exist: the unit fails with the pull error; pulls are spaced by the backoff', async () => {
    const file = submitFile('nope.container', [
      '[Container]', 'Image=127.0.0.1:1/flotilla/nope:1',
      '[Service]', 'Restart=always', 'RestartSec=100ms',
    ]);
    expect((await cli(['start', '--no-block', file])).code).toBe(0); // it never becomes active
    const host = (await waitUntil('nope placed', () => machineOf(cli, cluster, 'nope.container'), { timeoutMs: 20_000 }))!;
    // Each failed pull logs one CONTAINER_IMAGE_PULL line (journal); Restart=always every 100 ms would try ten
    // times a second, the backoff (2 s, 4 s, …) allows the registry to be asked far less often.
    const failures = await waitUntil('three failed pulls', async () => {
      const lines = (await host.exec(['journalctl', '-u', 'nope.service', '--no-pager', '-o', 'json'])).stdout.split('\n').filter(Boolean);
      const pulls = lines.map((l) => JSON.parse(l) as { MESSAGE?: string; __REALTIME_TIMESTAMP: string })
        .filter((e) => typeof e.MESSAGE === 'string' && e.MESSAGE.includes('CONTAINER_IMAGE_PULL: pull 127.0.0.1:1/flotilla/nope:1'))
        .map((e) => ({ at: Number(e.__REALTIME_TIMESTAMP) / 1000, message: e.MESSAGE! }));
      return pulls.length >= 3 ? pulls : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(failures[0]!.message).toMatch(/"msg":"CONTAINER_IMAGE_PULL: pull 127\.0\.0\.1:1\/flotilla\/nope:1: [^"]+"/);
    // The backoff counts from when a failure was recorded; journald stamps a line when it reads it, a few ms later
    // and not equally late for every line (CI once saw 1,996 ms). Restart=always alone would space them ~100 ms.
    const stampJitterMs = 50;
    expect(failures[1]!.at - failures[0]!.at).toBeGreaterThanOrEqual(2000 - stampJitterMs);
    expect(failures[2]!.at - failures[1]!.at).toBeGreaterThanOrEqual(4000 - stampJitterMs);
    const record = JSON.parse((await host.exec(['cat', '/run/flotilla/containers/nope.container.pull.json'])).stdout);
    expect(record).toMatchObject({ image: '127.0.0.1:1/flotilla/nope:1', lastError: expect.any(String) });
    expect(record.failures).toBeGreaterThanOrEqual(3);
    // …and the pull error is part of the published unit state.
    const line = await waitUntil('list-units to show the pull error', async () => {
      const out = (await cli(['list-units', '--no-legend', '--fields', 'unit,container'])).stdout;
      return out.split('\n').find((l) => /^nope\.container\s+pull-failed: \S/.test(l));
    }, { timeoutMs: 10_000, intervalMs: 200 });
    expect(line).toContain(record.lastError);
    expect((await cli(['destroy', 'nope.container'])).code).toBe(0);
  }, 90_000);
});

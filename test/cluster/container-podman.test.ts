/**
 * The same container unit under podman: picked per unit (`[X-Flotilla] Engine=podman`) on one machine and per
 * machine (FLOTILLA_CONTAINER_ENGINE=podman in every agent) on the other path. Checked against the machine's own
 * systemd and podman, the published port fetched from the host.
 */
import { describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { tableRows, type cliFor } from '../support/cli.js';
import { containersOn, httpGet, machineOf, runningOn, useContainerCluster, WEB_IMAGE, WEB_PAGE } from './container-support.js';

const PORT = 8081;

describe('container units (podman)', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  // Every agent defaults to podman; the docker-by-unit case below shows the unit's choice wins.
  const { unitFile } = useContainerCluster({ machines: 2, ttlSec: 5, agentEnv: { FLOTILLA_CONTAINER_ENGINE: 'podman' } }, (c, run) => {
    cluster = c;
    cli = run;
  });

  test.each([
    { name: 'engine from the machine', unit: 'pweb.container', extra: [] as string[], engine: 'podman' as const, container: 'systemd-pweb' },
    { name: 'engine from the unit', unit: 'dweb.container', extra: ['[X-Flotilla]', 'Engine=docker'], engine: 'docker' as const, container: 'systemd-dweb' },
  ])('$name: start → serving; kill → restarted by systemd; stop → gone', async ({ unit, extra, engine, container }) => {
    const file = unitFile(unit, [
      '[Container]', `Image=${WEB_IMAGE}`, `PublishPort=${PORT}:80`, 'RunInit=yes', 'StopTimeout=2',
      '[Service]', 'Restart=always', 'RestartSec=1', ...extra,
      '[X-Flotilla]', `HealthCheck=http://127.0.0.1:${PORT}/`, 'HealthInterval=1s',
    ]);
    expect((await cli(['start', file])).code).toBe(0);
    const host = (await machineOf(cli, cluster, unit))!;
    const service = unit.replace('.container', '.service');
    expect((await host.systemctlShow(service, ['ActiveState'])).ActiveState).toBe('active');
    expect(await waitUntil('the published port', () => httpGet(host.ip, PORT), { timeoutMs: 20_000, intervalMs: 200 })).toBe(WEB_PAGE);
    expect(await runningOn(host, engine)).toEqual([container]);
    // The engine's state and the agent's health check (from the machine, on the published port) in list-units.
    expect(await waitUntil('list-units to show it running and healthy', async () => {
      const row = tableRows((await cli(['list-units', '--no-legend', '--fields', 'unit,active,container,health'])).stdout).find((r) => r[0] === unit);
      return row?.[2] === 'running' && row[3] === 'healthy' ? row : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 })).toEqual([unit, 'active', 'running', 'healthy']);

    expect((await host.exec([engine, 'kill', container])).code).toBe(0);
    await waitUntil('systemd to restart it', async () => {
      const show = await host.systemctlShow(service, ['NRestarts', 'ActiveState']);
      return Number(show.NRestarts) >= 1 && show.ActiveState === 'active' ? true : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(await waitUntil('the port again', () => httpGet(host.ip, PORT), { timeoutMs: 20_000, intervalMs: 200 })).toBe(WEB_PAGE);

    expect((await cli(['stop', unit])).code).toBe(0);
    expect((await host.systemctlShow(service, ['ActiveState'])).ActiveState).toBe('inactive');
    expect(await containersOn(host, engine)).toEqual([]);
    expect((await cli(['destroy', unit])).code).toBe(0);
  });
});

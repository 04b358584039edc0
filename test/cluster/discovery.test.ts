/**
 * Service discovery across machines (docs/discovery.md) on a real cluster: 3 nspawn machines, each with its own
 * dockerd and the agent's DNS. A database-like service `db` (a container answering with its machine's host name)
 * runs on one machine; containers (docker and podman) and a plain .service on another machine reach it by name, one process each that
 * is never restarted. The db's machine is killed: the unit moves, the name follows, and both clients connect to
 * the new machine. Times are read from the clients' own journal lines (machine clock = host clock).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { busyboxRootfs } from '../harness/docker.js';
import { runOk, waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import type { cliFor } from '../support/cli.js';
import { machineOf, useContainerCluster, WEB_IMAGE } from './container-support.js';

const TTL_SEC = 5;
const DB_PORT = 8090;
/** The db answers with the name of the machine it runs on (%H, expanded by systemd). */
const DB_UNIT = [
  '[Container]', `Image=${WEB_IMAGE}`, `PublishPort=${DB_PORT}:80`,
  'Exec=sh -c "mkdir -p /d && echo %H > /d/index.html && exec httpd -f -p 80 -h /d"',
  '[Service]', 'Restart=always', 'RestartSec=1',
  '[X-Flotilla]', 'ServiceName=db', 'Project=shop',
];
/**
 * The client image: busybox plus bash with its shared libraries, so the client connects by name through glibc's
 * resolver and the container's resolv.conf, as an application would (`/dev/tcp/db/8090`). busybox-static's own
 * getaddrinfo (static glibc) crashes in a container that has an /etc/hosts, even for a numeric address.
 */
const CLIENT_IMAGE = 'localhost/fl/client:1';
const CLIENT_FILES = ['/bin/bash', '/lib/x86_64-linux-gnu/libtinfo.so.6', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'];
/** A container of the same project: the bare name `db` resolves through the search domain shop.flotilla. One GET
 * every 0.2 s, each given 1 s (a dead machine's address would otherwise hold the connect for seconds). */
const CLIENT_UNIT = [
  '[Container]', `Image=${CLIENT_IMAGE}`,
  'Exec=bash -c \'while true; do body=$$(busybox timeout 1 bash -c "exec 3<>/dev/tcp/db/8090 && { echo GET / HTTP/1.0; echo; } >&3 && busybox tail -n1 <&3" 2>&1); echo "got $$body"; sleep 0.2; done\'',
  '[X-Flotilla]', 'Project=shop',
  '[X-Fleet]', 'Conflicts=db.container',
];
/** The same client under podman, beside the docker one. */
const PODMAN_CLIENT_UNIT = [
  ...CLIENT_UNIT.slice(0, CLIENT_UNIT.indexOf('[X-Fleet]')), 'Engine=podman',
  '[X-Fleet]', 'MachineOf=client.container',
];
/** A plain unit opting in to the agent's resolv.conf: getent (glibc) resolves the full name. It runs beside the
 * client, so the third machine is free for db to move to (Conflicts works both ways). */
const LOOKUP_UNIT = [
  '[Service]', 'BindReadOnlyPaths=/run/flotilla/resolv.conf:/etc/resolv.conf',
  "ExecStart=/bin/bash -c 'while true; do echo \"lookup $$(getent hosts db.shop.flotilla)\"; sleep 0.2; done'",
  '[X-Fleet]', 'MachineOf=client.container',
];

interface Line { atMs: number; text: string }

async function importClientImage(machine: Machine): Promise<void> {
  const rootfs = busyboxRootfs();
  try {
    for (const file of CLIENT_FILES) {
      fs.mkdirSync(path.join(rootfs, path.dirname(file)), { recursive: true });
      fs.copyFileSync(fs.realpathSync(file), path.join(rootfs, file));
    }
    fs.chmodSync(path.join(rootfs, 'bin/bash'), 0o755);
    for (const engine of ['docker', 'podman']) {
      const importer = ['nsenter', '-t', String(machine.leaderPid), '-a', '--', engine, 'import', '-', CLIENT_IMAGE];
      await runOk('sh', ['-c', 'tar -C "$0" -c . | "$@"', rootfs, ...importer], { timeoutMs: 60_000 });
    }
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}

/** The unit's journal lines (MESSAGE, realtime in ms) on the machine. */
async function journal(machine: Machine, service: string): Promise<Line[]> {
  const out = (await machine.exec(['journalctl', '-u', service, '--no-pager', '-o', 'json', '--output-fields=MESSAGE'], { timeoutMs: 20_000 })).stdout;
  return out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { MESSAGE?: unknown; __REALTIME_TIMESTAMP: string })
    .filter((e) => typeof e.MESSAGE === 'string')
    .map((e) => ({ atMs: Number(e.__REALTIME_TIMESTAMP) / 1000, text: e.MESSAGE as string }));
}

/** The first line after `sinceMs` that says `want`; waits for it. A timeout shows the unit's last lines. */
async function firstLine(machine: Machine, service: string, sinceMs: number, want: string, timeoutMs: number): Promise<Line> {
  try {
    return await waitUntil(`${service} on ${machine.name} to print ${JSON.stringify(want)}`, async () =>
      (await journal(machine, service)).find((l) => l.atMs > sinceMs && l.text.replace(/\s+/g, ' ').trim() === want), { timeoutMs, intervalMs: 250 });
  } catch (err) {
    const tail = (await journal(machine, service)).slice(-8).map((l) => l.text);
    throw new Error(`${(err as Error).message}\nlast lines:\n${tail.join('\n')}`);
  }
}

describe('discovery: names follow a service across machines', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  const { unitFile } = useContainerCluster({ machines: 3, ttlSec: TTL_SEC }, (c, run) => {
    cluster = c;
    cli = run;
  });
  beforeAll(async () => {
    await Promise.all(cluster.machines.map(importClientImage));
  }, 120_000);
  const startUnit = async (name: string, lines: string[]) => {
    const result = await cli(['start', unitFile(name, lines)]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return (await waitUntil(`${name} placed`, () => machineOf(cli, cluster, name), { timeoutMs: 30_000 }))!;
  };

  test('a container and a plain unit reach db by name, and again on its new machine within TTL + 2 s of its machine dying', async () => {
    const dbHost = await startUnit('db.container', DB_UNIT);
    const clientHost = await startUnit('client.container', CLIENT_UNIT);
    const lookupHost = await startUnit('lookup.service', LOOKUP_UNIT);
    const podmanHost = await startUnit('client-podman.container', PODMAN_CLIENT_UNIT);
    expect([clientHost, lookupHost, podmanHost]).not.toContain(dbHost);

    const t0 = Date.now() - 60_000;
    await firstLine(clientHost, 'client.service', t0, `got ${dbHost.name}`, 60_000);
    await firstLine(lookupHost, 'lookup.service', t0, `lookup ${dbHost.ip} db.shop.flotilla`, 30_000);
    await firstLine(podmanHost, 'client-podman.service', t0, `got ${dbHost.name}`, 30_000);
    const clientPid = (await clientHost.systemctlShow('client.service', ['MainPID'])).MainPID;
    const lookupPid = (await lookupHost.systemctlShow('lookup.service', ['MainPID'])).MainPID;
    const podmanPid = (await podmanHost.systemctlShow('client-podman.service', ['MainPID'])).MainPID;

    const registry = await EtcdRegistry.connect(cluster.registryOptions);
    try {
      const killedAt = Date.now();
      await dbHost.kill();
      // The move, as the cluster sees it: db's endpoint published by another machine's agent (the unit is active there).
      const movedAt = await waitUntil('db published on another machine', async () =>
        ((await registry.listEndpoints()).some((e) => e.unit === 'db.container' && e.machineId !== dbHost.id) ? Date.now() : undefined),
      { timeoutMs: (TTL_SEC + 20) * 1000, intervalMs: 50 });
      const newHost = (await machineOf(cli, cluster, 'db.container'))!;
      expect(newHost).not.toBe(dbHost);
      const connected = await firstLine(clientHost, 'client.service', killedAt, `got ${newHost.name}`, 30_000);
      const resolved = await firstLine(lookupHost, 'lookup.service', killedAt, `lookup ${newHost.ip} db.shop.flotilla`, 30_000);
      const podmanConnected = await firstLine(podmanHost, 'client-podman.service', killedAt, `got ${newHost.name}`, 30_000);

      const ms = { moved: movedAt - killedAt, resolved: resolved.atMs - killedAt, connected: connected.atMs - killedAt, podman: podmanConnected.atMs - killedAt };
      process.stderr.write(`discovery: db moved ${dbHost.name} → ${newHost.name}; after the kill: published there ${Math.round(ms.moved)} ms, ` +
        `plain unit resolved ${Math.round(ms.resolved)} ms, containers connected ${Math.round(ms.connected)} ms (docker), ${Math.round(ms.podman)} ms (podman) (lease TTL ${TTL_SEC} s)\n`);
      // The name follows within the lease TTL + 2 s of the machine's death...
      expect(ms.resolved).toBeLessThan((TTL_SEC + 2) * 1000);
      // ...and a client connects within the DNS TTL (1 s) + 2 s of the service being up on its new machine (the
      // rest is the scheduler noticing the loss and the container starting: docs/discovery.md, "Timing").
      expect(ms.connected - ms.moved).toBeLessThan(3000);
      expect(ms.podman - ms.moved).toBeLessThan(3000);
    } finally {
      await registry.close();
    }
    // Neither client was restarted: the same process found the new machine.
    expect((await clientHost.systemctlShow('client.service', ['MainPID'])).MainPID).toBe(clientPid);
    expect((await lookupHost.systemctlShow('lookup.service', ['MainPID'])).MainPID).toBe(lookupPid);
    expect((await podmanHost.systemctlShow('client-podman.service', ['MainPID'])).MainPID).toBe(podmanPid);

    for (const unit of ['client-podman.container', 'client.container', 'lookup.service', 'db.container']) expect((await cli(['destroy', unit])).code).toBe(0);
  }, 240_000);
});

/** Shared steps of the container-unit cluster scenarios (container-*.test.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startCluster, type Cluster, type ClusterOptions } from '../harness/cluster.js';
import { importBusyboxImage, type EngineName } from '../harness/docker.js';
import { run, waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { cliFor, tableRows } from '../support/cli.js';

export const WEB_IMAGE = 'localhost/fl/web:1';
/** beforeAll budget: on a fresh machine the first run also builds the `engines` image (debootstrap, ~2 min). */
export const BOOT_BUDGET_MS = 600_000;
export const WEB_PAGE = 'hello from a flotilla container\n';

type Cli = (args: string[], opts?: { timeoutMs?: number }) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Waits for both engines in every machine, then imports the web image into each (no registry here). */
export async function prepareEngines(cluster: Cluster): Promise<void> {
  await Promise.all(cluster.machines.map(async (m) => {
    for (const engine of ['docker', 'podman'] as EngineName[]) {
      await waitUntil(`${engine} in ${m.name}`, async () => ((await m.exec([engine, 'info'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 90_000, intervalMs: 250 });
      await importBusyboxImage([engine], WEB_IMAGE, { prefix: ['nsenter', '-t', String(m.leaderPid), '-a', '--'], page: WEB_PAGE });
    }
  }));
}

/** Waits for every machine's agent in list-machines; on a timeout the error carries each agent's journal tail. */
export async function waitForAgents(cluster: Cluster, cli: Cli, timeoutMs = 90_000): Promise<void> {
  const count = cluster.machines.length;
  try {
    await waitUntil(`${count} agents`, async () => (tableRows((await cli(['list-machines', '--no-legend'])).stdout).length === count ? true : undefined), { timeoutMs, intervalMs: 250 });
  } catch (err) {
    const tails = await Promise.all(cluster.machines.map(async (m) =>
      `--- ${m.name} (${m.isRunning() ? 'up' : 'down'}) ---\n${(await m.exec(['journalctl', '-u', 'flotilla-agent', '--no-pager', '-n', '15', '-o', 'cat'], { timeoutMs: 10_000 })).stdout}`));
    throw new Error(`${(err as Error).message}\n${tails.join('\n')}`);
  }
}

/** A unit file in a fresh temp dir, named as the unit; removed by the returned cleanup. */
export function unitFile(name: string, lines: string[]): { file: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-container-units-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For a describe block: a cluster with both engines in every machine, the web image imported and every agent
 * listed, handed over through `use`; it and the unit files made with the returned `unitFile` go afterwards.
 */
export function useContainerCluster(
  options: Omit<ClusterOptions, 'containerEngines'>,
  use: (cluster: Cluster, cli: ReturnType<typeof cliFor>) => void,
): { unitFile(name: string, lines: string[]): string } {
  let cluster: Cluster | undefined;
  const cleanups: Array<() => void> = [];
  beforeAll(async () => {
    cluster = await startCluster({ ...options, containerEngines: true });
    const cli = cliFor(cluster.cliEnv);
    use(cluster, cli);
    await prepareEngines(cluster);
    await waitForAgents(cluster, cli);
  }, BOOT_BUDGET_MS);
  afterAll(async () => {
    await cluster?.stop();
    for (const cleanup of cleanups) cleanup();
  });
  return {
    unitFile(name, lines) {
      const made = unitFile(name, lines);
      cleanups.push(made.cleanup);
      return made.file;
    },
  };
}

/** The machine list-units names for the unit (by machine id prefix), if any. */
export async function machineOf(cli: Cli, cluster: Cluster, unit: string): Promise<Machine | undefined> {
  const listed = await cli(['list-units', '--no-legend', '--full']);
  const row = tableRows(listed.stdout).find((cells) => cells[0] === unit);
  const id = row?.[1]?.split('/')[0];
  return cluster.machines.find((m) => m.id === id);
}

/** The row of list-units for the unit: [UNIT, MACHINE, ACTIVE, SUB]. */
export async function listRow(cli: Cli, unit: string): Promise<string[] | undefined> {
  const listed = await cli(['list-units', '--no-legend', '--full']);
  return tableRows(listed.stdout).find((cells) => cells[0] === unit);
}

/** GET http://ip:port/ from the host, through the test bridge; the body or undefined. */
export async function httpGet(ip: string, port: number): Promise<string | undefined> {
  const result = await run('curl', ['-sf', '--max-time', '2', `http://${ip}:${port}/`], { timeoutMs: 5000 });
  return result.code === 0 ? result.stdout : undefined;
}

/** Names of the engine's containers on the machine (running and stopped). */
export async function containersOn(machine: Machine, engine: EngineName): Promise<string[]> {
  const result = await machine.exec([engine, 'ps', '-a', '--format', '{{.Names}}'], { timeoutMs: 20_000 });
  if (result.code !== 0) throw new Error(`${engine} ps on ${machine.name}: ${result.stderr}`);
  return result.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Host pids of a container's processes: those whose cgroup path names the container's id. */
export function hostPidsOfContainer(containerId: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cgroup`, 'utf8').includes(containerId)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** Names of running containers on the machine. */
export async function runningOn(machine: Machine, engine: EngineName): Promise<string[]> {
  const result = await machine.exec([engine, 'ps', '--format', '{{.Names}}'], { timeoutMs: 20_000 });
  return result.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

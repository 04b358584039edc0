/**
 * The built CLI's `cordon`, `uncordon`, `drain` and `list-machines` state against a real etcd, with both
 * drivers (the API driver through a real API server on a unix socket). The test plays the scheduler and the
 * agents for `drain`: it moves schedule entries with unassign/assign, records a unit it cannot place in the
 * cluster event log and publishes states, as they would. It
 * knows when the CLI has read the cluster by counting its reads of the published states: through an HTTP proxy
 * in front of etcd (etcd driver) or a registry wrapper in the API server (API driver), so no step depends on
 * timing.
 */
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { EtcdRegistry, Keyspace, type ClusterRegistry, type PresenceLease, type UnitOption } from '@flotilla/core';
import { startApiServer, type ApiServer } from '@flotilla/api';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { MACHINE_A, MACHINE_B, runCli, useCliEtcd } from '../../../../test/support/cli-process.js';

const ID_A = MACHINE_A;
const ID_B = MACHINE_B;
/** Shares its first four characters with ID_A. */
const ID_C = '113f99a7b2c4d6e8f0a1b2c3d4e5f6a7';
const SLEEP: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];

let etcd: EtcdHandle;
let dir: string;
let prefixCount = 0;

useCliEtcd((f) => ({ etcd, dir } = f));

/** Counts the CLI's reads of the published states; `after(n)` resolves once n more have begun. */
class ReadCounter {
  private count = 0;
  private waiters: { at: number; resolve: () => void }[] = [];
  hit(): void {
    this.count += 1;
    for (const w of this.waiters.filter((w) => w.at <= this.count)) w.resolve();
    this.waiters = this.waiters.filter((w) => w.at > this.count);
  }
  after(n: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ at: this.count + n, resolve }));
  }
}

/** An HTTP proxy in front of etcd's JSON gateway that reports every range read starting at `statesKey`. */
async function etcdProxy(statesKey: string, reads: ReadCounter): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(etcd.endpoints[0] as string);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/v3/kv/range') {
        const key = Buffer.from((JSON.parse(body.toString()) as { key?: string }).key ?? '', 'base64').toString();
        if (key === statesKey) reads.hit();
      }
      const forward = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The API server's registry, reporting each listStates (the /v2/state behind the API driver's reads). */
function observed(registry: EtcdRegistry, reads: ReadCounter): EtcdRegistry {
  return new Proxy(registry, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'listStates') return (...args: unknown[]) => (reads.hit(), (value as (...a: unknown[]) => unknown).apply(target, args));
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

interface Cluster {
  registry: EtcdRegistry;
  leases: Map<string, PresenceLease>;
  /** CLI flags for the driver under test. */
  flags: string[];
  /** The etcd driver's flags, to compare outputs. */
  etcdFlags: string[];
  reads: ReadCounter;
  close(): Promise<void>;
}

/** A fresh keyspace with machines a (ID_A), b (ID_B) and optionally c (ID_C), reached through `driver`. */
async function cluster(driver: 'etcd' | 'api', withC = false): Promise<Cluster> {
  const prefix = `/cli-lifecycle-${++prefixCount}/`;
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix });
  const leases = new Map<string, PresenceLease>();
  const machines: [string, string][] = [[ID_A, 'a'], [ID_B, 'b'], ...(withC ? [[ID_C, 'c'] as [string, string]] : [])];
  for (const [id, hostname] of machines) {
    leases.set(id, await registry.registerMachine({ id, hostname, ip: `10.0.0.${leases.size + 1}`, metadata: { disk: 'ssd' }, version: 't', startedAt: 0 }, 30));
  }
  const reads = new ReadCounter();
  const etcdFlags = ['--endpoint', etcd.endpoints.join(','), '--etcd-key-prefix', prefix];
  if (driver === 'etcd') {
    const proxy = await etcdProxy(new Keyspace(prefix).statesRoot, reads);
    return {
      registry, leases, reads, etcdFlags,
      flags: ['--endpoint', proxy.url, '--etcd-key-prefix', prefix],
      close: async () => {
        await proxy.close();
        await registry.close();
      },
    };
  }
  const socket = path.join(dir, `api-${prefixCount}.sock`);
  const server: ApiServer = await startApiServer({ registry: observed(registry, reads), logger: pino({ level: 'silent' }), version: 't', listen: [{ kind: 'unix', path: socket }] });
  return {
    registry, leases, reads, etcdFlags,
    flags: ['--endpoint', `unix://${socket}`],
    close: async () => {
      await server.close();
      await registry.close();
    },
  };
}

/** Submits a launched unit and schedules it on `machineId`, active there, as scheduler and agent would. */
async function runningOn(c: Cluster, name: string, machineId: string, options: UnitOption[] = SLEEP): Promise<void> {
  const unit = await c.registry.submitUnit({ name, options }, { desiredState: 'launched' });
  const snapshot = await c.registry.snapshot();
  await c.registry.assign(unit, snapshot.unitRevisions.get(name) as string, machineId);
  await publish(c, name, machineId, unit.hash);
}

async function publish(c: Cluster, unit: string, machineId: string, hash = 'h'): Promise<void> {
  await c.registry.publishState({ unit, machineId, hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 0 }, c.leases.get(machineId) as PresenceLease);
}

/** A stop-before-start move, as the scheduler and the two agents make it. */
async function move(c: Cluster, name: string, from: string, to: string): Promise<void> {
  await c.registry.unassign(name, from);
  await c.registry.removeState(name, from);
  const snapshot = await c.registry.snapshot();
  const unit = snapshot.units.find((u) => u.name === name)!;
  await c.registry.assign(unit, snapshot.unitRevisions.get(name) as string, to);
  await publish(c, name, to, unit.hash);
}

const cordonOf = async (registry: ClusterRegistry, id: string) => (await registry.listMachines()).find((m) => m.id === id)?.cordon;

describe.each(['etcd', 'api'] as const)('--driver=%s', (driver) => {
  test('cordon, uncordon and the state in list-machines', async () => {
    const c = await cluster(driver);
    try {
      expect(await runCli([...c.flags, 'cordon', 'a'])).toEqual({ code: 0, stdout: `cordoned: ${ID_A} (a)\n`, stderr: '' });
      const since = (await cordonOf(c.registry, ID_A))?.since;
      expect(since).toEqual(expect.any(Number));
      expect(await runCli([...c.flags, 'cordon', ID_A.slice(0, 6)])).toEqual({ code: 0, stdout: `already cordoned: ${ID_A} (a)\n`, stderr: '' });

      // fleetctl's default columns stay; the state is a field to ask for, and always in JSON.
      expect((await runCli([...c.flags, 'list-machines'])).stdout).toBe('MACHINE\t\tIP\t\tMETADATA\n113f16a7...\t10.0.0.1\tdisk=ssd\n2c2e6f3d...\t10.0.0.2\tdisk=ssd\n');
      expect((await runCli([...c.flags, 'list-machines', '--fields', 'machine,state'])).stdout).toBe('MACHINE\t\tSTATE\n113f16a7...\tcordoned\n2c2e6f3d...\tschedulable\n');
      const json = JSON.parse((await runCli([...c.flags, 'list-machines', '-o', 'json'])).stdout) as { id: string; state: string; cordon?: unknown }[];
      expect(json.map((m) => [m.id, m.state, m.cordon])).toEqual([[ID_A, 'cordoned', { since }], [ID_B, 'schedulable', undefined]]);

      await runningOn(c, 'web.service', ID_B);
      expect(await runCli([...c.flags, 'drain', '--no-block', 'b', '--deadline', '5m'])).toEqual({ code: 0, stdout: `draining: ${ID_B} (b), deadline in 5m\n`, stderr: '' });
      const draining = await cordonOf(c.registry, ID_B);
      expect(draining!.drain!.deadlineAt! - draining!.drain!.startedAt).toBeGreaterThanOrEqual(299_000);
      // A cordon does not end a drain.
      expect(await runCli([...c.flags, 'cordon', 'b'])).toEqual({ code: 0, stdout: `already draining: ${ID_B} (b)\n`, stderr: '' });
      expect(await cordonOf(c.registry, ID_B)).toEqual(draining);
      expect((await runCli([...c.flags, 'list-machines', '--fields', 'machine,state', '--no-legend'])).stdout).toBe('113f16a7...\tcordoned\n2c2e6f3d...\tdraining\n');
      expect(await runCli([...c.flags, 'list-machines', '--full', '--fields', 'machine,ip,metadata,state'])).toEqual(await runCli([...c.etcdFlags, 'list-machines', '--full', '--fields', 'machine,ip,metadata,state']));
      await c.registry.unassign('web.service', ID_B);
      expect((await runCli([...c.flags, 'list-machines', '--fields', 'state', '--no-legend'])).stdout).toBe('cordoned\ndrained\n');

      expect(await runCli([...c.flags, 'uncordon', 'a', 'b'])).toEqual({ code: 0, stdout: `uncordoned: ${ID_A} (a)\nuncordoned: ${ID_B} (b), drain stopped\n`, stderr: '' });
      expect([await cordonOf(c.registry, ID_A), await cordonOf(c.registry, ID_B)]).toEqual([undefined, undefined]);
      expect(await runCli([...c.flags, 'uncordon', 'a'])).toEqual({ code: 0, stdout: `not cordoned: ${ID_A} (a)\n`, stderr: '' });
    } finally {
      await c.close();
    }
  });

  test.each([
    ['an unknown machine', ['cordon', 'zz'], 'no machine matches "zz" (by ID, ID prefix or hostname)\nhint: list the machines with `flotilla list-machines --full`\n'],
    ['an ambiguous prefix, after a valid name', ['cordon', 'b', '113f'], `"113f" matches 2 machines: ${ID_A} (a), ${ID_C} (c)\nhint: give the full machine ID (\`flotilla list-machines --full\`)\n`],
    ['drain without a machine', ['drain'], 'drain needs exactly one machine (a machine ID, a unique ID prefix or a hostname)\nhint: list the machines with `flotilla list-machines`\n'],
    ['drain of two machines', ['drain', 'a', 'b'], 'drain needs exactly one machine (a machine ID, a unique ID prefix or a hostname)\nhint: list the machines with `flotilla list-machines`\n'],
    ['a bad deadline', ['drain', 'a', '--deadline', '5 parsecs'], 'invalid value "5 parsecs" for --deadline: expected a time span like 90s, 5m or 1h30m\n'],
    ['uncordon of an unknown machine', ['uncordon', 'a', 'zz'], 'no machine matches "zz" (by ID, ID prefix or hostname)\nhint: list the machines with `flotilla list-machines --full`\n'],
  ])('%s: exit 1, nothing written', async (_name, args, stderr) => {
    const c = await cluster(driver, true);
    try {
      await c.registry.setMachineCordon(ID_A, { since: 5 });
      expect(await runCli([...c.flags, ...args])).toEqual({ code: 1, stdout: '', stderr });
      const machines = await c.registry.listMachines();
      expect(machines.map((m) => m.cordon)).toEqual([{ since: 5 }, undefined, undefined]);
    } finally {
      await c.close();
    }
  });

  test('drain follows the moves to the end line', async () => {
    const c = await cluster(driver);
    try {
      await runningOn(c, 'app@1.service', ID_A);
      await runningOn(c, 'app@2.service', ID_A);
      // Fits only on a: once the deadline has passed, the scheduler stops it.
      await runningOn(c, 'pinned.service', ID_A, [...SLEEP, { section: 'X-Fleet', name: 'MachineID', value: ID_A }]);
      await c.registry.submitUnit({ name: 'node-agent.service', options: [...SLEEP, { section: 'X-Fleet', name: 'Global', value: 'true' }] }, { desiredState: 'launched' });
      await publish(c, 'node-agent.service', ID_A);
      await publish(c, 'node-agent.service', ID_B);

      const run = runCli([...c.flags, 'drain', 'a', '--deadline', '1m', '--timeout', '30s']);
      // Two reads begun: the first view (what is on the machine) is complete.
      await c.reads.after(2);
      expect((await cordonOf(c.registry, ID_A))?.drain).toBeDefined();
      await move(c, 'app@1.service', ID_A, ID_B);
      await move(c, 'app@2.service', ID_A, ID_B);
      await c.registry.unassign('pinned.service', ID_A);
      await c.registry.removeState('pinned.service', ID_A);
      await c.registry.appendEvent({ kind: 'unplaceable', unit: 'pinned.service', reason: `Cordon: 1 of 2 machines cordoned or leaving; MachineID ${ID_A}: 1 of 2 machines not named` });
      expect(await run).toEqual({
        code: 0,
        stdout:
          `draining: ${ID_A} (a), deadline in 1m\n` +
          'moving app@1.service: a → b\n' +
          'app@1.service active on b (1/3)\n' +
          'moving app@2.service: a → b\n' +
          'app@2.service active on b (2/3)\n' +
          'pinned.service stopped on a: fits nowhere else (3/3)\n' +
          'drained: 2 units moved, 1 global units left, 1 units stopped (fit nowhere else)\n',
        stderr: '',
      });
      // Run again: nothing left, the same drain.
      expect(await runCli([...c.flags, 'drain', 'a'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/, started \S+ ago\ndrained: 0 units moved, 1 global units left\n$/) });
    } finally {
      await c.close();
    }
  });

  test('drain gives up after --timeout, and stops following when uncordoned', async () => {
    const c = await cluster(driver);
    try {
      await runningOn(c, 'stay.service', ID_B);
      const timedOut = await runCli([...c.flags, 'drain', 'b', '--timeout', '1s']);
      expect(timedOut.code).toBe(1);
      expect(timedOut.stdout).toBe(`draining: ${ID_B} (b), no deadline\n`);
      expect(timedOut.stderr).toBe(
        'drain of b did not finish within 1s: 1 units still on it (stay.service)\n' +
          'hint: the machine stays draining; `flotilla drain b` follows it again (--timeout to wait longer), `flotilla uncordon b` stops it\n',
      );

      const run = runCli([...c.flags, 'drain', 'b', '--timeout', '30s']);
      await c.reads.after(2);
      await c.registry.setMachineCordon(ID_B, undefined);
      const cancelled = await run;
      expect([cancelled.code, cancelled.stderr.split('\n')[0]]).toEqual([1, 'drain of b was stopped: the machine is no longer draining']);
    } finally {
      await c.close();
    }
  });
});

/**
 * The walking skeleton on real parts: real etcd, 3 nspawn machines booting real systemd with the agent inside,
 * driven through the real CLI. Every unit state is confirmed by asking the machine's own systemd.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_DIR, startCluster, type Cluster } from '../harness/cluster.js';
import { startEtcd } from '../harness/etcd.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { cliFor, tableRows } from '../support/cli.js';

const TTL_SEC = 5;
const UNITS_DIR = '/run/flotilla/units';

describe('walking skeleton: CLI → etcd → scheduler → agent → systemd', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;

  const unit = (name: string) => path.join(REPO_DIR, 'units', name);
  /** Where does list-units say the unit runs? (machine id prefix from the MACHINE column). */
  const machineOf = async (name: string): Promise<Machine | undefined> => {
    const listed = await cli(['list-units', '--no-legend', '--full']);
    const row = tableRows(listed.stdout).find((cells) => cells[0] === name);
    const id = row?.[1]?.split('/')[0];
    return cluster.machines.find((m) => m.id === id);
  };
  const activeStateOn = async (machine: Machine, name: string) =>
    (await machine.systemctlShow(name, ['ActiveState'])).ActiveState;
  /** Machines whose own systemd reports the unit active. */
  const activeOn = async (name: string, machines = cluster.machines) => {
    const states = await Promise.all(machines.map(async (m) => [m, await activeStateOn(m, name)] as const));
    return states.filter(([, state]) => state === 'active').map(([m]) => m);
  };

  beforeAll(async () => {
    cluster = await startCluster({ machines: 3, ttlSec: TTL_SEC });
    cli = cliFor(cluster.cliEnv);
    await waitUntil(
      'all 3 agents to register',
      async () => {
        const listed = await cli(['list-machines', '--no-legend']);
        return tableRows(listed.stdout).length === 3 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('list-machines shows every machine with its address', async () => {
    const listed = await cli(['list-machines', '--full']);
    expect(listed.code).toBe(0);
    const rows = tableRows(listed.stdout);
    expect(rows[0]).toEqual(['MACHINE', 'IP', 'METADATA']);
    expect(rows.slice(1).map((r) => r[0]).sort()).toEqual(cluster.machines.map((m) => m.id).sort());
    expect(rows.slice(1).map((r) => r[1]).sort()).toEqual(cluster.machines.map((m) => m.ip).sort());
  });

  test('start hello.service: active on exactly one machine, by that machine’s systemd; stop; destroy', async () => {
    const started = await cli(['start', unit('hello.service')]);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^Unit hello\.service launched on [0-9a-f]{8}\.\.\.\/10\.213\.\d+\.\d+$/m);

    const host = await machineOf('hello.service');
    expect(host).toBeDefined();
    expect((await activeOn('hello.service')).map((m) => m.name)).toEqual([host!.name]);
    const fragment = await host!.systemctlShow('hello.service', ['FragmentPath', 'LoadState']);
    expect(fragment.LoadState).toBe('loaded');

    const stopped = await cli(['stop', 'hello.service']);
    expect(stopped.code).toBe(0);
    expect(await activeStateOn(host!, 'hello.service')).toBe('inactive');

    const destroyed = await cli(['destroy', 'hello.service']);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain('Destroyed hello.service');
    await waitUntil(
      'the unit file to leave the machine',
      async () => ((await host!.exec(['test', '-e', `${UNITS_DIR}/hello.service`])).code !== 0 ? true : undefined),
      { timeoutMs: 15_000 },
    );
    const files = await cli(['list-unit-files', '--no-legend']);
    expect(files.stdout).not.toContain('hello.service');
    const units = await cli(['list-units', '--no-legend']);
    await waitUntil(
      'hello.service to leave list-units',
      async () => (!(await cli(['list-units', '--no-legend'])).stdout.includes('hello.service') ? true : undefined),
      { timeoutMs: 15_000 },
    );
    expect(units.code).toBe(0);
  });

  test('3 instances of web@.service: each active, spread over the machines', async () => {
    const instances = ['web@1.service', 'web@2.service', 'web@3.service'];
    const started = await cli(['start', ...instances.map(unit)]);
    expect(started.code).toBe(0);
    const hosts = await Promise.all(instances.map(async (name) => (await activeOn(name)).map((m) => m.name)));
    for (const h of hosts) expect(h).toHaveLength(1);
    expect(new Set(hosts.flat()).size).toBe(3);
  });

  test('a machine dies: its units are active on the others within TTL + a few seconds', async () => {
    const started = await cli(['start', unit('hello.service')]);
    expect(started.code).toBe(0);
    const victim = await machineOf('hello.service');
    expect(victim).toBeDefined();
    const killedAt = Date.now();
    await victim!.kill();
    const survivors = cluster.machines.filter((m) => m !== victim);
    const newHost = await waitUntil(
      'hello.service active on a surviving machine',
      async () => (await activeOn('hello.service', survivors))[0],
      { timeoutMs: (TTL_SEC + 10) * 1000, intervalMs: 250 },
    );
    expect(newHost.name).not.toBe(victim!.name);
    expect(Date.now() - killedAt).toBeLessThan((TTL_SEC + 10) * 1000);
    const listed = await cli(['list-machines', '--no-legend', '--full']);
    expect(listed.stdout).not.toContain(victim!.id);
  });
});

describe('CLI input and endpoint errors', () => {
  test('a bad unit name gets a clear message, exit 1, and nothing written', async () => {
    const etcd = await startEtcd();
    try {
      const cli = cliFor(etcd.endpoints);
      const result = await cli(['submit', 'bad name.service'], { timeoutMs: 20_000 });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`invalid character ' ' in unit name`);
      const files = await cli(['list-unit-files', '--no-legend'], { timeoutMs: 20_000 });
      expect(files.code).toBe(0);
      expect(files.stdout).toBe('');
    } finally {
      await etcd.stop();
    }
  });

  test('an unreachable endpoint fails fast with a message naming it', async () => {
    const cli = cliFor(['http://127.0.0.1:1']);
    const startedAt = Date.now();
    const result = await cli(['--request-timeout', '2', 'list-units'], { timeoutMs: 20_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('127.0.0.1:1');
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });
});

/**
 * Nodes set up exactly as a user's would be: machine 1 applies the shipped master config (etcd + agent),
 * the others a worker config pointing at it. No host etcd: the cluster's registry runs inside the master.
 * Secure by default: each machine has its share of the cluster's PKI in /etc/flotilla/pki (the master's etcd
 * requires client and peer certificates and turns its auth on at first boot); the CLI connects as flotilla-cli.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EtcdRegistry } from '@flotilla/core';
import { planNode, SCHEDULER_NODE_FLAGS } from '../../packages/cli/src/cloud-config/node-plan.js';
import { toCloudConfig } from '../../packages/cli/src/cloud-config/serialize.js';
import { REPO_DIR, startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { cliFor, tableRows } from '../support/cli.js';

const masterIp = (subnet: string) => `${subnet}.11`;

describe('cloud-config nodes: a master running etcd, workers joining it', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  const masterEndpoint = () => `https://${masterIp(cluster.state.subnet!)}:2379`;

  beforeAll(async () => {
    const shippedMaster = fs.readFileSync(path.join(REPO_DIR, 'cloud-config/master.yaml'), 'utf8');
    cluster = await startCluster({
      machines: 3,
      etcd: false,
      secure: true,
      ttlSec: 5,
      nodeRole: (index) => (index === 1 ? 'master' : 'worker'),
      userData: (index, subnet) =>
        index === 1
          ? shippedMaster
          : toCloudConfig(planNode({ role: 'worker', etcdEndpoints: [`https://${masterIp(subnet)}:2379`], metadata: { n: String(index) }, agentTtlSec: 5 })),
    });
    cli = cliFor({ ...cluster.cliEnv, FLOTILLA_ENDPOINT: masterEndpoint() });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('every node registers with its role metadata', async () => {
    const rows = await waitUntil(
      'three machines in list-machines',
      async () => {
        const listed = await cli(['list-machines', '--no-legend', '--full'], { timeoutMs: 15_000 });
        const rows = tableRows(listed.stdout);
        return rows.length === 3 ? rows : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const byIp = new Map(rows.map((r) => [r[1], r[2]]));
    const [m1, m2, m3] = cluster.machines;
    expect(byIp.get(m1!.ip)).toBe('role=master');
    expect(byIp.get(m2!.ip)).toBe('n=2,role=worker');
    expect(byIp.get(m3!.ip)).toBe('n=3,role=worker');
  });

  test('the master runs etcd as a unit the cloud-config installed, and units run on the cluster', async () => {
    const etcdState = await cluster.machines[0]!.systemctlShow('etcd.service', ['ActiveState', 'FragmentPath']);
    expect(etcdState).toEqual({ ActiveState: 'active', FragmentPath: '/etc/systemd/system/etcd.service' });
    // etcd's auth was turned on once at first boot; running the set-up again keeps what is there.
    const auth = () => cluster.machines[0]!.systemctlShow('flotilla-etcd-auth.service', ['ActiveState', 'Result']);
    expect(await auth()).toEqual({ ActiveState: 'active', Result: 'success' });
    expect((await cluster.machines[0]!.exec(['systemctl', 'restart', 'flotilla-etcd-auth.service'], { timeoutMs: 60_000 })).code).toBe(0);
    expect(await auth()).toEqual({ ActiveState: 'active', Result: 'success' });
    // Without the password, the cluster's certificate alone reads nothing (auth is on).
    const anonymous = { ...cluster.registryOptions, endpoints: [masterEndpoint()], auth: undefined };
    await expect(EtcdRegistry.connect(anonymous).then((r) => r.close())).rejects.toThrow(/permission denied/);
    const started = await cli(['start', path.join(REPO_DIR, 'units/hello.service')]);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/Unit hello\.service launched on/);
  });

  test('workers run the lean agent (no scheduler, --lite-mode); the master is the scheduler, with its heap flag', async () => {
    const agentArgv = async (machine: (typeof cluster.machines)[number]) => {
      const { MainPID } = await machine.systemctlShow('flotilla-agent.service', ['MainPID']);
      return (await machine.exec(['cat', `/proc/${MainPID}/cmdline`])).stdout.split('\0');
    };
    const [master, ...workers] = cluster.machines;
    for (const worker of workers) {
      const argv = await agentArgv(worker!);
      expect(argv.slice(0, 4)).toEqual(['/usr/bin/node', '--lite-mode', '--no-expose-wasm', '--max-semi-space-size=1']);
    }
    const schedulerFlags = SCHEDULER_NODE_FLAGS.split(' ');
    expect((await agentArgv(master!)).slice(0, schedulerFlags.length + 2)).toEqual(['/usr/bin/node', ...schedulerFlags, '/opt/flotilla/packages/cli/dist/main.js']);
    const registry = await EtcdRegistry.connect({ ...cluster.registryOptions, endpoints: [masterEndpoint()] });
    try {
      expect(await registry.currentLeader()).toBe(master!.id);
    } finally {
      await registry.close();
    }
  });
});

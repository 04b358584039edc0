/**
 * `--tunnel` (fleet's functional test TestTunnelScheduleBatchUnits, `functional/tunnel_test.go`): the CLI reaches
 * etcd and an agent's unix-socket API only through an ssh bastion (a real sshd on loopback, key in a real ssh-agent,
 * strict host key checking on). etcd driver: each connection is `ssh -W host:port`; API driver on a unix endpoint:
 * the bastion runs `fd-forward SOCKET`, as fleetctl did. A bad tunnel fails fast with a message naming it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { run, waitUntil } from '../harness/exec.js';
import { freePort } from '../harness/ports.js';
import { startBastion, type Bastion } from '../harness/sshd.js';
import { FLOTILLA_BIN, tableRows } from '../support/cli.js';

const UNITS = path.resolve(import.meta.dirname, '../../units');

describe('the CLI through --tunnel', () => {
  let cluster: Cluster;
  let bastion: Bastion;

  const cli = (endpoint: string, args: string[], tunnel = bastion.tunnel) =>
    run('env', [
      ...Object.entries(cluster.cliEnv).map(([key, value]) => `${key}=${value}`),
      `FLOTILLA_ENDPOINT=${endpoint}`,
      `SSH_AUTH_SOCK=${bastion.agentSocket}`,
      // The bastion's PATH has no fleetctl: name ours.
      `FLOTILLA_TUNNEL_REMOTE_CLI=${FLOTILLA_BIN}`,
      FLOTILLA_BIN, '--tunnel', tunnel, '--ssh-username', 'root', '--known-hosts-file', bastion.knownHostsFile, ...args,
    ], { timeoutMs: 90_000 });
  /** The agent's API socket of machine 1, seen from the host (= the bastion). */
  const agentSocket = () => `unix:///proc/${cluster.machines[0]!.leaderPid}/root/run/flotilla.sock`;
  const sshChildren = async () => (await run('pgrep', ['-f', `-p ${bastion.port} `])).stdout.trim();

  beforeAll(async () => {
    [cluster, bastion] = await Promise.all([startCluster({ machines: 2 }), startBastion()]);
  });
  afterAll(async () => {
    await bastion?.stop();
    await cluster?.stop();
  });

  test('etcd driver: list-machines through the bastion', async () => {
    const result = await cli(cluster.endpoints.join(','), ['list-machines', '--no-legend', '--full']);
    expect(result.code, result.stderr).toBe(0);
    expect(tableRows(result.stdout).map((r) => r[0]).sort()).toEqual(cluster.machines.map((m) => m.id).sort());
  });

  test('API driver on a unix socket: a batch of units started through the bastion runs', async () => {
    const units = ['web@1.service', 'web@2.service', 'hello.service'].map((u) => path.join(UNITS, u));
    const started = await cli(agentSocket(), ['start', ...units]);
    expect(started.code, started.stderr).toBe(0);
    const listed = await waitUntil('3 units active, seen through the tunnel', async () => {
      const result = await cli(agentSocket(), ['list-units', '--no-legend', '--fields', 'unit,active']);
      const rows = tableRows(result.stdout);
      return rows.length === 3 && rows.every((r) => r[1] === 'active') ? rows : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    expect(listed.map((r) => r[0]).sort()).toEqual(['hello.service', 'web@1.service', 'web@2.service']);
    // Every ssh child the CLI started ended with it.
    expect(await sshChildren()).toBe('');
  });

  test('a tunnel nobody answers fails fast, naming the tunnel', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const result = await cli(cluster.endpoints.join(','), ['list-machines'], closed);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Unable to open the ssh tunnel through ${closed}`);
    expect(result.stderr).toMatch(/Connection refused/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

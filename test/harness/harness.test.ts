import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterProcesses, REPO_DIR, startCluster, teardownCluster, teardownClusterById, type Cluster } from './cluster.js';
import { run } from './exec.js';
import { describeProcesses } from './processes.js';
import { loadState } from './state.js';

describe('test harness: real etcd + nspawn machines on a bridge', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ machines: 2, agent: false });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('machines boot real systemd with their own identity', async () => {
    const [m1, m2] = cluster.machines;
    expect(m1!.id).not.toEqual(m2!.id);
    const id = await m1!.exec(['cat', '/etc/machine-id']);
    expect(id.stdout.trim()).toBe(m1!.id);
    const state = await m1!.exec(['systemctl', 'is-system-running']);
    expect(['running', 'degraded']).toContain(state.stdout.trim());
  });

  test('each machine runs in cgroups of its own (machines never share system.slice)', async () => {
    for (const machine of cluster.machines) {
      const cgroups = fs.readFileSync(`/proc/${machine.leaderPid}/cgroup`, 'utf8');
      expect(cgroups).toContain(`/flotilla/${machine.name}`);
    }
  });

  test('machines reach each other and the host over the bridge', async () => {
    const [m1, m2] = cluster.machines;
    const probe = `require('net').connect(${cluster.etcd.members[0]!.clientPort}, '${cluster.state.hostIp}').on('connect', () => process.exit(0)).on('error', () => process.exit(3))`;
    expect((await m1!.exec(['/usr/bin/node', '-e', probe], { timeoutMs: 10_000 })).code).toBe(0);
    const addr = await m2!.exec(['ip', '-4', '-o', 'addr', 'show', 'host0']);
    expect(addr.stdout).toContain(m2!.ip);
  });

  // `npm run up` starts its machines and etcd detached, so the host's init is their parent and reaps them;
  // `npm run down` returned while they were still in the process table.
  test('teardown of a cluster another process started (npm run up, then down) returns with none of its processes left', async () => {
    const id = `td${process.pid % 10_000}`;
    const script = path.join(os.tmpdir(), `flotilla-up-${id}.mts`);
    const harness = JSON.stringify(path.join(REPO_DIR, 'test/harness/cluster.ts'));
    fs.writeFileSync(script, `import { startCluster } from ${harness};\nawait startCluster({ machines: 3, agent: false, persistent: true, id: '${id}' });\nprocess.exit(0);\n`);
    try {
      const up = await run(process.execPath, ['--import', 'tsx', script], { timeoutMs: 180_000 });
      expect(up.code, up.stderr).toBe(0);
      const state = loadState(id)!;
      const running = clusterProcesses(state);
      expect(running.filter((p) => p.comm === 'systemd-nspawn').map((p) => p.ppid)).not.toContain(process.pid);
      expect(running.filter((p) => p.comm === 'systemd-nspawn')).toHaveLength(3);
      await teardownClusterById(id);
      expect(describeProcesses(clusterProcesses(state))).toBe('');
      expect(fs.existsSync(state.dir)).toBe(false);
    } finally {
      fs.rmSync(script, { force: true });
      const left = loadState(id);
      if (left) await teardownCluster(left).catch(() => undefined);
    }
  });

  test('etcdMembers: 3 — a secure 3-member etcd, every member on the bridge; a removed machine is replaced under a new name', async () => {
    const extra = await startCluster({ machines: 1, agent: false, etcdMembers: 3 });
    try {
      expect(extra.etcd.members).toHaveLength(3);
      expect(extra.state.etcdBridgeEndpoints).toEqual(extra.etcd.members.map((m) => `https://${extra.state.hostIp}:${m.clientPort}`));
      const members = await run('etcdctl', [...extra.etcdctlArgs, '--command-timeout=5s', 'member', 'list'], { timeoutMs: 15_000 });
      expect(members.stdout.trim().split('\n'), members.stderr).toHaveLength(3);
      // Without the cluster's certificates and user, no member serves.
      const bare = await run('etcdctl', [`--endpoints=${extra.endpoints.join(',')}`, '--command-timeout=3s', 'get', 'x'], { timeoutMs: 15_000 });
      expect(bare.code).not.toBe(0);
      const [first] = extra.machines;
      await extra.removeMachine(first!);
      expect(first!.isRunning()).toBe(false);
      expect(extra.state.machines.map((m) => m.name)).toEqual([]);
      const replacement = await extra.addMachine(1);
      expect(replacement.name).toBe(`${extra.id}-m2`);
      expect(extra.machines).toEqual([replacement]);
    } finally {
      await extra.stop();
    }
  });

  test('teardown removes every process, mount and the bridge', async () => {
    const extra = await startCluster({ machines: 1, agent: false });
    const state = loadState(extra.id)!;
    const [machine] = extra.machines;
    await extra.stop();
    expect(machine!.isRunning()).toBe(false);
    expect(fs.readFileSync('/proc/mounts', 'utf8')).not.toContain(machine!.state.merged);
    expect((await run('ip', ['link', 'show', state.bridge!])).code).not.toBe(0);
    expect(fs.existsSync(state.dir)).toBe(false);
  });
});

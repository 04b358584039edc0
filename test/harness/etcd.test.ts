import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from './etcd.js';
import { run, waitUntil } from './exec.js';
import { isAlive } from './processes.js';

const etcdctl = (endpoints: string[], ...args: string[]) =>
  run('etcdctl', [`--endpoints=${endpoints.join(',')}`, '--command-timeout=3s', ...args], { timeoutMs: 10_000 });

describe('test harness: a real 3-member etcd cluster', () => {
  let etcd: EtcdHandle;
  beforeAll(async () => {
    etcd = await startEtcd({ members: 3 });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  test('three members, each on its own free port, form one cluster', async () => {
    expect(new Set(etcd.endpoints).size).toBe(3);
    const list = await etcdctl(etcd.endpoints, 'member', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(3);
  });

  test('a killed member leaves a quorum that serves; it rejoins when restarted', async () => {
    await etcd.killMember('n1');
    expect(isAlive(etcd.members[0]!.pid)).toBe(false);
    const others = etcd.endpoints.slice(1);
    // If n1 led, writes fail until the other two elect a leader (election timeout 1 s): retry with a deadline.
    await waitUntil('a write to the remaining quorum', async () => ((await etcdctl(others, 'put', 'k', 'v')).code === 0 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    await etcd.restartMember('n1');
    const read = await etcdctl([etcd.endpoints[0]!], 'get', 'k', '--print-value-only');
    expect(read.stdout.trim()).toBe('v');
  });

  test('stop removes every member process', async () => {
    const extra = await startEtcd({ members: 3 });
    await extra.stop();
    for (const m of extra.members) expect(isAlive(m.pid)).toBe(false);
  });
});

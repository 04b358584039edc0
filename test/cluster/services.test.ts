/**
 * A stored service on real machines (docs/services.md): `app@` with a count of 3 and `Conflicts=app@*` (one per
 * machine) on 4 machines. Each machine's systemd is asked which instances it runs: exactly app@1..3, once each.
 * The count holds when the leader's machine (running an instance when it can) has its plug pulled, and when
 * `destroy app@2.service` removes an instance by hand.
 */
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { startRegisteredCluster } from '../support/registered-cluster.js';

const PRESENCE_TTL_SEC = 5;
const WANTED = ['app@1.service', 'app@2.service', 'app@3.service'];
const TEMPLATE = {
  name: 'app@.service',
  options: [
    { section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' },
    { section: 'X-Fleet', name: 'Conflicts', value: 'app@*' },
  ],
};

describe('a stored service on a real 4-machine cluster', () => {
  let cluster: Cluster;
  let registry: EtcdRegistry;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ cluster, registry, stop } = await startRegisteredCluster({ machines: 4, ttlSec: PRESENCE_TTL_SEC, leader: true }));
  }, 180_000);
  afterAll(async () => {
    await stop?.();
  });

  /** machine id → the app@ instances its systemd reports active. */
  async function running(): Promise<Map<string, string[]>> {
    const byMachine = new Map<string, string[]>();
    for (const m of cluster.machines) {
      const out = (await m.exec(['systemctl', 'list-units', '--state=active', '--no-legend', '--plain', 'app@*'])).stdout;
      byMachine.set(m.id, out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((u) => u.startsWith('app@')).sort());
    }
    return byMachine;
  }

  /** Waits until systemd on the machines runs exactly WANTED, each once; returns where. */
  async function countHolds(what: string): Promise<Map<string, string[]>> {
    return waitUntil(what, async () => {
      const byMachine = await running();
      const all = [...byMachine.values()].flat().sort();
      return all.join() === WANTED.join() ? byMachine : undefined;
    }, { timeoutMs: 8 * PRESENCE_TTL_SEC * 1000, intervalMs: 500 });
  }

  test('count 3 is made real, kept through a pulled plug (the leader\'s machine) and a destroyed instance', async () => {
    await registry.scaleService('app@.service', 3, TEMPLATE);
    const before = await countHolds('app@1..3 active');
    const leader = await registry.currentLeader();
    const victim = cluster.machines.find((m) => m.id === leader && (before.get(m.id)?.length ?? 0) > 0)
      ?? cluster.machines.find((m) => (before.get(m.id)?.length ?? 0) > 0)!;
    const lost = before.get(victim.id)!;
    await cluster.removeMachine(victim);
    const after = await countHolds(`${lost.join()} back after ${victim.id} was lost`);
    expect([...after.values()].flat().sort()).toEqual(WANTED);
    expect(after.has(victim.id)).toBe(false);

    expect(await registry.destroyUnit('app@2.service')).toBe(true);
    await countHolds('app@2 created again after destroy');
    expect(await registry.getService('app@.service')).toEqual({ template: 'app@.service', count: 3 });
  }, 240_000);
});

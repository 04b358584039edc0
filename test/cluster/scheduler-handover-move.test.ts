/**
 * A failover in the middle of a move, on real machines: the leader unassigns a unit from a live machine (its
 * metadata stopped matching) and is killed (-9) while that machine is still stopping the old copy (ExecStop= sleeps
 * 12 s, so systemd shows it `deactivating` and the agent keeps its state published). 12 s covers the election
 * lease running out plus a loaded CI machine's campaign and first pass (with 4 s the copy was sometimes down
 * before the new leader looked), and stays well inside the scheduler's 30 s move deadline. The new leader, which never
 * heard of the move, derives it from the published state (docs/scheduler.md, "Stop before start"), holds the unit,
 * and places it on the other matching machine only once the old copy is down. systemd on every machine, sampled
 * throughout, never shows the unit running on two machines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { AGENT_UNIT, killAgent } from '../harness/faults.js';
import type { Machine } from '../harness/machines.js';
import { cliFor } from '../support/cli.js';
import { startRegisteredCluster } from '../support/registered-cluster.js';

const TTL_SEC = 10;
const UNIT = 'handover-mover.service';
const RUNNING = new Set(['active', 'activating', 'deactivating', 'reloading']);

/** The machines whose systemd runs UNIT now. */
async function runningOn(machines: readonly Machine[]): Promise<string[]> {
  const states = await Promise.all(machines.map(async (m) => (await m.exec(['systemctl', 'is-active', UNIT], { timeoutMs: 5000 })).stdout.trim()));
  return machines.filter((_, i) => RUNNING.has(states[i] ?? '')).map((m) => m.id);
}

describe('a failover during a move on a real 3-machine cluster', () => {
  let cluster: Cluster;
  let registry: EtcdRegistry;
  let stop: (() => Promise<void>) | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-handover-'));

  beforeAll(async () => {
    ({ cluster, registry, stop } = await startRegisteredCluster({ machines: 3, ttlSec: TTL_SEC, leader: true }));
  }, 120_000);
  afterAll(async () => {
    await stop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the new leader holds the unit until the old copy is down, then places it once', async () => {
    const leaderId = (await registry.currentLeader()) as string;
    const leader = cluster.machines.find((m) => m.id === leaderId)!;
    const others = cluster.machines.filter((m) => m !== leader);
    // Only the two non-leaders match, so the unit runs beside a leader that can be killed without touching it.
    await registry.patchMachineMetadata(cluster.machines.map((m) => ({ machineId: m.id, key: 'pool', value: m === leader ? 'b' : 'a' })));
    const file = path.join(dir, UNIT);
    fs.writeFileSync(file, '[Service]\nExecStart=/bin/sleep infinity\nExecStop=/bin/sleep 12\n\n[X-Fleet]\nMachineMetadata=pool=a\n');
    expect((await cliFor(cluster.cliEnv)(['start', file], { timeoutMs: 30_000 })).code).toBe(0);
    const [first] = await waitUntil('running on one machine', async () => {
      const on = await runningOn(cluster.machines);
      return on.length === 1 ? on : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    const target = others.find((m) => m.id !== first)!;

    const twice: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      let rounds = 0;
      while (sampling) {
        const on = await runningOn(cluster.machines);
        rounds++;
        if (on.length > 1) twice.push(`${on.join(', ')} at ${new Date().toISOString()}`);
      }
      return rounds;
    })();
    try {
      await registry.patchMachineMetadata([{ machineId: first as string, key: 'pool', value: 'b' }]);
      await waitUntil('unassigned (a move off a live machine)', async () => ((await registry.snapshot()).schedule.has(UNIT) ? undefined : true), {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      await killAgent(leader);
      await waitUntil('running on the other pool=a machine', async () => {
        const on = await runningOn(cluster.machines);
        return on.length === 1 && on[0] === target.id ? true : undefined;
      }, { timeoutMs: 40_000, intervalMs: 100 });
    } finally {
      sampling = false;
    }
    expect(await sampler).toBeGreaterThan(10);
    const lines = (await Promise.all(others.map(async (m) => (await m.exec(['journalctl', '-u', AGENT_UNIT, '--no-pager', '-o', 'cat'])).stdout)))
      .flatMap((out) => out.split('\n').filter((l) => l.includes('inherited move of')));
    expect(lines.length, 'the new leader derived the move').toBeGreaterThan(0);
    expect(twice).toEqual([]);
  }, 180_000);
});

/**
 * Stop before start on real machines: with rebalancing on (a round after 3 quiet seconds), a machine leaves
 * (partition) and returns, units move away and back, and systemd on every machine, sampled throughout, never
 * shows one unit running (active, activating, deactivating, reloading) on two machines at once. The old
 * overlap lasted ~8 ms, about one sampling round, so the sampler alone might miss it: the leader's log must
 * also show every rebalancing move as unassign → old copy reported stopped → assign, in that order.
 * The partition itself is machine loss (placed elsewhere at once, by design): `StopOnLeaseLoss=true` makes the
 * cut-off agent stop its copies first (docs/agent.md), so the sampler may check that phase too.
 * Units stop slowly (ExecStop= sleeps 2 s): the agent keeps a unit's state published (deactivating) until systemd
 * reports it down, so the scheduler's stop-before-start waits for the whole stop (docs/agent.md, "Stopping").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { AGENT_UNIT, heal, partition } from '../harness/faults.js';
import type { Machine } from '../harness/machines.js';
import { cliFor } from '../support/cli.js';
import { startRegisteredCluster } from '../support/registered-cluster.js';

const TTL_SEC = 10;
const UNITS = Array.from({ length: 6 }, (_, i) => `mover-${i + 1}.service`);
const RUNNING = new Set(['active', 'activating', 'deactivating', 'reloading']);

interface LogLine {
  time: number;
  msg: string;
  unit?: string;
  kind?: string;
  reason?: string;
  status?: string;
}

/** Every rebalancing move in the schedulers' logs that was not unassign → old copy stopped → assign. */
function movesOutOfOrder(lines: LogLine[]): string[] {
  const moved = lines.filter((l) => l.kind === 'unassign' && l.reason?.startsWith('rebalance:'));
  return moved.flatMap((u) => {
    const after = lines.filter((l) => l.unit === u.unit && l.time >= u.time);
    const stopped = after.find((l) => l.status === 'stopped');
    const assigned = after.find((l) => l.kind === 'assign');
    return stopped && assigned && stopped.time <= assigned.time ? [] : [`${u.unit}: stopped ${stopped?.time}, assigned ${assigned?.time}`];
  });
}

/** Samples every machine's systemd until stopped; records each unit seen running on more than one machine. */
class TwiceSampler {
  readonly twice: string[] = [];
  rounds = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly machines: readonly Machine[]) {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /** unit → machines whose systemd runs it now. */
  async sample(): Promise<Map<string, string[]>> {
    const on = new Map<string, string[]>();
    await Promise.all(
      this.machines.map(async (m) => {
        const r = await m.exec(['systemctl', 'is-active', ...UNITS], { timeoutMs: 5000 });
        r.stdout.trim().split('\n').forEach((state, i) => {
          if (RUNNING.has(state.trim())) on.set(UNITS[i]!, [...(on.get(UNITS[i]!) ?? []), m.name]);
        });
      }),
    );
    return on;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const on = await this.sample();
      this.rounds++;
      for (const [unit, names] of on) if (names.length > 1) this.twice.push(`${unit} on ${names.join(', ')} at ${new Date().toISOString()}`);
    }
  }
}

describe('moves on a real 3-machine cluster', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let registry: EtcdRegistry;
  let stop: (() => Promise<void>) | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-moves-'));

  /** What each machine runs, the schedule and the schedulers' logs, for failure messages. */
  const detail = async (sampler: TwiceSampler): Promise<string> => {
    const snap = await registry.snapshot();
    const logs = await Promise.all(cluster.machines.map(async (m) => {
      const out = (await m.exec(['journalctl', '-u', AGENT_UNIT, '--no-pager', '-n', '300', '-o', 'cat'])).stdout;
      return `--- ${m.name} ${m.id}\n${out.split('\n').filter((l) => /scheduler|task|lease|cut off/.test(l)).slice(-60).join('\n')}`;
    }));
    return JSON.stringify({ running: [...(await sampler.sample())], schedule: [...snap.schedule], machines: snap.machines.map((m) => m.id) }) + '\n' + logs.join('\n');
  };
  const waitOrExplain = (what: string, check: () => Promise<true | undefined>, timeoutMs: number, sampler: TwiceSampler) =>
    waitUntil(what, check, { timeoutMs, intervalMs: 250 }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await detail(sampler)}`);
    });

  beforeAll(async () => {
    ({ cluster, registry, stop } = await startRegisteredCluster({ machines: 3, ttlSec: TTL_SEC, agentEnv: { FLOTILLA_REBALANCE_INTERVAL: '3' } }));
    cli = cliFor(cluster.cliEnv);
  });
  afterAll(async () => {
    await stop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // A machine that comes back just as its old lease expires registers again while the scheduler may not yet have
  // removed its assignments; its agent does not start those (they may be moved elsewhere at any moment) but hands
  // them back to the scheduler (docs/agent.md, "Returning after a lost lease"; test/cluster/agent-inherited.test.ts).
  test('a machine leaves and returns: units move away and back, never running on two machines', async () => {
    const files = UNITS.map((u) => {
      const file = path.join(dir, u);
      fs.writeFileSync(file, '[Service]\nExecStart=/bin/sleep infinity\nExecStop=/bin/sleep 2\n\n[X-Fleet]\nStopOnLeaseLoss=true\n');
      return file;
    });
    const sampler = new TwiceSampler(cluster.machines);
    try {
      expect((await cli(['start', ...files], { timeoutMs: 30_000 })).code).toBe(0);
      const leader = await registry.currentLeader();
      const victim = cluster.machines.find((m) => m.id !== leader)!;
      /** How many units the victim runs, once every unit runs somewhere (-1 before). */
      const onVictim = async () => {
        const on = await sampler.sample();
        return on.size === UNITS.length ? [...on.values()].filter((names) => names.includes(victim.name)).length : -1;
      };
      await waitOrExplain('all running, two on the victim', async () => ((await onVictim()) === 2 ? true : undefined), 30_000, sampler);
      await partition(victim);
      try {
        await waitOrExplain('all running elsewhere', async () => ((await onVictim()) === 0 ? true : undefined), 8 * TTL_SEC * 1000, sampler);
      } finally {
        await heal(victim);
      }
      await waitOrExplain('units moved back to the victim', async () => ((await onVictim()) === 2 ? true : undefined), 60_000, sampler);
    } finally {
      await sampler.stop();
    }
    expect(sampler.rounds).toBeGreaterThan(20);
    const lines = (await Promise.all(cluster.machines.map(async (m) => (await m.exec(['journalctl', '-u', AGENT_UNIT, '--no-pager', '-o', 'cat'])).stdout)))
      .flatMap((out) => out.split('\n').filter((l) => l.includes('"component":"scheduler"')).map((l) => JSON.parse(l) as LogLine))
      .sort((a, b) => a.time - b.time);
    expect(lines.filter((l) => l.kind === 'unassign' && l.reason?.startsWith('rebalance:')).length).toBeGreaterThanOrEqual(2);
    expect(movesOutOfOrder(lines)).toEqual([]);
    if (sampler.twice.length > 0) expect.fail(`ran twice:\n${sampler.twice.join('\n')}\n${await detail(sampler)}`);
  }, 240_000);
});

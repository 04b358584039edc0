/**
 * The agent under faults on real parts (etcd, 3 nspawn machines, real systemd, the agent inside each): every
 * claim is checked against each machine's own systemd (ActiveState, MainPID), never against what we publish.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EtcdRegistry } from '@flotilla/core';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { heal, killAgent, partition, restartAllEtcd, stopAllEtcd, AGENT_UNIT } from '../harness/faults.js';
import type { Machine } from '../harness/machines.js';
import { REASON_CUT_OFF } from '../../packages/agent/src/reconcile/lease-fence.js';
import { cliFor } from '../support/cli.js';
import { SystemdSampler } from '../support/systemd-sampler.js';

const TTL_SEC = 5;
const TEST_TIMEOUT_MS = 150_000;

describe('agent faults on a real 3-machine cluster', () => {
  let cluster: Cluster;
  let registry: EtcdRegistry;
  let cli: ReturnType<typeof cliFor>;
  const unitDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-agent-faults-'));

  /** unit → [machine, MainPID] for every machine whose systemd runs it. */
  const runningOn = async (unit: string) => {
    const shows = await Promise.all(cluster.machines.map(async (m) => [m, await m.systemctlShow(unit, ['ActiveState', 'MainPID'])] as const));
    return shows.filter(([, s]) => s.ActiveState === 'active').map(([m, s]) => ({ machine: m, pid: s.MainPID }));
  };
  const startUnits = async (prefix: string, count: number, extra = '') => {
    const names = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}.service`);
    const files = names.map((n) => {
      const file = path.join(unitDir, n);
      fs.writeFileSync(file, `[Service]\nExecStart=/bin/sleep infinity\n${extra}`);
      return file;
    });
    const r = await cli(['start', ...files], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`start: ${r.stdout}${r.stderr}\n${await agentLogs()}`);
    return names;
  };
  /** Where each unit runs now; fails unless each runs exactly once. */
  const placement = async (units: string[]) => {
    const out = new Map<string, { machine: Machine; pid: string | undefined }>();
    for (const u of units) {
      const on = await runningOn(u);
      expect(on.map((o) => o.machine.name), `${u} runs exactly once`).toHaveLength(1);
      out.set(u, on[0]!);
    }
    return out;
  };
  /** The agents' own logs (task results, warnings), for failure messages. */
  const agentLogs = async () => {
    const logs = await Promise.all(cluster.machines.map(async (m) => {
      const out = (await m.exec(['journalctl', '-u', AGENT_UNIT, '--no-pager', '-n', '200', '-o', 'cat'])).stdout;
      const lines = out.split('\n').filter((l) => /task|assign|regist|lease|warn|"level":[45]/.test(l));
      return `--- ${m.name}\n${lines.slice(-40).join('\n')}`;
    }));
    return logs.join('\n');
  };
  const registered = async (machine: Machine) => (await registry.listMachines()).some((m) => m.id === machine.id);

  beforeAll(async () => {
    cluster = await startCluster({ machines: 3, ttlSec: TTL_SEC });
    cli = cliFor(cluster.cliEnv);
    registry = await EtcdRegistry.connect(cluster.registryOptions);
    await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000 }).catch(async (err) => {
      const logs = await Promise.all(cluster.machines.map(async (m) => `--- ${m.name}\n${(await m.exec(['journalctl', '-u', AGENT_UNIT, '--no-pager', '-n', '15', '-o', 'cat'])).stdout}`));
      throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
    });
  }, 120_000);
  afterAll(async () => {
    await registry?.close();
    await cluster?.stop();
    fs.rmSync(unitDir, { recursive: true, force: true });
  });

  // Needs core: a restarted agent must resume its previous lease (registerMachine is create-only, so the new
  // agent can only register once the old lease has expired, and by then the scheduler has moved its units).
  // See docs/agent.md, "Restart and adoption". Adoption itself is tested against real systemd in
  // packages/agent/src/agent.ownership.systemd.test.ts.
  test('kill -9 of an agent: it comes back, adopts its units, same PIDs, nothing ran twice', async () => {
    const units = await startUnits('adopt', 6);
    const before = await placement(units);
    const victim = [...before.values()][0]!.machine;
    const agentPid = (await victim.systemctlShow(AGENT_UNIT, ['MainPID'])).MainPID;
    await killAgent(victim);
    await waitUntil('agent restarted', async () => {
      const s = await victim.systemctlShow(AGENT_UNIT, ['MainPID', 'ActiveState']);
      return s.ActiveState === 'active' && s.MainPID !== agentPid && s.MainPID !== '0' ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    // The new agent's own registration (a new startedAt), and its states published under its new lease.
    const killedAt = Date.now();
    const startedAt = await waitUntil('agent registered again', async () => {
      const record = (await registry.listMachines()).find((m) => m.id === victim.id);
      return record !== undefined && record.startedAt >= killedAt - 1000 ? record.startedAt : undefined;
    }, { timeoutMs: 6 * TTL_SEC * 1000, intervalMs: 200 });
    const mine = units.filter((u) => before.get(u)!.machine === victim);
    await waitUntil('states republished by the new agent', async () => {
      const states = (await registry.listStates()).filter((s) => s.machineId === victim.id && s.updatedAt >= startedAt);
      return mine.every((u) => states.some((s) => s.unit === u && s.activeState === 'active')) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await agentLogs()}`);
    });
    expect(await placement(units)).toEqual(before);
  }, TEST_TIMEOUT_MS);

  test('every etcd member down for 2×TTL: no unit restarted anywhere, and nothing started twice after', async () => {
    const units = await startUnits('etcdloss', 6);
    const before = await placement(units);
    await stopAllEtcd(cluster.etcd);
    try {
      // 2×TTL without etcd, checked on systemd throughout (a wait with a deadline, not a sleep).
      const until = Date.now() + 2 * TTL_SEC * 1000;
      while (Date.now() < until) expect(await placement(units)).toEqual(before);
    } finally {
      await restartAllEtcd(cluster.etcd);
    }
    await waitUntil('3 agents back', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    await waitUntil('states republished', async () => {
      const states = await registry.listStates();
      return units.every((u) => states.some((s) => s.unit === u && s.activeState === 'active')) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(await placement(units)).toEqual(before);
  }, TEST_TIMEOUT_MS);

  test('a machine cut off: its units run elsewhere; back, it stops them at once: each runs exactly once', async () => {
    const units = await startUnits('cut', 6);
    const before = await placement(units);
    const victim = [...before.values()][0]!.machine;
    const victims = units.filter((u) => before.get(u)!.machine === victim);
    await partition(victim);
    try {
      await waitUntil('units moved elsewhere', async () => {
        const moved = await Promise.all(victims.map(async (u) => (await runningOn(u)).some((o) => o.machine !== victim)));
        return moved.every(Boolean) ? true : undefined;
      }, { timeoutMs: 6 * TTL_SEC * 1000, intervalMs: 250 });
    } finally {
      await heal(victim);
    }
    const healedAt = Date.now();
    // Back on etcd = registered again (host-side poll); the gRPC channel itself reconnects with a back-off ≤ 2 s.
    const backAt = waitUntil('victim registered again', async () => ((await registered(victim)) ? Date.now() : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    // The victim's own copies (its pre-cut processes) must go; the scheduler may later move units back to it
    // (rebalance), which starts new processes, so we look for the old PIDs, not for the names.
    const stoppedAt = await waitUntil('victim stopped its old copies', async () => {
      const shows = await Promise.all(victims.map((u) => victim.systemctlShow(u, ['ActiveState', 'MainPID'])));
      return shows.some((s, i) => s.ActiveState === 'active' && s.MainPID === before.get(victims[i]!)!.pid) ? undefined : Date.now();
    }, { timeoutMs: 30_000, intervalMs: 50 }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\nvictim ${victim.name}\n${await agentLogs()}`);
    });
    const reconnectedAt = await backAt;
    expect(stoppedAt - reconnectedAt, `stopped ${stoppedAt - healedAt} ms after the link came back, registered after ${reconnectedAt - healedAt} ms`).toBeLessThan(1000);
    expect(stoppedAt - healedAt).toBeLessThan(5000);
    // Settled (a rebalancing move overlaps for a few ms: the scheduler's business), every unit runs exactly once.
    const exactlyOnce = async () => {
      const counts = await Promise.all(units.map(async (u) => (await runningOn(u)).length));
      return counts.every((n) => n === 1) ? true : undefined;
    };
    await waitUntil('each unit runs exactly once', exactlyOnce, { timeoutMs: 30_000, intervalMs: 250 }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await agentLogs()}`);
    });
  }, TEST_TIMEOUT_MS);

  test('[X-Fleet] StopOnLeaseLoss=true: a cut-off machine stops the unit before it can start elsewhere', async () => {
    const [unit] = await startUnits('never-twice', 1, '\n[X-Fleet]\nStopOnLeaseLoss=true\n');
    const victim = (await placement([unit!])).get(unit!)!.machine;
    await partition(victim);
    let victimStoppedAt = 0;
    let elsewhereAt = 0;
    try {
      // Watch systemd on every machine until the unit runs elsewhere: it may never run on two at once.
      await waitUntil('unit stopped on the victim and running elsewhere', async () => {
        const on = await runningOn(unit!);
        expect(on.length, `${unit} on ${on.map((o) => o.machine.name).join(', ')}`).toBeLessThanOrEqual(1);
        if (!on.some((o) => o.machine === victim)) victimStoppedAt ||= Date.now();
        if (on.some((o) => o.machine !== victim)) elsewhereAt ||= Date.now();
        return elsewhereAt ? true : undefined;
      }, { timeoutMs: 6 * TTL_SEC * 1000, intervalMs: 100 });
    } finally {
      await heal(victim);
    }
    expect(victimStoppedAt).toBeGreaterThan(0);
    expect(victimStoppedAt).toBeLessThan(elsewhereAt);
    // The victim's log says why it stopped the unit (the fence), not that its desired state became `loaded`.
    const journal = (await victim.exec(['journalctl', '-u', AGENT_UNIT, '--no-pager', '-o', 'cat'])).stdout;
    const stops = journal.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'task Stop done' && l.unit === unit);
    expect(stops[0]).toMatchObject({ reason: REASON_CUT_OFF });
    await waitUntil('exactly once after the heal', async () => ((await runningOn(unit!)).length === 1 ? true : undefined), { timeoutMs: 30_000, intervalMs: 250 });
  }, TEST_TIMEOUT_MS);
  // The chaos suite saw the other half of the cut-off: the link back, the machine registering again (or still
  // counting its expired lease as held), its mirror and its contact verdict catching up. Each round partitions the
  // unit's machine: under 2 x TTL (the agent still counts its lease as held when the link returns, though etcd
  // expired it and the unit runs elsewhere) and over it (the agent has judged the lease lost and registers again).
  test('[X-Fleet] StopOnLeaseLoss=true: cut off past the lease, back again: never on two machines, sampled on every systemd', async () => {
    const [unit] = await startUnits('solo-back', 1, '\n[X-Fleet]\nStopOnLeaseLoss=true\n');
    await startUnits('solo-side', 3); // company, so the returning machine has units to drop as well
    const sampler = new SystemdSampler(cluster.machines, [unit!]);
    const rounds: string[] = [];
    try {
      for (const cutMs of [1.6 * TTL_SEC * 1000, 2 * TTL_SEC * 1000 + 3000]) {
        const host = (await placement([unit!])).get(unit!)!.machine;
        await partition(host);
        try {
          await new Promise((resolve) => setTimeout(resolve, cutMs));
        } finally {
          await heal(host);
        }
        await waitUntil(`${host.name} registered again`, async () => ((await registered(host)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
        const now = await waitUntil('the unit runs exactly once', async () => {
          const on = await runningOn(unit!);
          return on.length === 1 ? on[0]!.machine.name : undefined;
        }, { timeoutMs: 30_000, intervalMs: 100 });
        // Sampling goes on while the returning agent acts on what it learns (its watch, its contact verdicts).
        await new Promise((resolve) => setTimeout(resolve, 3000));
        rounds.push(`${host.name} cut for ${cutMs} ms; now on ${now}`);
      }
    } finally {
      await sampler.stop();
    }
    expect(sampler.twice, `${rounds.join('; ')}\n${await agentLogs()}`).toEqual([]);
    expect(sampler.rounds).toBeGreaterThan(0);
  }, TEST_TIMEOUT_MS);
});

/**
 * A machine's life without double runs, on four real machines running the shipped agent service: restarting the
 * agent (also while a move of one of its units is in flight) changes nothing anywhere; stopping it moves its
 * units with stop-before-start (fleet's TestNodeShutdown and TestDynamicClusterNewMemberUnitMigration); cordon
 * and drain; losing a machine moves exactly its unit (fleet's TestDynamicClusterMemberReboot). Every claim is
 * checked by asking each machine's systemd (test/support/systemd-sampler.ts), sampled every 150 ms (a round
 * late by over 250 ms now and then under load is allowed: `sampledOftenEnough`), and from systemd's journals.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { AGENT_UNIT } from '../harness/faults.js';
import type { Machine } from '../harness/machines.js';
import { cliFor } from '../support/cli.js';
import { startRegisteredCluster } from '../support/registered-cluster.js';
import { sampledOftenEnough, SLOW_GAP_MS, SystemdSampler } from '../support/systemd-sampler.js';
import { moveGapMs, unitTimes } from '../support/unit-journal.js';

const TTL_SEC = 10;
const PLAIN = Array.from({ length: 6 }, (_, i) => `life-${i + 1}.service`);
const CONFLICTING = ['conf@1.service', 'conf@2.service', 'conf@3.service'];
const TEMPLATED = ['tpl@1.service', 'tpl@2.service', 'tpl@3.service', 'tpl@4.service'];
const GLOBAL = 'glob.service';
const MOVER = 'mover.service';
const PACED = ['pace@1.service', 'pace@2.service', 'pace@3.service'];
const ALL = [...PLAIN, ...CONFLICTING, ...TEMPLATED, MOVER];

describe('machine lifecycle on a real 4-machine cluster', () => {
  let cluster: Cluster;
  let registry: EtcdRegistry;
  let cli: ReturnType<typeof cliFor>;
  let stop: (() => Promise<void>) | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lifecycle-'));

  const byId = (id: string) => cluster.machines.find((m) => m.id === id)!;
  /** unit → MainPID on the machine that runs it, from each machine's systemd. */
  const mainPids = async (machines: readonly Machine[] = cluster.machines): Promise<Map<string, string>> => {
    const pids = new Map<string, string>();
    await Promise.all(
      machines.map(async (m) => {
        const r = await m.exec(['systemctl', 'show', '-p', 'Id', '-p', 'MainPID', '-p', 'ActiveState', ...ALL, GLOBAL], { timeoutMs: 10_000 });
        for (const block of r.stdout.trim().split('\n\n')) {
          const f = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
          if (f.ActiveState === 'active' && f.Id) pids.set(`${f.Id}@${m.name}`, f.MainPID ?? '');
        }
      }),
    );
    return pids;
  };
  const schedule = async () => new Map([...(await registry.snapshot()).schedule].sort());
  /** Every non-global unit active on exactly one machine (asked of systemd) and the global one on every live machine. */
  const settled = async (machines: readonly Machine[] = cluster.machines): Promise<true | undefined> => {
    const sampler = new SystemdSampler(machines, [...ALL, GLOBAL]);
    const { running, active } = await sampler.sample();
    await sampler.stop();
    const once = ALL.every((u) => active.has(u) && running.get(u)?.length === 1);
    return once && running.get(GLOBAL)?.length === machines.length ? true : undefined;
  };
  const agentRestarted = async (m: Machine, startedBefore: number) =>
    waitUntil(`${m.name}'s new agent registered`, async () => ((await registry.listMachines()).find((r) => r.id === m.id && r.startedAt > startedBefore) ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
  const unitFile = (name: string, body: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    return file;
  };

  beforeAll(async () => {
    ({ cluster, registry, stop } = await startRegisteredCluster({ machines: 4, ttlSec: TTL_SEC, leader: true, agentEnv: { FLOTILLA_REBALANCE_INTERVAL: '3600' } }));
    cli = cliFor(cluster.cliEnv);
    for (const u of PLAIN) unitFile(u, '[Service]\nExecStart=/bin/sleep infinity\n');
    unitFile('conf@.service', '[Service]\nExecStart=/bin/sleep infinity\n\n[X-Fleet]\nConflicts=conf@*\n');
    unitFile('tpl@.service', '[Service]\nExecStart=/bin/sleep infinity\n');
    unitFile('pace@.service', '[Service]\nExecStart=/bin/sleep infinity\n');
    unitFile(GLOBAL, '[Service]\nExecStart=/bin/sleep infinity\n\n[X-Fleet]\nGlobal=true\n');
    // Slow to stop, and placed by dynamic metadata: changing the metadata starts a move that lasts 3 s.
    unitFile(MOVER, '[Service]\nExecStart=/bin/sleep infinity\nExecStop=/bin/sleep 3\n\n[X-Fleet]\nMachineMetadata=mover=yes\n');
    await registry.patchMachineMetadata([{ machineId: cluster.machines[0]!.id, key: 'mover', value: 'yes' }]);
    // Instances come from their template file beside them (units/web@.service → web@1.service), as fleetctl.
    const started = await cli(['start', ...[...PLAIN, ...CONFLICTING, ...TEMPLATED, GLOBAL, MOVER].map((n) => path.join(dir, n))], { timeoutMs: 60_000 });
    expect(started.code, started.stderr).toBe(0);
    await waitUntil('every unit active once, the global one everywhere', () => settled(), { timeoutMs: 60_000, intervalMs: 250 });
  });

  afterAll(async () => {
    await stop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('systemctl restart flotilla-agent: no unit stopped, restarted or rescheduled anywhere (same MainPIDs)', async () => {
    const snap = await registry.snapshot();
    const counts = new Map<string, number>();
    for (const id of snap.schedule.values()) counts.set(id, (counts.get(id) ?? 0) + 1);
    const busiest = byId([...counts].sort((a, b) => b[1] - a[1])[0]![0]);
    const pidsBefore = await mainPids();
    const scheduleBefore = await schedule();
    const startedBefore = (await registry.listMachines()).find((m) => m.id === busiest.id)!.startedAt;
    const sampler = new SystemdSampler(cluster.machines, ALL);
    try {
      const r = await busiest.exec(['systemctl', 'restart', AGENT_UNIT], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      await agentRestarted(busiest, startedBefore);
      // The new agent has read its assignments and published every state again under its lease.
      await waitUntil('states republished', async () => ((await registry.listStates()).filter((s) => s.machineId === busiest.id).length >= counts.get(busiest.id)! ? true : undefined), {
        timeoutMs: 20_000,
        intervalMs: 200,
      });
    } finally {
      await sampler.stop();
    }
    expect(await mainPids()).toEqual(pidsBefore);
    expect(await schedule()).toEqual(scheduleBefore);
    expect(sampler.twice).toEqual([]);
    expect(sampler.down).toEqual([]);
    expect(sampledOftenEnough(sampler), `${sampler.slowGaps} of ${sampler.rounds} gaps over ${SLOW_GAP_MS} ms, longest ${sampler.maxGapMs} ms`).toBe(true);
  });

  test('an agent restarts while a move of one of its units is in flight: never on two machines, the move completes', async () => {
    const [from, to] = [cluster.machines[0]!, cluster.machines[1]!];
    expect((await registry.snapshot()).schedule.get(MOVER)).toBe(from.id);
    const othersOnFrom = [...(await mainPids([from]))].filter(([key]) => !key.startsWith(MOVER));
    const startedBefore = (await registry.listMachines()).find((m) => m.id === from.id)!.startedAt;
    const sampler = new SystemdSampler(cluster.machines, ALL);
    try {
      await registry.patchMachineMetadata([
        { machineId: from.id, key: 'mover' },
        { machineId: to.id, key: 'mover', value: 'yes' },
      ]);
      // The scheduler unassigns it from `from`, whose agent is now in the 3 s ExecStop: restart that agent.
      await waitUntil('mover.service stopping', async () => ((await from.systemctlShow(MOVER, ['ActiveState'])).ActiveState === 'deactivating' ? true : undefined), {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      const r = await from.exec(['systemctl', 'restart', AGENT_UNIT], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      await agentRestarted(from, startedBefore);
      await waitUntil('mover.service active on the new machine', async () => ((await to.systemctlShow(MOVER, ['ActiveState'])).ActiveState === 'active' ? true : undefined), {
        timeoutMs: 45_000,
        intervalMs: 250,
      });
    } finally {
      await sampler.stop();
    }
    expect(sampler.twice).toEqual([]);
    expect((await from.systemctlShow(MOVER, ['ActiveState'])).ActiveState).not.toBe('active');
    const after = await mainPids([from]);
    for (const [key, pid] of othersOnFrom) expect(after.get(key), key).toBe(pid);
  });

  test('systemctl stop flotilla-agent: its units stop there, then run elsewhere, never on two machines; others do not churn (fleet TestNodeShutdown, TestDynamicClusterNewMemberUnitMigration)', async () => {
    // Every machine may run the mover now, so all the victim's units can go elsewhere.
    await registry.patchMachineMetadata(cluster.machines.map((m) => ({ machineId: m.id, key: 'mover', value: 'yes' })));
    const snap = await registry.snapshot();
    const leader = await registry.currentLeader();
    // A machine with one of the three mutually conflicting units: with four machines, one is free of them.
    const victim = byId(CONFLICTING.map((u) => snap.schedule.get(u)!).find((id) => id !== leader)!);
    const onVictim = [...snap.schedule].filter(([, id]) => id === victim.id).map(([u]) => u);
    const movedConf = onVictim.filter((u) => CONFLICTING.includes(u));
    expect(movedConf).toHaveLength(1);
    const others = cluster.machines.filter((m) => m !== victim);
    const pidsElsewhere = await mainPids(others);
    try {
      const sampler = new SystemdSampler(cluster.machines, ALL);
      try {
        const r = await victim.exec(['systemctl', 'stop', AGENT_UNIT], { timeoutMs: 90_000 });
        expect(r.code, r.stderr).toBe(0);
        await waitUntil('every unit active once, on the other machines', () => settled(others), { timeoutMs: 30_000, intervalMs: 250 });
      } finally {
        await sampler.stop();
      }
      expect(sampler.twice).toEqual([]);
      expect(sampledOftenEnough(sampler), `${sampler.slowGaps} of ${sampler.rounds} gaps over ${SLOW_GAP_MS} ms, longest ${sampler.maxGapMs} ms`).toBe(true);
      // TestNodeShutdown: the machine and every state it published are gone; its systemd runs none of our units.
      expect((await registry.listMachines()).map((m) => m.id)).not.toContain(victim.id);
      expect((await registry.listStates()).filter((s) => s.machineId === victim.id)).toEqual([]);
      const { running } = await new SystemdSampler([victim], [...ALL, GLOBAL]).sample();
      expect([...running.keys()]).toEqual([]);
      // TestDynamicClusterNewMemberUnitMigration: its conflicting unit went to the free machine; nothing else moved.
      const after = await mainPids(others);
      for (const [key, pid] of pidsElsewhere) expect(after.get(key), key).toBe(pid);
      // Stop-before-start to the microsecond, from systemd's own journals: each unit's start on its new machine came
      // after its stop on the old one, and the gap (its downtime) is bounded.
      const now = await registry.snapshot();
      const gaps = await Promise.all(onVictim.map(async (u) => [u, await moveGapMs(u, victim, byId(now.schedule.get(u)!))] as const));
      console.info(`agent stop: downtime per moved unit (systemd's stop there → start elsewhere): ${gaps.map(([u, ms]) => `${u} ${ms?.toFixed(0)} ms`).join(', ')}`);
      for (const [u, ms] of gaps) {
        expect(ms, u).toBeGreaterThan(0);
        expect(ms, u).toBeLessThan(15_000);
      }
    } finally {
      // Back, also when a check above failed (the later tests need all four machines): the machine joins again and
      // gets its global unit.
      const r = await victim.exec(['systemctl', 'start', AGENT_UNIT], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      await waitUntil('the machine is back, with its global unit', () => settled(), { timeoutMs: 30_000, intervalMs: 250 });
    }
  });

  test('cordon: no new unit there, what runs stays; drain: units leave one template instance at a time, global units stay', async () => {
    const target = cluster.machines[3]!;
    const rest = cluster.machines.slice(0, 3);
    const pidsOnRest = await mainPids(rest);
    for (const m of rest) {
      const r = await cli(['cordon', m.name]);
      expect(r.code, r.stderr).toBe(0);
    }
    // Every other machine cordoned: three instances of one template can only land on the target.
    const started = await cli(['start', ...PACED.map((n) => path.join(dir, n))], { timeoutMs: 60_000 });
    expect(started.code, started.stderr).toBe(0);
    const snap = await registry.snapshot();
    expect(PACED.map((u) => snap.schedule.get(u))).toEqual(PACED.map(() => target.id));
    expect(await mainPids(rest)).toEqual(pidsOnRest);
    for (const m of rest) expect((await cli(['uncordon', m.name])).code).toBe(0);

    const onTarget = [...snap.schedule].filter(([, id]) => id === target.id).map(([u]) => u);
    const sampler = new SystemdSampler(cluster.machines, [...ALL, ...PACED]);
    let drained;
    try {
      drained = await cli(['drain', target.name, '--deadline', '2m'], { timeoutMs: 150_000 });
    } finally {
      await sampler.stop();
    }
    try {
      await checkDrained();
    } finally {
      // Schedulable again, also when a check failed: the next test needs room on every machine.
      expect((await cli(['uncordon', target.name])).code).toBe(0);
    }
    const relisted = await cli(['list-machines', '--fields', 'machine,state', '--full', '--no-legend']);
    expect(relisted.stdout).toMatch(new RegExp(`${target.id}\\s+schedulable`));

    async function checkDrained(): Promise<void> {
      expect(drained!.code, drained!.stderr + drained!.stdout).toBe(0);
      expect(drained!.stdout).toMatch(new RegExp(`drained: ${onTarget.length} units? moved, 1 global units? left`));
      expect(sampler.twice).toEqual([]);
      expect(sampledOftenEnough(sampler), `${sampler.slowGaps} of ${sampler.rounds} gaps over ${SLOW_GAP_MS} ms, longest ${sampler.maxGapMs} ms`).toBe(true);
      // At most one instance of a template down at any sample. A move's gap can be shorter than one sampling
      // round, so the journals say it exactly: each pace@ instance's downtime (its stop on the target → its start
      // on its new machine) is positive, and no two of them overlap.
      for (const [template, most] of sampler.templateDown) expect(most, template).toBeLessThanOrEqual(1);
      const placed = await registry.snapshot();
      const downtimes = await Promise.all(PACED.map(async (u) => {
        const [stopped, started] = await Promise.all([unitTimes(target, u), unitTimes(byId(placed.schedule.get(u)!), u)]);
        return { u, from: stopped.stopped.at(-1)!, to: started.started.at(-1)! };
      }));
      downtimes.sort((a, b) => a.from - b.from);
      for (const [i, d] of downtimes.entries()) {
        expect(d.to - d.from, d.u).toBeGreaterThan(0);
        if (i > 0) expect(d.from, `${d.u} stopped before ${downtimes[i - 1]!.u} was up again`).toBeGreaterThanOrEqual(downtimes[i - 1]!.to);
      }
      const { running } = await new SystemdSampler([target], [...ALL, ...PACED, GLOBAL]).sample();
      expect([...running.keys()]).toEqual([GLOBAL]);
      const listed = await cli(['list-machines', '--fields', 'machine,state', '--full', '--no-legend']);
      expect(listed.stdout).toMatch(new RegExp(`${target.id}\\s+drained`));
    }
  });

  test('a machine is lost for good: exactly its units move (fleet TestDynamicClusterMemberReboot)', async () => {
    const snap = await registry.snapshot();
    const leader = await registry.currentLeader();
    const victim = byId(CONFLICTING.map((u) => snap.schedule.get(u)!).find((id) => id !== leader)!);
    const others = cluster.machines.filter((m) => m !== victim);
    const onVictim = [...snap.schedule].filter(([, id]) => id === victim.id).map(([u]) => u);
    const pidsElsewhere = await mainPids(others);
    const sampler = new SystemdSampler(others, ALL);
    try {
      await victim.kill();
      await waitUntil('every unit active once, on the other machines', () => settled(others), { timeoutMs: (TTL_SEC + 20) * 1000, intervalMs: 250 });
    } finally {
      await sampler.stop();
    }
    expect(sampler.twice).toEqual([]);
    const after = await mainPids(others);
    for (const [key, pid] of pidsElsewhere) expect(after.get(key), key).toBe(pid);
    const moved = [...(await registry.snapshot()).schedule].filter(([u, id]) => snap.schedule.get(u) !== id).map(([u]) => u).sort();
    expect(moved).toEqual([...onVictim].sort());
  });
});

/**
 * A machine's life with 100 units on 3 real machines (real etcd, nspawn machines running the shipped agent
 * service), every machine's systemd sampled at least every 250 ms (test/support/systemd-sampler.ts):
 * - `systemctl restart flotilla-agent` on the busiest machine: units whose MainPID changed anywhere, schedule changes;
 * - `systemctl stop flotilla-agent` on a machine that does not lead: each of its units' downtime (active nowhere)
 *   p50/max, and sampling rounds that saw a unit running on two machines;
 * - `flotilla drain`: the other two machines are drained onto the third, then the third (100 units) is drained:
 *   wall time of that last `flotilla drain` command, and double-active rounds throughout.
 * Usage: npm run bench -- machine-lifecycle [UNITS=100]
 */
import { EtcdRegistry, parseUnitFile } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import { AGENT_UNIT } from '../test/harness/faults.js';
import type { Machine } from '../test/harness/machines.js';
import { cliFor } from '../test/support/cli.js';
import { SystemdSampler } from '../test/support/systemd-sampler.js';
import { moveGapMs } from '../test/support/unit-journal.js';
import { figure, percentile } from './stats.js';

const UNITS = Number(process.argv[2] ?? 100);
const names = Array.from({ length: UNITS }, (_, i) => `lc-${i + 1}.service`);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const cluster = await startCluster({ machines: 3, ttlSec: 10, log, agentEnv: { FLOTILLA_REBALANCE_INTERVAL: '3600' } });
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const cli = cliFor(cluster.cliEnv);

/** unit → "machine:MainPID" of its active copy, from every machine's systemd. */
async function mainPids(machines: readonly Machine[]): Promise<Map<string, string>> {
  const pids = new Map<string, string>();
  await Promise.all(
    machines.map(async (m) => {
      const r = await m.exec(['systemctl', 'show', '-p', 'Id', '-p', 'MainPID', '-p', 'ActiveState', ...names], { timeoutMs: 20_000 });
      for (const block of r.stdout.trim().split('\n\n')) {
        const f = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        if (f.ActiveState === 'active' && f.Id) pids.set(f.Id, `${m.name}:${f.MainPID}`);
      }
    }),
  );
  return pids;
}

/** Every unit active on exactly one of `machines`, asked of their systemd. */
async function allActiveOnce(machines: readonly Machine[]): Promise<true | undefined> {
  const probe = new SystemdSampler(machines, names);
  const { running, active } = await probe.sample();
  await probe.stop();
  return names.every((n) => active.has(n) && running.get(n)?.length === 1) ? true : undefined;
}

async function restartedAgent(m: Machine, startedBefore: number): Promise<void> {
  await waitUntil(`${m.name}'s new agent`, async () => ((await registry.listMachines()).some((r) => r.id === m.id && r.startedAt > startedBefore) ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 100,
  });
}

try {
  await waitUntil('3 agents and a leader', async () => ((await registry.listMachines()).length === 3 && (await registry.currentLeader()) ? true : undefined), { timeoutMs: 90_000 });
  for (const name of names) await registry.submitUnit({ name, options: parseUnitFile('[Service]\nExecStart=/bin/sleep infinity\n', name) });
  await Promise.all(names.map((n) => registry.setDesiredState(n, 'launched')));
  await waitUntil('all active once', () => allActiveOnce(cluster.machines), { timeoutMs: 180_000, intervalMs: 500 });

  // 1. Restart.
  {
    const snap = await registry.snapshot();
    const counts = new Map<string, number>();
    for (const id of snap.schedule.values()) counts.set(id, (counts.get(id) ?? 0) + 1);
    const busiest = cluster.machines.find((m) => m.id === [...counts].sort((a, b) => b[1] - a[1])[0]![0])!;
    const before = await mainPids(cluster.machines);
    const startedBefore = (await registry.listMachines()).find((m) => m.id === busiest.id)!.startedAt;
    const sampler = new SystemdSampler(cluster.machines, names);
    const t0 = performance.now();
    await busiest.exec(['systemctl', 'restart', AGENT_UNIT], { timeoutMs: 60_000 });
    await restartedAgent(busiest, startedBefore);
    const mine = counts.get(busiest.id)!;
    await waitUntil('states republished', async () => ((await registry.listStates()).filter((s) => s.machineId === busiest.id).length >= mine ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
    const back = performance.now() - t0;
    await sampler.stop();
    const after = await mainPids(cluster.machines);
    const changed = names.filter((n) => before.get(n) !== after.get(n)).length;
    const moved = [...(await registry.snapshot()).schedule].filter(([u, id]) => snap.schedule.get(u) !== id).length;
    figure('agent_restart_units_on_machine', mine, 'count');
    figure('agent_restart_units_restarted', changed, 'count');
    figure('agent_restart_schedule_changes', moved, 'count');
    figure('agent_restart_double_active_samples', sampler.twice.length, 'count');
    figure('agent_restart_back_ms', Math.round(back), 'ms');
  }

  // 2. Stop for good (then start again).
  {
    const snap = await registry.snapshot();
    const leader = await registry.currentLeader();
    const victim = cluster.machines.find((m) => m.id !== leader)!;
    const others = cluster.machines.filter((m) => m !== victim);
    const onVictim = [...snap.schedule].filter(([, id]) => id === victim.id).map(([u]) => u);
    const sampler = new SystemdSampler(cluster.machines, names);
    const t0 = performance.now();
    await victim.exec(['systemctl', 'stop', AGENT_UNIT], { timeoutMs: 120_000 });
    const stopMs = performance.now() - t0;
    await waitUntil('all active once on the others', () => allActiveOnce(others), { timeoutMs: 120_000, intervalMs: 100 });
    const allBack = performance.now() - t0;
    await sampler.stop();
    // Downtime from systemd's journals: the unit's stop on the victim → its start on the machine it runs on now.
    const now = await registry.snapshot();
    const gaps = await Promise.all(onVictim.map((u) => moveGapMs(u, victim, cluster.machines.find((m) => m.id === now.schedule.get(u))!)));
    const downtimes = gaps.map((g) => g ?? NaN);
    figure('agent_stop_units_moved', onVictim.length, 'count');
    figure('agent_stop_units_moved_ms_p50', percentile(downtimes, 50), 'ms');
    figure('agent_stop_units_moved_ms_max', Math.max(...downtimes), 'ms');
    figure('agent_stop_units_started_before_stopped', downtimes.filter((g) => !(g > 0)).length, 'count');
    figure('agent_stop_double_active_samples', sampler.twice.length, 'count');
    figure('agent_stop_systemctl_ms', Math.round(stopMs), 'ms');
    figure('agent_stop_all_active_elsewhere_ms', Math.round(allBack), 'ms');
    figure('agent_stop_sample_gap_max', sampler.maxGapMs, 'ms');
    await victim.exec(['systemctl', 'start', AGENT_UNIT], { timeoutMs: 60_000 });
    await waitUntil('3 agents again', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000 });
  }

  // 3. Drain: everything onto one machine, then that machine (UNITS units) off again.
  {
    const [a, b, c] = cluster.machines as [Machine, Machine, Machine];
    const sampler = new SystemdSampler(cluster.machines, names);
    const run = async (args: string[]) => {
      const r = await cli(args, { timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`flotilla ${args.join(' ')}: ${r.stderr}${r.stdout}`);
      return r;
    };
    await run(['cordon', b.name]);
    await run(['drain', a.name]);
    await run(['uncordon', b.name]);
    await run(['drain', b.name]);
    await run(['uncordon', a.name]);
    await run(['uncordon', b.name]);
    const onC = [...(await registry.snapshot()).schedule].filter(([, id]) => id === c.id).length;
    const t0 = performance.now();
    const last = await run(['drain', c.name]);
    const drainMs = performance.now() - t0;
    await sampler.stop();
    log(last.stdout.trim().split('\n').at(-1) ?? '');
    figure('drain_units', onC, 'count');
    figure(`drain_${UNITS}_units_ms`, Math.round(drainMs), 'ms');
    figure('drain_double_active_samples', sampler.twice.length, 'count');
    figure('drain_sample_gap_max', sampler.maxGapMs, 'ms');
  }
} finally {
  await registry.close();
  await cluster.stop();
}

/**
 * 200 units started at once on one machine (real etcd, one nspawn machine with real systemd and the agent
 * inside): time from setting all desired states (concurrently) until the leader has scheduled them all
 * (`burst_scheduled`) and until the agent has published every unit active (`burst_all_active`), and how many
 * systemd daemon-reloads and starts the agent did for it, counted from its own task log. ROUNDS rounds in one
 * sitting (fresh names each; the previous round's units are destroyed and gone first); the times are medians,
 * and each round prints the agent's timeline (bench/support/agent-timeline.ts).
 * Usage: npm run bench -- agent-burst [UNITS=200] [ROUNDS=1]
 */
import { EtcdRegistry, parseUnitFile } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import { agentTaskCounts } from './support/agent-log.js';
import { agentTimeline, describeTimeline } from './support/agent-timeline.js';
import { describeCpu, machineCpu } from './support/machine-cpu.js';
import { figure, percentile } from './stats.js';

const UNITS = Number(process.argv[2] ?? 200);
const ROUNDS = Number(process.argv[3] ?? 1);
const DEADLINE_MS = 180_000;
const cluster = await startCluster({ machines: 1, ttlSec: 10, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const machine = cluster.machines[0]!;

interface Round {
  scheduled: number;
  allActive: number;
  reloads: number;
  starts: number;
  activeInSystemd: number;
}

async function round(tag: string): Promise<Round> {
  const prefix = `burst-${tag}-`;
  const names = Array.from({ length: UNITS }, (_, i) => `${prefix}${i + 1}.service`);
  for (const name of names) {
    await registry.submitUnit({ name, options: parseUnitFile(`[Service]\nExecStart=/bin/sleep infinity\n`, name) });
  }
  const before = await agentTaskCounts(machine);
  const cpuBefore = await machineCpu(machine);
  const wallT0 = Date.now();
  const t0 = performance.now();
  await Promise.all(names.map((n) => registry.setDesiredState(n, 'launched')));
  let scheduled: number | undefined;
  const allActive = await waitUntil('all active', async () => {
    if (scheduled === undefined) {
      const placed = [...(await registry.snapshot()).schedule.keys()].filter((u) => u.startsWith(prefix)).length;
      if (placed === UNITS) scheduled = performance.now() - t0;
    }
    const active = (await registry.listStates()).filter((s) => s.unit.startsWith(prefix) && s.activeState === 'active').length;
    return active === UNITS ? performance.now() - t0 : undefined;
  }, { timeoutMs: DEADLINE_MS, intervalMs: 50 });
  const cpuAfter = await machineCpu(machine);
  const after = await agentTaskCounts(machine);
  const running = (await machine.exec(['sh', '-c', `systemctl list-units --no-legend --state=active '${prefix}*' | wc -l`])).stdout.trim();
  process.stderr.write(`bench:   ${describeTimeline(machine.name, await agentTimeline(machine, wallT0, prefix))}\n`);
  process.stderr.write(`bench:   CPU in the machine during the burst: ${describeCpu(cpuBefore, cpuAfter)}\n`);
  return {
    scheduled: scheduled ?? allActive,
    allActive,
    reloads: (after.Reload ?? 0) - (before.Reload ?? 0),
    starts: (after.Start ?? 0) - (before.Start ?? 0),
    activeInSystemd: Number(running),
  };
}

/** Destroys a round's units and waits until no state of them is left, so the next round starts on an idle agent. */
async function clear(tag: string): Promise<void> {
  const prefix = `burst-${tag}-`;
  const names = (await registry.listUnits()).map((u) => u.name).filter((n) => n.startsWith(prefix));
  for (let i = 0; i < names.length; i += 32) await Promise.all(names.slice(i, i + 32).map((n) => registry.destroyUnit(n)));
  await waitUntil(`${tag} gone`, async () => ((await registry.listStates()).some((s) => s.unit.startsWith(prefix)) ? undefined : true), { timeoutMs: DEADLINE_MS, intervalMs: 200 });
}

try {
  await waitUntil('agent', async () => ((await registry.listMachines()).length === 1 ? true : undefined), { timeoutMs: 60_000 });
  const rounds: Round[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const result = await round(`r${r}`);
    process.stderr.write(`bench: round ${r}: scheduled ${Math.round(result.scheduled)} ms, all active ${Math.round(result.allActive)} ms\n`);
    rounds.push(result);
    if (r < ROUNDS) await clear(`r${r}`);
  }
  figure('burst_units', UNITS, 'count');
  figure('burst_rounds', ROUNDS, 'count');
  figure('burst_scheduled', Math.round(percentile(rounds.map((r) => r.scheduled), 50)), 'ms');
  figure('burst_all_active', Math.round(percentile(rounds.map((r) => r.allActive), 50)), 'ms');
  figure('burst_systemd_reloads', Math.max(...rounds.map((r) => r.reloads)), 'count');
  figure('burst_starts', Math.min(...rounds.map((r) => r.starts)), 'count');
  figure('burst_active_in_systemd', Math.min(...rounds.map((r) => r.activeInSystemd)), 'count');
} finally {
  await registry.close();
  await cluster.stop();
}

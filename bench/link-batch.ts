/**
 * What a burst's Loads cost systemd, one LinkUnitFiles per unit (16 in flight, as the agent did) against one call
 * for all (link-batch.ts), on one nspawn machine's real systemd (no agent), driven over its bus as the agent
 * drives it: ListUnitsByNames first (the agent's pass reads the names it is about to load), then the links, then
 * StartUnit for each (16 in flight) until all are active. Rounds alternate the two ways, fresh names each.
 * Usage: npm run bench -- link-batch [UNITS=100] [ROUNDS=3]
 */
import fs from 'node:fs';
import path from 'node:path';
import { SystemdManager } from '@flotilla/agent';
import { startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import { figure, percentile } from './stats.js';

const UNITS = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 3);
const DIR = '/run/flotilla-link-bench';

async function inFlight<T>(items: readonly T[], n: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

const cluster = await startCluster({ machines: 1, agent: false, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const machine = cluster.machines[0]!;
const systemd = await SystemdManager.connect({ busAddress: machine.busAddress, callTimeoutMs: 30_000 });
const hostDir = path.join(`/proc/${machine.leaderPid}/root`, DIR);

async function round(tag: string, batched: boolean): Promise<{ link: number; start: number }> {
  fs.mkdirSync(hostDir, { recursive: true });
  const names = Array.from({ length: UNITS }, (_, i) => `lb-${tag}-${i + 1}.service`);
  for (const n of names) fs.writeFileSync(path.join(hostDir, n), '[Service]\nExecStart=/bin/sleep infinity\n', { mode: 0o644 });
  await systemd.unitStates(names);
  const t0 = performance.now();
  if (batched) await systemd.linkUnitFiles(names.map((n) => path.join(DIR, n)));
  else await inFlight(names, 16, (n) => systemd.linkUnitFile(path.join(DIR, n)));
  const t1 = performance.now();
  await inFlight(names, 16, (n) => systemd.startUnit(n));
  await waitUntil('all active', async () => ([...(await systemd.unitStates(names)).values()].every((s) => s.activeState === 'active') ? true : undefined), { timeoutMs: 120_000, intervalMs: 20 });
  const t2 = performance.now();
  // Leave nothing for the next round: stopped, unlinked, forgotten.
  await inFlight(names, 16, (n) => systemd.stopUnit(n));
  for (const n of names) {
    await systemd.unlinkUnitFile(n);
    fs.rmSync(path.join(hostDir, n), { force: true });
  }
  await systemd.reload();
  return { link: t1 - t0, start: t2 - t1 };
}

try {
  const each: { link: number; start: number }[] = [];
  const batched: { link: number; start: number }[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    for (const way of r % 2 === 1 ? [false, true] : [true, false]) {
      const result = await round(`${r}${way ? 'b' : 'e'}`, way);
      process.stderr.write(`bench: round ${r} ${way ? 'batched' : 'each'}: link ${Math.round(result.link)} ms, start → all active ${Math.round(result.start)} ms\n`);
      (way ? batched : each).push(result);
    }
  }
  figure('link_each_ms', Math.round(percentile(each.map((r) => r.link), 50)), 'ms');
  figure('link_batched_ms', Math.round(percentile(batched.map((r) => r.link), 50)), 'ms');
  figure('start_after_each_ms', Math.round(percentile(each.map((r) => r.start), 50)), 'ms');
  figure('start_after_batched_ms', Math.round(percentile(batched.map((r) => r.start), 50)), 'ms');
  figure('link_batch_units', UNITS, 'count');
} finally {
  systemd.close();
  await cluster.stop();
}

/**
 * 200 units started at once on one machine (real etcd, one nspawn machine with real systemd and the agent
 * inside): time from setting all desired states (concurrently) until the agent has published every unit
 * active, and how many systemd daemon-reloads (and reconcile task batches) the agent did for it, counted from
 * its own task log. Usage: npm run bench -- agent-burst [UNITS=200]
 */
import { EtcdRegistry, parseUnitFile } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import { agentTaskCounts } from './support/agent-log.js';
import { figure } from './stats.js';

const UNITS = Number(process.argv[2] ?? 200);
const cluster = await startCluster({ machines: 1, ttlSec: 10, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const machine = cluster.machines[0]!;
try {
  await waitUntil('agent', async () => ((await registry.listMachines()).length === 1 ? true : undefined), { timeoutMs: 60_000 });
  const names = Array.from({ length: UNITS }, (_, i) => `burst-${i + 1}.service`);
  for (const name of names) {
    await registry.submitUnit({ name, options: parseUnitFile(`[Service]\nExecStart=/bin/sleep infinity\n`, name) });
  }
  const before = await agentTaskCounts(machine);
  const t0 = performance.now();
  await Promise.all(names.map((n) => registry.setDesiredState(n, 'launched')));
  const allActive = await waitUntil('all active', async () => {
    const active = (await registry.listStates()).filter((s) => s.activeState === 'active').length;
    return active === UNITS ? performance.now() : undefined;
  }, { timeoutMs: 180_000, intervalMs: 50 });
  const after = await agentTaskCounts(machine);
  const running = (await machine.exec(['sh', '-c', "systemctl list-units --no-legend --state=active 'burst-*' | wc -l"])).stdout.trim();
  figure('burst_units', UNITS, 'count');
  figure('burst_all_active', Math.round(allActive - t0), 'ms');
  figure('burst_systemd_reloads', (after.Reload ?? 0) - (before.Reload ?? 0), 'count');
  figure('burst_starts', (after.Start ?? 0) - (before.Start ?? 0), 'count');
  figure('burst_active_in_systemd', Number(running), 'count');
} finally {
  await registry.close();
  await cluster.stop();
}

/**
 * How soon a systemd restart shows in the registry (docs/ops.md): one nspawn machine with the agent; a
 * `Restart=always` unit (RestartSec=100ms) whose main process is SIGKILLed each round; timed from the kill
 * until the agent has published the new restart count (systemd's NRestarts, read over D-Bus when the unit's
 * state changes), seen through a registry watch. Includes the 100 ms RestartSec. StartLimitIntervalSec=0: else
 * systemd's default start limit (5 starts in 10 s) fails the unit in the fifth round.
 * Usage: npm run bench -- ops-restart-visible [ROUNDS=10]
 */
import { EtcdRegistry, parseUnitFile, type Subscription } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import { figure, percentile } from './stats.js';

const ROUNDS = Number(process.argv[2] ?? 10);
const UNIT = 'restart-bench.service';
const DEADLINE_MS = 20_000;
const cluster = await startCluster({ machines: 1, ttlSec: 10, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const machine = cluster.machines[0]!;
let watch: Subscription | undefined;
try {
  await waitUntil('agent', async () => ((await registry.listMachines()).length === 1 ? true : undefined), { timeoutMs: 60_000 });
  await registry.submitUnit({ name: UNIT, options: parseUnitFile('[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/sleep infinity\nRestart=always\nRestartSec=100ms\n', UNIT) });
  let restarts = -1;
  let wake: (() => void) | undefined;
  watch = await registry.watchStates(UNIT, (e) => {
    if (e.type === 'put' && e.value.activeState === 'active' && e.value.restarts !== undefined) (restarts = e.value.restarts), wake?.();
  });
  const reach = (n: number) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`restarts ${n} not published within ${DEADLINE_MS} ms`)), DEADLINE_MS);
      wake = () => restarts >= n && (clearTimeout(timer), resolve(performance.now()));
      wake();
    });
  await registry.setDesiredState(UNIT, 'launched');
  await reach(0);
  const times: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const t0 = performance.now();
    const kill = await machine.exec(['systemctl', 'kill', '--kill-who=main', '--signal=SIGKILL', UNIT], { timeoutMs: 10_000 });
    if (kill.code !== 0) throw new Error(`kill failed: ${kill.stderr}`);
    times.push((await reach(round)) - t0);
  }
  figure('restart_visible_rounds', ROUNDS, 'count');
  figure('restart_visible_p50', Math.round(percentile(times, 50)), 'ms');
  figure('restart_visible_max', Math.round(Math.max(...times)), 'ms');
} finally {
  await watch?.close();
  await registry.close();
  await cluster.stop();
}

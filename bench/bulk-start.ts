/**
 * Many units in one `flotilla start --no-block` on a 3-machine cluster (real etcd, nspawn machines, real systemd,
 * the agent inside): the real CLI process with N unit files (`ExecStart=/bin/sleep infinity`), timed from its
 * spawn to its exit (`_call`), until the leader has scheduled all N (`_scheduled`), and until the agents have
 * published all N active (`_all_active`; states polled every 50 ms). Per size, ROUNDS rounds in one sitting
 * (fresh names each; the previous round's units are destroyed and gone first); the figures are the medians.
 * Usage: npm run bench -- bulk-start [SIZES=300,1000] [ROUNDS=3]; env BENCH_REGISTRY_LAYOUT=1 (the daemons hold the
 * registry at layout 1)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { run, waitUntil } from '../test/harness/exec.js';
import { FLOTILLA_BIN } from '../test/support/cli.js';
import { agentTimeline, describeTimeline } from './support/agent-timeline.js';
import { figure, percentile } from './stats.js';

const SIZES = (process.argv[2] ?? '300,1000').split(',').map(Number);
const ROUNDS = Number(process.argv[3] ?? 3);
const DEADLINE_MS = 180_000;

// BENCH_REGISTRY_LAYOUT=1: the daemons hold the registry at layout 1 (two keys per placement), for comparison.
const layout = process.env.BENCH_REGISTRY_LAYOUT === '1' ? { agentEnv: { FLOTILLA_REGISTRY_LAYOUT: '1' } } : {};
const cluster = await startCluster({ machines: 3, ttlSec: 10, ...layout, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const unitDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bulk-'));
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const env = Object.entries(cluster.cliEnv).map(([key, value]) => `${key}=${value}`);

interface Round {
  call: number;
  scheduled: number;
  allActive: number;
}

async function round(size: number, tag: string): Promise<Round> {
  const files = Array.from({ length: size }, (_, i) => {
    const file = path.join(unitDir, `bulk-${tag}-${i + 1}.service`);
    fs.writeFileSync(file, `[Unit]\nDescription=bulk ${i + 1}\n\n[Service]\nExecStart=/bin/sleep infinity\n`);
    return file;
  });
  const wallT0 = Date.now();
  const t0 = performance.now();
  let call: number | undefined;
  const cli = run('env', [...env, FLOTILLA_BIN, 'start', '--no-block', ...files], { timeoutMs: DEADLINE_MS }).then((r) => {
    call = performance.now() - t0;
    if (r.code !== 0) throw new Error(`start --no-block of ${size} units failed: ${r.stderr}`);
  });
  let scheduled: number | undefined;
  const prefix = `bulk-${tag}-`;
  const allActive = await waitUntil(`${size} active`, async () => {
    if (scheduled === undefined) {
      const placed = [...(await registry.snapshot()).schedule.keys()].filter((u) => u.startsWith(prefix)).length;
      if (placed === size) scheduled = performance.now() - t0;
    }
    const active = (await registry.listStates()).filter((s) => s.unit.startsWith(prefix) && s.activeState === 'active').length;
    return active === size ? performance.now() - t0 : undefined;
  }, { timeoutMs: DEADLINE_MS, intervalMs: 50 });
  await cli;
  // Where the time went on each machine (leader's assignments, agents' Loads and Starts), from their logs.
  for (const m of cluster.machines) process.stderr.write(`bench:   ${describeTimeline(m.name, await agentTimeline(m, wallT0, prefix))}\n`);
  return { call: call!, scheduled: scheduled ?? allActive, allActive };
}

/** Destroys a round's units and waits until no state of them is left, so the next round starts on idle agents. */
async function clear(tag: string): Promise<void> {
  const prefix = `bulk-${tag}-`;
  const names = (await registry.listUnits()).map((u) => u.name).filter((n) => n.startsWith(prefix));
  for (let i = 0; i < names.length; i += 32) await Promise.all(names.slice(i, i + 32).map((n) => registry.destroyUnit(n)));
  await waitUntil(`${tag} gone`, async () => ((await registry.listStates()).some((s) => s.unit.startsWith(prefix)) ? undefined : true), { timeoutMs: DEADLINE_MS, intervalMs: 200 });
}

try {
  await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000 });
  for (const size of SIZES) {
    const rounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const tag = `${size}r${r}`;
      const result = await round(size, tag);
      process.stderr.write(`bench: ${size} units round ${r}: call ${Math.round(result.call)} ms, scheduled ${Math.round(result.scheduled)} ms, all active ${Math.round(result.allActive)} ms\n`);
      rounds.push(result);
      await clear(tag);
    }
    figure(`bulk_start_${size}_call`, Math.round(percentile(rounds.map((r) => r.call), 50)), 'ms');
    figure(`bulk_start_${size}_scheduled`, Math.round(percentile(rounds.map((r) => r.scheduled), 50)), 'ms');
    figure(`bulk_start_${size}_all_active`, Math.round(percentile(rounds.map((r) => r.allActive), 50)), 'ms');
  }
  figure('bulk_start_rounds', ROUNDS, 'count');
} finally {
  await registry.close();
  await cluster.stop();
  fs.rmSync(unitDir, { recursive: true, force: true });
}

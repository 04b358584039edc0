/**
 * start → ActiveState=active on a 3-machine cluster (real etcd, nspawn machines, real systemd, the agent inside).
 * `start_to_active`: N sequential starts done the way `flotilla start` does them (submit, then set the desired
 * state to launched), timed from the desired-state write to a watch on `states/<unit>/` seeing the agent publish
 * ActiveState=active: scheduler watch → assignment → agent watch → write + link + StartUnit → systemd signal →
 * publish. `cli_start_wall`: the real CLI process for a few more starts (adds Node's start, ~150–200 ms here).
 * Usage: npm run bench -- start-latency [STARTS=100] [CLI_STARTS=20]
 * With START_LATENCY_CLI_BASELINE=/path/to/other/bin/flotilla (e.g. a `git worktree` of an older commit, built), each
 * CLI start is also timed with that launcher, alternated with this one's, as `cli_start_wall_before_*`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry, parseUnitFile, type UnitStateRecord } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { run, waitUntil } from '../test/harness/exec.js';
import { FLOTILLA_BIN } from '../test/support/cli.js';
import { figure, percentile } from './stats.js';

const STARTS = Number(process.argv[2] ?? 100);
const CLI_STARTS = Number(process.argv[3] ?? 20);
const DEADLINE_MS = 60_000;
const BASELINE = process.env.START_LATENCY_CLI_BASELINE;
const unitText = (i: number) => `[Unit]\nDescription=bench ${i}\n\n[Service]\nExecStart=/bin/sleep infinity\n`;

const cluster = await startCluster({ machines: 3, ttlSec: 10, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const unitDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-'));
const registry = await EtcdRegistry.connect(cluster.registryOptions);

/** Resolves with the time the unit is first seen active (deadline DEADLINE_MS). */
async function activeWatch(name: string): Promise<{ active: Promise<number>; close: () => Promise<void> }> {
  let resolve: (t: number) => void = () => {};
  const active = new Promise<number>((r) => (resolve = r));
  const sub = await registry.watchStates(name, (e) => {
    if (e.type === 'put' && (e.value as UnitStateRecord).activeState === 'active') resolve(performance.now());
  });
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name} never active`)), DEADLINE_MS).unref());
  return { active: Promise.race([active, deadline]), close: () => sub.close() };
}

try {
  await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000 });
  const toActive: number[] = [];
  for (let i = 1; i <= STARTS; i++) {
    const name = `bench-${i}.service`;
    await registry.submitUnit({ name, options: parseUnitFile(unitText(i), name) });
    const watch = await activeWatch(name);
    const t0 = performance.now();
    await registry.setDesiredState(name, 'launched');
    toActive.push((await watch.active) - t0);
    await watch.close();
  }
  const cliWall: number[] = [];
  const beforeWall: number[] = [];
  /** One blocking `start` of a new unit with launcher `bin`; its wall time. */
  const cliStart = async (bin: string, name: string, i: number): Promise<number> => {
    const file = path.join(unitDir, name);
    fs.writeFileSync(file, unitText(i));
    const t0 = performance.now();
    const result = await run('env', [...Object.entries(cluster.cliEnv).map(([key, value]) => `${key}=${value}`), bin, 'start', file], { timeoutMs: DEADLINE_MS });
    if (result.code !== 0) throw new Error(`start ${name} failed: ${result.stderr}`);
    return performance.now() - t0;
  };
  for (let i = 1; i <= CLI_STARTS; i++) {
    cliWall.push(await cliStart(FLOTILLA_BIN, `bench-cli-${i}.service`, i));
    if (BASELINE) beforeWall.push(await cliStart(BASELINE, `bench-cli-before-${i}.service`, i));
  }
  figure('start_to_active_p50', Math.round(percentile(toActive, 50)), 'ms');
  figure('start_to_active_p99', Math.round(percentile(toActive, 99)), 'ms');
  figure('start_to_active_max', Math.round(Math.max(...toActive)), 'ms');
  figure('starts', STARTS, 'count');
  figure('cli_start_wall_p50', Math.round(percentile(cliWall, 50)), 'ms');
  figure('cli_start_wall_p99', Math.round(percentile(cliWall, 99)), 'ms');
  figure('cli_starts', CLI_STARTS, 'count');
  if (BASELINE) {
    figure('cli_start_wall_before_p50', Math.round(percentile(beforeWall, 50)), 'ms');
    figure('cli_start_wall_before_p99', Math.round(percentile(beforeWall, 99)), 'ms');
  }
} finally {
  await registry.close();
  await cluster.stop();
  fs.rmSync(unitDir, { recursive: true, force: true });
}

/**
 * Wall time of `flotilla list-units` and `list-unit-files` as a user runs them (a new Node process each time,
 * process start included) against 1,000 and 10,000 units, with both drivers: etcd (straight to the registry) and
 * api (fleet's API v1 over the agent's unix socket; the API server runs in this process). Plus CLI cold start
 * (`flotilla version`) and bare `node` for reference. Each figure: median / p90 wall time of RUNS runs after one
 * warm-up, and the median CPU time (user + system, from GNU time) of the CLI process.
 * Usage: [CLI_LIST_SIZES=300,1000] npm run bench -- cli-list [RUNS] (default sizes 1,000 and 10,000). The CLI
 * is bin/flotilla, as users run it (the bundle through its code cache: docs/benchmarks.md, "CLI cold start, fifth
 * pass"), the first run of each figure its warm-up.
 * With CLI_LIST_BASELINE=/path/to/other/bin/flotilla (or a main.js or bundle: any script node runs; e.g. a `git
 * worktree` of an older commit, built), every CLI figure is measured for that build too, as NAME_before_*, runs
 * interleaved with the current build's so both see the same load.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { EtcdRegistry, type PresenceLease, type UnitRecord } from '@flotilla/core';
import { startApiServer } from '@flotilla/api';
import { startEtcd } from '../test/harness/etcd.js';
import { REPO_DIR } from '../test/harness/cluster.js';
import { figure, percentile } from './stats.js';

const RUNS = Number(process.argv[2] ?? 9);
const SIZES = (process.env.CLI_LIST_SIZES ?? '1000,10000').split(',').map(Number);
const MACHINES = 10;
const PREFIX = '/bench-cli/';
const MAIN = path.join(REPO_DIR, 'bin/flotilla');
const BASELINE = process.env.CLI_LIST_BASELINE;

async function pool<T>(items: readonly T[], inFlight: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

/** One CLI run; asynchronous, because the API server answering it lives in this process. */
function runOnce(main: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // GNU time reports the child's user+system CPU on the last stderr line: less sensitive than wall time to
    // other work sharing the box.
    const child = spawn('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const cpu = /cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(stderr);
      const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN;
      resolve({ code, stdout, stderr: stderr.replace(/cpu [\d.]+ [\d.]+\s*$/, ''), ms: performance.now() - t0, cpuMs });
    });
  });
}

interface Times {
  wall: number[];
  cpu: number[];
}

/** One `node -e 0`, wall time: what any Node CLI pays before its first line of code. */
function timeNodeOnce(): number {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t0;
}

/** Runs the CLI RUNS times (+1 warm-up) per build (current, and the baseline if given), interleaved with a
 * `node -e 0` each round, started the same way (the yardstick, under the same load); fails on a non-zero exit or
 * a short listing. */
async function timeCli(args: string[], minRows = 0): Promise<{ current: Times; before?: Times; node: number[] }> {
  const builds = [MAIN, ...(BASELINE ? [BASELINE] : [])];
  const times = builds.map((): Times => ({ wall: [], cpu: [] }));
  const node: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    for (const [b, main] of builds.entries()) {
      const r = await runOnce(main, args);
      if (r.code !== 0) throw new Error(`${main} ${args.join(' ')} failed: ${r.stderr}`);
      if (r.stdout.split('\n').length < minRows) throw new Error(`${main} ${args.join(' ')} printed too few rows`);
      if (i > 0) {
        times[b]!.wall.push(r.ms);
        times[b]!.cpu.push(r.cpuMs);
      }
    }
    const bare = await runOnce('-e', ['0']);
    if (i > 0) node.push(bare.ms);
  }
  return { current: times[0] as Times, ...(times[1] ? { before: times[1] } : {}), node };
}

/** `node -e 0` alone, RUNS times after one warm-up. */
function timeNode(): number[] {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t = timeNodeOnce();
    if (i > 0) times.push(t);
  }
  return times;
}

/** A figure's times, plus `node -e 0` run between them and the median of the round-by-round ratios to it. */
function reportCli(name: string, times: { current: Times; before?: Times; node: number[] }): void {
  report(name, times.current);
  if (times.before) report(`${name}_before`, times.before);
  figure(`${name}_node_bare_p50`, Math.round(percentile(times.node, 50)), 'ms');
  const percentOfNode = (t: Times) => Math.round(100 * percentile(t.wall.map((ms, i) => ms / (times.node[i] as number)), 50));
  figure(`${name}_vs_node_p50`, percentOfNode(times.current), '%');
  if (times.before) figure(`${name}_before_vs_node_p50`, percentOfNode(times.before), '%');
}

function report(name: string, times: number[] | Times): void {
  const wall = Array.isArray(times) ? times : times.wall;
  figure(`${name}_p50`, Math.round(percentile(wall, 50)), 'ms');
  figure(`${name}_p90`, Math.round(percentile(wall, 90)), 'ms');
  if (!Array.isArray(times)) figure(`${name}_cpu_p50`, Math.round(percentile(times.cpu, 50)), 'ms');
}

const etcd = await startEtcd();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-cli-'));
const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: PREFIX, requestTimeoutMs: 20_000 });
const socket = path.join(dir, 'api.sock');
const api = await startApiServer({ registry, logger: pino({ level: 'silent' }), version: 'bench', listen: [{ kind: 'unix', path: socket }] });
try {
  report('node_bare', timeNode());
  reportCli('cli_cold_start_version', await timeCli(['version']));
  const leases: PresenceLease[] = [];
  const machineIds = Array.from({ length: MACHINES }, (_, i) => `${String(i).padStart(2, '0')}${'a'.repeat(30)}`);
  for (const [i, id] of machineIds.entries()) {
    leases.push(await registry.registerMachine({ id, hostname: `h${i}`, ip: `10.0.0.${i + 1}`, metadata: { rack: `r${i % 3}` }, version: 'bench', startedAt: 0 }, 600));
  }
  let seeded = 0;
  const etcdFlags = ['--endpoint', etcd.endpoints.join(','), '--etcd-key-prefix', PREFIX, '--request-timeout', '20'];
  const apiFlags = ['--endpoint', `unix://${socket}`, '--request-timeout', '20'];
  for (const size of SIZES) {
    const names = Array.from({ length: size - seeded }, (_, i) => `bench-${String(seeded + i).padStart(6, '0')}.service`);
    await pool(names, 32, async (name) => {
      const unit: UnitRecord = await registry.submitUnit(
        { name, options: [{ section: 'Unit', name: 'Description', value: name }, { section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' }] },
        { desiredState: 'launched' },
      );
      const m = Number(name.slice(6, 12)) % MACHINES;
      await registry.publishState({ unit: name, machineId: machineIds[m] as string, hash: unit.hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 0 }, leases[m] as PresenceLease);
    });
    seeded = size;
    process.stderr.write(`bench: ${size} units seeded\n`);
    for (const [driver, flags] of [['etcd', etcdFlags], ['api', apiFlags]] as const) {
      reportCli(`list_units_${size}_${driver}`, await timeCli([...flags, 'list-units'], size));
      reportCli(`list_unit_files_${size}_${driver}`, await timeCli([...flags, 'list-unit-files'], size));
    }
  }
} finally {
  await api.close();
  await registry.close();
  await etcd.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Resident memory of the agent with N running units on one real machine (real etcd, real systemd in an nspawn
 * machine). Two figures:
 * - `agent_only_rss_*`: the agent alone (packages/agent, `startAgent`) in its own Node process, driving the
 *   machine's systemd over its bus from the host; units are placed by this script (no scheduler).
 * - `daemon_rss_*`: the whole `flotilla agent` daemon inside a second cluster's machine (agent + scheduler
 *   candidate + HTTP API in one process), the same N units.
 * Each is read after all units are published active and two periodic passes have run; the worker is also watched
 * for 48 s more (`worker_daemon_rss_with_units_window_min`/`_max`).
 * Usage: [AGENT_NODE_FLAGS=...] [AGENT_RSS_PARTS=agent,daemon,worker,daemon-no-engine] npm run bench -- agent-rss [UNITS=100]
 * (AGENT_RSS_PARTS: which to measure, comma-separated; default agent,daemon,worker. worker: the daemon booted
 * from the shipped worker cloud-config (no scheduler, lean node flags); daemon-no-engine: the daemon with
 * FLOTILLA_DISABLE_ENGINE=1 under Node's defaults. AGENT_RSS_ETCD=plain: etcd without TLS and auth, to see what the
 * secure default costs; docs/cloud-config.md, "Secure by default".)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { EtcdRegistry, parseUnitFile, sleep } from '@flotilla/core';
import { REPO_DIR, startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import { agentRssBytes } from './support/agent-log.js';
import { figure } from './stats.js';

const UNITS = Number(process.argv[2] ?? 100);
/** Extra Node flags for the agent-only process, e.g. AGENT_NODE_FLAGS=--max-semi-space-size=1. */
const NODE_FLAGS = (process.env.AGENT_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const SECURE = process.env.AGENT_RSS_ETCD !== 'plain';
const SETTLE_MS = 12_000; // two periodic passes (5 s) plus slack: the steady state, not the burst
const MiB = 1024 * 1024;
const settle = () => sleep(SETTLE_MS);
const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
const log = (l: string) => process.stderr.write(`bench: ${l}\n`);

async function launchUnits(registry: EtcdRegistry, prefix: string, assignTo?: string): Promise<void> {
  const names = Array.from({ length: UNITS }, (_, i) => `${prefix}-${i + 1}.service`);
  for (const name of names) {
    await registry.submitUnit({ name, options: parseUnitFile(`[Service]\nExecStart=/bin/sleep infinity\n`, name) }, { desiredState: 'launched' });
  }
  if (assignTo !== undefined) {
    const snap = await registry.snapshot();
    for (const unit of snap.units) await registry.assign(unit, snap.unitRevisions.get(unit.name)!, assignTo);
  }
  await waitUntil('all active', async () => {
    const active = (await registry.listStates()).filter((s) => s.activeState === 'active').length;
    return active === UNITS ? true : undefined;
  }, { timeoutMs: 180_000, intervalMs: 100 });
}

/** CPU seconds (user + system) a process used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

let agentCpu: { idle: number; loaded: number } | undefined;

async function agentOnly(): Promise<[number, number]> {
  const cluster = await startCluster({ machines: 1, agent: false, secure: SECURE, log });
  const registry = await EtcdRegistry.connect(cluster.registryOptions);
  const machine = cluster.machines[0]!;
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(REPO_DIR, 'bench/support/agent-only.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      FLOTILLA_BENCH_ENDPOINTS: cluster.endpoints.join(','),
      // The cluster's etcd wants TLS and a user (docs/cloud-config.md): the agent's, as a node's agent has them.
      FLOTILLA_BENCH_PKI_DIR: cluster.state.pkiDir ?? '',
      FLOTILLA_BENCH_MACHINE_ID: machine.id,
      FLOTILLA_BENCH_UNITS_DIR: `/proc/${machine.leaderPid}/root/run/flotilla/units`,
      FLOTILLA_BENCH_BUS: machine.busAddress,
    },
  });
  let rss = 0;
  readline.createInterface({ input: child.stdout! }).on('line', (l) => (rss = Number(l.split(' ')[1])));
  try {
    await waitUntil('agent registered', async () => ((await registry.listMachines()).length === 1 ? true : undefined), { timeoutMs: 60_000 });
    await settle();
    const idle = rss;
    const idleCpu = cpuSeconds(child.pid!);
    await launchUnits(registry, 'only', machine.id);
    await settle();
    agentCpu = { idle: idleCpu, loaded: cpuSeconds(child.pid!) - idleCpu };
    return [idle, rss];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await registry.close();
    await cluster.stop();
  }
}

/**
 * The whole daemon. `engine`: a scheduler candidate (it leads, being alone). `no-engine`: Node's defaults with
 * FLOTILLA_DISABLE_ENGINE=1. `worker`: the shipped worker config as is (`flotilla cloud-config --role worker`: no
 * scheduler, LEAN_NODE_FLAGS on the ExecStart line). Without an engine the script places the units itself.
 */
/** How long the worker's RSS is also watched after the settle point, sampled every WINDOW_STEP_MS: a burst leaves
 * garbage committed until V8's next mark-compact, which an agent allocating little may run only ~30 s later
 * (docs/benchmarks.md, "The agent's D-Bus decoding"). */
const WINDOW_MS = 48_000;
const WINDOW_STEP_MS = 2_000;

async function daemon(kind: 'engine' | 'no-engine' | 'worker' = 'engine'): Promise<[number, number, number[]]> {
  const engine = kind === 'engine';
  const cluster = await startCluster({
    machines: 1,
    secure: SECURE,
    ttlSec: 10,
    log,
    ...(kind === 'no-engine' ? { agentEnv: { FLOTILLA_DISABLE_ENGINE: '1' } } : {}),
    ...(kind === 'worker' ? { scheduler: () => false } : {}),
    // Try other flags on the shipped worker: WORKER_NODE_FLAGS replaces LEAN_NODE_FLAGS on its ExecStart line.
    ...(kind === 'worker' && process.env.WORKER_NODE_FLAGS ? { agentEnv: { FLOTILLA_NODE_FLAGS: process.env.WORKER_NODE_FLAGS } } : {}),
  });
  const registry = await EtcdRegistry.connect(cluster.registryOptions);
  const machine = cluster.machines[0]!;
  try {
    await waitUntil('agent', async () => ((await registry.listMachines()).length === 1 ? true : undefined), { timeoutMs: 60_000 });
    await settle();
    const idle = await agentRssBytes(machine);
    await launchUnits(registry, 'daemon', engine ? undefined : machine.id);
    await settle();
    const loaded = await agentRssBytes(machine);
    const window: number[] = [];
    for (let waited = 0; kind === 'worker' && waited < WINDOW_MS; waited += WINDOW_STEP_MS) {
      await sleep(WINDOW_STEP_MS);
      window.push(await agentRssBytes(machine));
    }
    return [idle, loaded, window];
  } finally {
    await registry.close();
    await cluster.stop();
  }
}

const PARTS = process.env.AGENT_RSS_PARTS ?? 'agent,daemon,worker';
if (PARTS.split(',').includes('agent')) {
  const [onlyIdle, onlyLoaded] = await agentOnly();
  figure('agent_only_rss_idle', mib(onlyIdle), 'MiB');
  figure('agent_only_rss_with_units', mib(onlyLoaded), 'MiB');
  // CPU of the agent process: start + register + idle, then launching the units and the settle after it.
  figure('agent_only_cpu_start_idle', agentCpu?.idle ?? NaN, 's');
  figure('agent_only_cpu_launch_units', Math.round((agentCpu?.loaded ?? NaN) * 100) / 100, 's');
}
if (PARTS.split(',').includes('daemon')) {
  const [daemonIdle, daemonLoaded] = await daemon();
  figure('daemon_rss_idle', mib(daemonIdle), 'MiB');
  figure('daemon_rss_with_units', mib(daemonLoaded), 'MiB');
}
// Opt-in: a daemon that never leads (FLOTILLA_DISABLE_ENGINE=1), i.e. every machine but the scheduler's.
if (PARTS.split(',').includes('daemon-no-engine')) {
  const [idle, loaded] = await daemon('no-engine');
  figure('daemon_no_engine_rss_idle', mib(idle), 'MiB');
  figure('daemon_no_engine_rss_with_units', mib(loaded), 'MiB');
}
// The daemon exactly as a worker node runs it: the agent's RSS with 100 running units (docs/benchmarks.md).
if (PARTS.split(',').includes('worker')) {
  const [idle, loaded, window] = await daemon('worker');
  figure('worker_daemon_rss_idle', mib(idle), 'MiB');
  figure('worker_daemon_rss_with_units', mib(loaded), 'MiB');
  // The same daemon over the next 48 s (the settle point may fall before the burst's garbage is collected).
  figure('worker_daemon_rss_with_units_window_min', mib(Math.min(...window)), 'MiB');
  figure('worker_daemon_rss_with_units_window_max', mib(Math.max(...window)), 'MiB');
}
figure('units_running', UNITS, 'count');

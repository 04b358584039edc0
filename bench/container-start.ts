/**
 * 50 sequential `flotilla start`s of container units (docker, image present) on a 3-machine cluster whose machines
 * run their own dockerd: time from the CLI call to ActiveState=active in the registry, and to the engine itself
 * reporting the container running (dockerode on the machine's docker socket, polled every 10 ms).
 * Usage: npm run bench -- container-start [COUNT]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerEngineClient } from '@flotilla/agent';
import { EtcdRegistry, type UnitStateRecord } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { run, waitUntil } from '../test/harness/exec.js';
import { prepareEngines, WEB_IMAGE } from '../test/cluster/container-support.js';
import { FLOTILLA_BIN } from '../test/support/cli.js';
import { figure, percentile } from './stats.js';

const COUNT = Number(process.argv[2] ?? 50);
const DEADLINE_MS = 60_000;

const cluster = await startCluster({ machines: 3, ttlSec: 10, containerEngines: true, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const unitDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-'));
const registry = await EtcdRegistry.connect(cluster.registryOptions);
/** The engine of each machine, reached from the host through its PID 1's root. */
const engines = new Map(cluster.machines.map((m) => [m.id, new ContainerEngineClient('docker', { socketPath: `/proc/${m.leaderPid}/root/run/docker.sock` })]));

async function runningAt(machineId: string, container: string): Promise<number> {
  const engine = engines.get(machineId)!;
  return waitUntil(`${container} running`, async () => ((await engine.inspect(container))?.running ? Date.now() : undefined), { timeoutMs: DEADLINE_MS, intervalMs: 10 });
}

try {
  await prepareEngines(cluster);
  await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000 });
  const toActive: number[] = [];
  const toRunning: number[] = [];
  for (let i = 1; i <= COUNT; i++) {
    const name = `cbench-${i}.container`;
    const file = path.join(unitDir, name);
    fs.writeFileSync(file, `[Container]\nImage=${WEB_IMAGE}\nRunInit=yes\n\n[Service]\nRestart=always\n`);
    let active: { at: number; machineId: string } | undefined;
    let markActive = () => {};
    const activeSeen = new Promise<void>((resolve) => (markActive = resolve));
    const subscription = await registry.watchStates(name, (event) => {
      if (event.type !== 'put') return;
      const state: UnitStateRecord = event.value;
      if (state.activeState === 'active' && !active) {
        active = { at: Date.now(), machineId: state.machineId };
        markActive();
      }
    });
    const t0 = Date.now();
    const result = await run('env', [...Object.entries(cluster.cliEnv).map(([key, value]) => `${key}=${value}`), FLOTILLA_BIN, 'start', file], { timeoutMs: DEADLINE_MS });
    if (result.code !== 0) throw new Error(`start ${name} failed: ${result.stderr}`);
    await Promise.race([activeSeen, new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} never active`)), DEADLINE_MS).unref())]);
    await subscription.close();
    const seen = active!;
    toActive.push(seen.at - t0);
    toRunning.push((await runningAt(seen.machineId, `systemd-cbench-${i}`)) - t0);
  }
  figure('container_start_to_active_p50', percentile(toActive, 50), 'ms');
  figure('container_start_to_active_p99', percentile(toActive, 99), 'ms');
  figure('container_start_to_running_p50', percentile(toRunning, 50), 'ms');
  figure('container_start_to_running_p99', percentile(toRunning, 99), 'ms');
  figure('starts', COUNT, 'count');
} finally {
  await registry.close();
  await cluster.stop();
  fs.rmSync(unitDir, { recursive: true, force: true });
}

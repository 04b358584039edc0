/**
 * 50 sequential `flotilla start`s on a 3-machine cluster (real etcd, nspawn machines, real systemd): time from
 * the CLI call to ActiveState=active seen in the registry (a watch on states/<unit>/), and the CLI's own wall time.
 * Usage: npm run bench -- start-latency [COUNT]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry, type UnitStateRecord } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { run, waitUntil } from '../test/harness/exec.js';
import { FLOTILLA_BIN } from '../test/support/cli.js';
import { figure, percentile } from './stats.js';

const COUNT = Number(process.argv[2] ?? 50);
const DEADLINE_MS = 60_000;

const cluster = await startCluster({ machines: 3, ttlSec: 10, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const unitDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-'));
const registry = await EtcdRegistry.connect({ endpoints: cluster.endpoints });
try {
  await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000 });
  const toActive: number[] = [];
  const cliWall: number[] = [];
  for (let i = 1; i <= COUNT; i++) {
    const name = `bench-${i}.service`;
    const file = path.join(unitDir, name);
    fs.writeFileSync(file, `[Unit]\nDescription=bench ${i}\n\n[Service]\nExecStart=/bin/sleep infinity\n`);
    let activeAt = 0;
    let markActive = () => {};
    const active = new Promise<void>((resolve) => (markActive = resolve));
    const subscription = await registry.watchStates(name, (event) => {
      if (event.type === 'put' && (event.value as UnitStateRecord).activeState === 'active' && !activeAt) {
        activeAt = Date.now();
        markActive();
      }
    });
    const t0 = Date.now();
    const result = await run('env', [`FLOTILLA_ENDPOINT=${cluster.endpoints.join(',')}`, FLOTILLA_BIN, 'start', file], { timeoutMs: DEADLINE_MS });
    const t1 = Date.now();
    if (result.code !== 0) throw new Error(`start ${name} failed: ${result.stderr}`);
    await Promise.race([active, new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} never active`)), DEADLINE_MS).unref())]);
    await subscription.close();
    toActive.push(activeAt - t0);
    cliWall.push(t1 - t0);
  }
  figure('start_to_active_p50', percentile(toActive, 50), 'ms');
  figure('start_to_active_p99', percentile(toActive, 99), 'ms');
  figure('cli_start_wall_p50', percentile(cliWall, 50), 'ms');
  figure('cli_start_wall_p99', percentile(cliWall, 99), 'ms');
  figure('starts', COUNT, 'count');
} finally {
  await registry.close();
  await cluster.stop();
  fs.rmSync(unitDir, { recursive: true, force: true });
}

/**
 * `flotilla compose up --wait` of a 10-service compose file (a Redis database and nine web services, six of them
 * waiting for the database to be healthy) on a 3-machine cluster whose machines run their own dockerd: time from
 * the CLI call until every service runs and every health check says healthy. Then `compose down`, and again.
 * Last, once: the database's machine is killed, and the time until a web service (the example app's image, which
 * stores records in `db` by name through the discovery DNS) writes a record again, lease TTL included.
 * Usage: npm run bench -- compose-up [ROUNDS]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { run, runOk, waitUntil } from '../test/harness/exec.js';
import { FLOTILLA_BIN } from '../test/support/cli.js';
import { figure, percentile } from './stats.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const DEADLINE_MS = 300_000;
const TTL_SEC = 10;
const EXAMPLE = path.resolve(import.meta.dirname, '../examples/compose');

function composeFile(): string {
  const web = Array.from({ length: 9 }, (_, i) => {
    const port = 8081 + i;
    return [
      `  web${i + 1}:`,
      '    image: localhost/flotilla-example/app:1',
      `    command: ["/bin/httpd", "-f", "-p", "${port}", "-h", "/www"]`,
      `    ports: ["${port}:${port}"]`,
      `    healthcheck: {test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:${port}/"], interval: 1s}`,
      ...(i < 6 ? ['    depends_on: {db: {condition: service_healthy}}'] : []),
    ].join('\n');
  });
  return ['name: bench', 'services:', '  db:', '    image: localhost/flotilla-example/redis:1', '    expose: ["6379"]',
    '    healthcheck: {test: ["CMD", "redis-cli", "ping"], interval: 1s}', ...web, ''].join('\n');
}

const cluster = await startCluster({ machines: 3, ttlSec: TTL_SEC, containerEngines: true, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-compose-'));
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const cli = (args: string[]) => run('env', [...Object.entries(cluster.cliEnv).map(([k, v]) => `${k}=${v}`), FLOTILLA_BIN, ...args], { timeoutMs: DEADLINE_MS });

/** Kills the database's machine; ms until a web service on another machine stores a record in `db` again. */
async function dbMoved(file: string): Promise<number> {
  const up = await cli(['compose', '-f', file, 'up', '--wait', '--timeout', String(DEADLINE_MS / 1000 - 10)]);
  if (up.code !== 0) throw new Error(`compose up failed: ${up.stdout}\n${up.stderr}`);
  const states = (await registry.listStates()).filter((s) => s.activeState === 'active');
  const db = states.find((s) => s.unit === 'bench-db.container')!;
  const web = states.find((s) => /^bench-web\d+\.container$/.test(s.unit) && s.machineId !== db.machineId)!;
  const port = 8080 + Number(/web(\d+)/.exec(web.unit)![1]);
  const ip = cluster.machines.find((m) => m.id === web.machineId)!.ip;
  const victim = cluster.machines.find((m) => m.id === db.machineId)!;
  const t0 = Date.now();
  await victim.kill();
  return waitUntil('a write through the moved db', async () => {
    const res = await fetch(`http://${ip}:${port}/cgi-bin/put?key=moved&value=1`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    return res?.status === 200 ? Date.now() - t0 : undefined;
  }, { timeoutMs: 120_000, intervalMs: 100 });
}

try {
  const file = path.join(dir, 'compose.yaml');
  fs.writeFileSync(file, composeFile());
  await Promise.all(cluster.machines.map(async (m) => {
    await waitUntil(`docker in ${m.name}`, async () => ((await m.exec(['docker', 'info'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 90_000, intervalMs: 250 });
    await runOk(path.join(EXAMPLE, 'build-images.sh'), ['nsenter', '-t', String(m.leaderPid), '-a', '--', 'docker'], { timeoutMs: 120_000 });
  }));
  await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 60_000 });
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = Date.now();
    const up = await cli(['compose', '-f', file, 'up', '--wait', '--timeout', String(DEADLINE_MS / 1000 - 10)]);
    if (up.code !== 0) throw new Error(`compose up failed: ${up.stdout}\n${up.stderr}`);
    times.push(Date.now() - t0);
    process.stderr.write(`bench: round ${round + 1}: ${times[times.length - 1]} ms\n`);
    const down = await cli(['compose', '-f', file, 'down']);
    if (down.code !== 0) throw new Error(`compose down failed: ${down.stderr}`);
    // The next round starts from nothing running: every container stopped and its state gone.
    await waitUntil('all down', async () => ((await registry.listStates()).some((s) => s.unit.startsWith('bench-')) ? undefined : true), { timeoutMs: 120_000, intervalMs: 250 });
  }
  figure('compose_up_10_services_to_healthy_p50', percentile(times, 50), 'ms');
  figure('compose_up_10_services_to_healthy_max', Math.max(...times), 'ms');
  figure('rounds', ROUNDS, 'count');
  figure(`compose_db_machine_killed_to_app_writes_again_ttl${TTL_SEC}s`, await dbMoved(file), 'ms');
} finally {
  await registry.close();
  await cluster.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

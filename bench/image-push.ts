/**
 * The cluster's registry (docs/registry-images.md) on 3 machines with their own engines: `flotilla image push` of a
 * ~50 MB image (busybox plus 50 MB of random bytes, so gzip cannot shrink it) from a dockerd on the host, then one
 * `flotilla start` of 3 instances of a new container unit using it, one per machine (none has the image): time from
 * the start call until all 3 are active (the agents' prepare step pulls first, so the pull is included).
 * ROUNDS rounds, each a new image (new bytes, so every layer is pulled again); medians printed.
 * Usage: npm run bench -- image-push [ROUNDS]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { busyboxRootfs, HTTPD_CMD, startHostEngine } from '../test/harness/docker.js';
import { run, runOk, waitUntil } from '../test/harness/exec.js';
import { REPO_DIR } from '../test/harness/index.js';
import { FLOTILLA_BIN } from '../test/support/cli.js';
import { figure, percentile } from './stats.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const SIZE_MB = 50;
const DEADLINE_MS = 300_000;

const log = (l: string) => process.stderr.write(`bench: ${l}\n`);
const [cluster, docker] = await Promise.all([
  startCluster({ machines: 3, ttlSec: 10, containerEngines: true, log, metadata: (i): Record<string, string> => (i === 1 ? { role: 'registry' } : {}) }),
  startHostEngine('docker'),
]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-image-'));
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const env = [...Object.entries({ ...cluster.cliEnv, DOCKER_HOST: `unix://${docker.socketPath}` }).map(([k, v]) => `${k}=${v}`)];
const cli = async (args: string[]) => {
  const result = await run('env', [...env, FLOTILLA_BIN, ...args], { timeoutMs: DEADLINE_MS });
  if (result.code !== 0) throw new Error(`flotilla ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

/** An image of busybox plus SIZE_MB random bytes, in the host's dockerd. */
async function buildImage(name: string): Promise<void> {
  const rootfs = busyboxRootfs();
  try {
    fs.writeFileSync(path.join(rootfs, 'payload.bin'), crypto.randomBytes(SIZE_MB * 1024 * 1024));
    await runOk('sh', ['-c', `tar -C "$0" -c . | "$@"`, rootfs, ...docker.cli, 'import', '--change', `CMD ${HTTPD_CMD}`, '-', name], { timeoutMs: 120_000 });
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}

try {
  await Promise.all(cluster.machines.map((m) => waitUntil(`docker in ${m.name}`, async () => ((await m.exec(['docker', 'info'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 90_000, intervalMs: 250 })));
  await waitUntil('3 agents', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 90_000 });
  await cli(['start', path.join(REPO_DIR, 'units/registry.service')]);
  await waitUntil('the registry', async () => ((await run('env', [...env, FLOTILLA_BIN, 'image', 'ls'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
  const pushMs: number[] = [];
  const allActiveMs: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const image = `fl/big:${round}`;
    await buildImage(image);
    let t0 = Date.now();
    await cli(['image', 'push', image]);
    pushMs.push(Date.now() - t0);
    const template = path.join(dir, `big${round}@.container`);
    fs.writeFileSync(template, `[Container]\nImage=registry.flotilla:5000/${image}\nStopTimeout=2\n\n[Service]\nRestart=always\n\n[X-Fleet]\nConflicts=big${round}@*.container\n`);
    const instances = [1, 2, 3].map((i) => path.join(dir, `big${round}@${i}.container`));
    for (const file of instances) fs.copyFileSync(template, file);
    t0 = Date.now();
    await cli(['start', '--no-block', ...instances]);
    await waitUntil(`round ${round}: 3 instances active`, async () => {
      const states = (await registry.listStates()).filter((s) => s.unit.startsWith(`big${round}@`) && s.activeState === 'active');
      return new Set(states.map((s) => s.machineId)).size === 3 ? true : undefined;
    }, { timeoutMs: DEADLINE_MS, intervalMs: 50 });
    allActiveMs.push(Date.now() - t0);
    log(`round ${round}: push ${pushMs.at(-1)} ms, 3 active ${allActiveMs.at(-1)} ms`);
    await cli(['destroy', ...instances.map((f) => path.basename(f))]);
  }
  figure('image_push_50mb_p50', percentile(pushMs, 50), 'ms');
  figure('image_new_unit_3_machines_all_active_p50', percentile(allActiveMs, 50), 'ms');
  figure('image_new_unit_3_machines_all_active_max', Math.max(...allActiveMs), 'ms');
  figure('rounds', ROUNDS, 'count');
} finally {
  await registry.close();
  await Promise.all([cluster.stop(), docker.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * `npm run up`: a local cluster of 3 nspawn machines (real systemd, agent inside each) around a real etcd,
 * with the example units started. Safe to run twice: a healthy cluster is reused, a broken one rebuilt.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR, startCluster, teardownCluster } from '../test/harness/cluster.js';
import { isAlive } from '../test/harness/processes.js';
import { loadState, type ClusterState } from '../test/harness/state.js';

const CLUSTER_ID = 'demo';
const MACHINES = 3;
const EXAMPLE_UNITS = ['units/hello.service', 'units/web@1.service', 'units/web@2.service', 'units/web@3.service'];
const ENV_FILE = path.join(REPO_DIR, '.flotilla/cluster.env');
const log = (line: string) => process.stdout.write(`up: ${line}\n`);

function healthy(state: ClusterState): boolean {
  return (
    state.machines.length === MACHINES &&
    state.machines.every((m) => m.nspawnPid !== undefined && isAlive(m.nspawnPid)) &&
    state.etcdPids.length > 0 &&
    state.etcdPids.every(isAlive)
  );
}

function flotilla(args: string[]): number {
  const result = spawnSync(path.join(REPO_DIR, 'bin/flotilla'), args, { stdio: 'inherit', cwd: REPO_DIR });
  return result.status ?? 1;
}

async function ensureCluster(): Promise<ClusterState> {
  const existing = loadState(CLUSTER_ID);
  if (existing && healthy(existing)) {
    log(`cluster "${CLUSTER_ID}" is already running; reusing it`);
    return existing;
  }
  if (existing) {
    log(`cluster "${CLUSTER_ID}" is incomplete; rebuilding it`);
    await teardownCluster(existing);
  }
  const cluster = await startCluster({
    id: CLUSTER_ID,
    machines: MACHINES,
    persistent: true,
    ttlSec: 10,
    metadata: (i) => ({ machine: `m${i}` }),
    log,
  });
  return cluster.state;
}

const state = await ensureCluster();
fs.mkdirSync(path.dirname(ENV_FILE), { recursive: true });
fs.writeFileSync(ENV_FILE, `FLOTILLA_ENDPOINT=${state.etcdEndpoints.join(',')}\n`);
log(`wrote ${path.relative(REPO_DIR, ENV_FILE)}; bin/flotilla now talks to this cluster`);

log(`starting ${EXAMPLE_UNITS.map((u) => path.basename(u)).join(', ')}`);
const startStatus = flotilla(['start', ...EXAMPLE_UNITS]);
process.stdout.write('\n');
flotilla(['list-machines']);
process.stdout.write('\n');
flotilla(['list-units']);
if (startStatus !== 0) {
  log('some units did not become active; see the table above and `bin/flotilla list-units`');
  process.exit(startStatus);
}
log('cluster is up; `npm run down` removes it');

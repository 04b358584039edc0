/**
 * `npm run up`: the local cluster of scripts/demo-cluster.ts (3 nspawn machines with real systemd, the agent,
 * dockerd and podman inside each, around a real etcd), with the example units started. Safe to run twice: a healthy
 * cluster of the same layout is reused, anything else rebuilt. .flotilla/cluster.env (0600) carries what
 * bin/flotilla needs: etcd endpoint, TLS files, user, the agents' API URL and token.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR, startCluster, teardownCluster } from '../test/harness/cluster.js';
import { Machine } from '../test/harness/machines.js';
import { isAlive } from '../test/harness/processes.js';
import { loadState, type ClusterState } from '../test/harness/state.js';
import { DEMO_MACHINES, LAYOUT, demoCliEnv, demoClusterOptions, inheritedCli, prepareEngines, startExampleUnits, summaryLines, writeClusterEnv } from './demo-cluster.js';

const CLUSTER_ID = 'demo';
const ENV_FILE = path.join(REPO_DIR, '.flotilla/cluster.env');
const log = (line: string) => process.stdout.write(`up: ${line}\n`);

const layoutFile = (state: ClusterState) => path.join(state.dir, 'demo-layout');

function healthy(state: ClusterState): boolean {
  let layout = '';
  try {
    layout = fs.readFileSync(layoutFile(state), 'utf8');
  } catch {
    // No layout recorded: made by an older `npm run up`.
  }
  return (
    layout === LAYOUT &&
    state.machines.length === DEMO_MACHINES &&
    state.machines.every((m) => m.nspawnPid !== undefined && isAlive(m.nspawnPid)) &&
    state.etcdPids.length > 0 &&
    state.etcdPids.every(isAlive)
  );
}

async function ensureCluster(): Promise<ClusterState> {
  const existing = loadState(CLUSTER_ID);
  if (existing && healthy(existing)) {
    log(`cluster "${CLUSTER_ID}" is already running; reusing it`);
    return existing;
  }
  if (existing) {
    log(`cluster "${CLUSTER_ID}" is incomplete or of an older layout; rebuilding it`);
    await teardownCluster(existing);
  }
  const cluster = await startCluster(demoClusterOptions(CLUSTER_ID, true, log));
  fs.writeFileSync(layoutFile(cluster.state), LAYOUT);
  return cluster.state;
}

const state = await ensureCluster();
const env = demoCliEnv(state);
writeClusterEnv(ENV_FILE, env);
log(`wrote ${path.relative(REPO_DIR, ENV_FILE)}; bin/flotilla now talks to this cluster`);
await prepareEngines(state.machines.map((m) => new Machine(m)), log);

const cli = inheritedCli(env);
const startStatus = await startExampleUnits(cli, log);
process.stdout.write('\n');
await cli(['list-machines']);
process.stdout.write('\n');
await cli(['list-units']);
if (startStatus !== 0) {
  log('some units did not become active; see the table above and `bin/flotilla list-units`');
  process.exit(startStatus);
}
for (const line of summaryLines(state, ENV_FILE)) log(line);

/**
 * `npm run up`: a local cluster of 3 nspawn machines (real systemd, agent inside each) around a real etcd,
 * with the example units started: hello.service, web@1..3, and the app-behind-a-load-balancer scenario
 * (app@ scaled to 3, lb.service on m3, which has `role=lb`). Safe to run twice: a healthy cluster with the same
 * layout is reused, anything else rebuilt. Secure by default (docs/cloud-config.md): etcd over TLS with client
 * certificates and users, each agent's TCP API with the cluster's token and TLS; .flotilla/cluster.env (0600)
 * carries what bin/flotilla needs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR, clusterCliEnv, startCluster, teardownCluster } from '../test/harness/cluster.js';
import { isAlive } from '../test/harness/processes.js';
import { loadState, type ClusterState } from '../test/harness/state.js';

const CLUSTER_ID = 'demo';
const MACHINES = 3;
const EXAMPLE_UNITS = ['units/hello.service', 'units/web@1.service', 'units/web@2.service', 'units/web@3.service'];
const APP_INSTANCES = 3;
const LB_MACHINE = 3;
/** Bumped when machines' metadata changes: a running cluster of another layout is rebuilt, not reused. */
const API_LISTEN = '0.0.0.0:54728';
const LAYOUT = `v3 machine=mN, m${LB_MACHINE} role=lb, secure, api ${API_LISTEN}`;
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
    metadata: (i) => ({ machine: `m${i}`, ...(i === LB_MACHINE ? { role: 'lb' } : {}) }),
    secure: true,
    // status and journal reach the agents here, with the cluster's token over TLS.
    agentEnv: { FLOTILLA_API_LISTEN: API_LISTEN },
    log,
  });
  fs.writeFileSync(layoutFile(cluster.state), LAYOUT);
  return cluster.state;
}

const state = await ensureCluster();
fs.mkdirSync(path.dirname(ENV_FILE), { recursive: true });
// It holds the CLI's etcd password and the API token: readable by root only.
fs.writeFileSync(ENV_FILE, Object.entries(clusterCliEnv(state)).map(([key, value]) => `${key}=${value}\n`).join(''), { mode: 0o600 });
fs.chmodSync(ENV_FILE, 0o600);
log(`wrote ${path.relative(REPO_DIR, ENV_FILE)}; bin/flotilla now talks to this cluster`);

log(`starting ${EXAMPLE_UNITS.map((u) => path.basename(u)).join(', ')}`);
let startStatus = flotilla(['start', ...EXAMPLE_UNITS]);
log(`scaling app@ to ${APP_INSTANCES} and starting lb.service (HAProxy on m${LB_MACHINE}, role=lb)`);
startStatus ||= flotilla(['scale', 'units/app@.service', String(APP_INSTANCES)]);
startStatus ||= flotilla(['start', 'units/lb.service']);
process.stdout.write('\n');
flotilla(['list-machines']);
process.stdout.write('\n');
flotilla(['list-units']);
if (startStatus !== 0) {
  log('some units did not become active; see the table above and `bin/flotilla list-units`');
  process.exit(startStatus);
}
const lbIp = state.machines[LB_MACHINE - 1]?.ip;
log(`the load balancer: curl http://${lbIp}/  (answers "app N on HOST", round-robin over app@1..${APP_INSTANCES})`);
log('cluster is up; `npm run down` removes it');

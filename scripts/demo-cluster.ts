/**
 * The cluster `npm run up` builds, as a library: scripts/up.ts runs it for the user (cluster "demo", persistent,
 * .flotilla/cluster.env), test/cluster/readme-examples.test.ts runs the same steps on a cluster of its own, so the
 * README's examples are checked against what `up` really makes.
 *
 * The cluster: 3 nspawn machines with the agent, dockerd and podman inside each (the test harness's `engines`
 * image), around a real etcd; secure by default (docs/cloud-config.md): etcd over TLS with client certificates and
 * users, each agent's API on TCP with the cluster's token over TLS. Its example units: hello.service, the container
 * web tier web@1..3.container (an image built locally: no registry is reachable), app@ scaled to 3 and lb.service on
 * m3 (`role=lb`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR, clusterCliEnv, type ClusterOptions } from '../test/harness/cluster.js';
import { importBusyboxImage, type EngineName } from '../test/harness/docker.js';
import { waitUntil } from '../test/harness/exec.js';
import type { Machine } from '../test/harness/machines.js';
import type { ClusterState } from '../test/harness/state.js';

export const DEMO_MACHINES = 3;
export const LB_MACHINE = 3;
export const APP_INSTANCES = 3;
export const API_PORT = 54728;
/** The image units/web@.container runs; imported into every machine's docker and podman. */
export const WEB_IMAGE = 'localhost/fl/web:1';
export const WEB_PAGE = 'hello from a flotilla container\n';
/** Where units/web@.container publishes its port on the machine (app@ holds 8080). */
export const WEB_PORT = 8090;
export const EXAMPLE_UNITS = ['units/hello.service', 'units/web@1.container', 'units/web@2.container', 'units/web@3.container'];
/** Changes whenever what `up` builds changes: a running cluster of another layout is rebuilt, not reused. */
export const LAYOUT = `v4 machine=mN, m${LB_MACHINE} role=lb, secure, api 0.0.0.0:${API_PORT}, engines`;

/** startCluster's options for the `up` cluster. */
export function demoClusterOptions(id: string, persistent: boolean, log: (line: string) => void): ClusterOptions {
  return {
    id,
    machines: DEMO_MACHINES,
    persistent,
    ttlSec: 10,
    metadata: (i) => ({ machine: `m${i}`, ...(i === LB_MACHINE ? { role: 'lb' } : {}) }),
    secure: true,
    containerEngines: true,
    // status, journal, --driver=api and the dashboard reach the agents here, with the cluster's token over TLS.
    agentEnv: { FLOTILLA_API_LISTEN: `0.0.0.0:${API_PORT}` },
    log,
  };
}

/** The URL of a machine's agent API (what the agent publishes as its apiUrl: TLS, the machine's bridge address). */
export function apiUrlOf(ip: string): string {
  return `https://${ip}:${API_PORT}`;
}

/**
 * `bin/flotilla`'s environment for the cluster, as written to .flotilla/cluster.env: etcd endpoint, TLS files,
 * user and API token (harness), and FLOTILLA_API_ENDPOINT, the first machine's API, which `--driver=api` uses when
 * no `--endpoint` is given.
 */
export function demoCliEnv(state: ClusterState): Record<string, string> {
  const first = state.machines[0];
  return { ...clusterCliEnv(state), ...(first ? { FLOTILLA_API_ENDPOINT: apiUrlOf(first.ip) } : {}) };
}

/** Writes the environment file, readable by its owner only: it holds the etcd password and the API token. */
export function writeClusterEnv(file: string, env: Record<string, string>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Object.entries(env).map(([key, value]) => `${key}=${value}\n`).join(''), { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
}

/** Reads such a file back (KEY=VALUE lines, as bin/flotilla reads it). */
export function readClusterEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/**
 * Waits for dockerd and podman in every machine, then gives each engine the web image, built from Debian's static
 * busybox (test/harness/docker.ts), unless it has it already (a reused cluster).
 */
export async function prepareEngines(machines: readonly Machine[], log: (line: string) => void): Promise<void> {
  await Promise.all(machines.map(async (m) => {
    for (const engine of ['docker', 'podman'] as EngineName[]) {
      await waitUntil(`${engine} in ${m.name}`, async () => ((await m.exec([engine, 'info'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 120_000, intervalMs: 250 });
      if ((await m.exec([engine, 'image', 'inspect', WEB_IMAGE], { timeoutMs: 20_000 })).code === 0) continue;
      await importBusyboxImage([engine], WEB_IMAGE, { prefix: ['nsenter', '-t', String(m.leaderPid), '-a', '--'], page: WEB_PAGE });
    }
  }));
  log(`docker and podman ready in every machine, with ${WEB_IMAGE}`);
}

/** Runs bin/flotilla with the cluster's environment (nothing of the caller's FLOTILLA_* settings); its exit code. */
export type DemoCli = (args: string[]) => Promise<number>;

/** bin/flotilla with `env` only for its cluster settings, output to this process's terminal. */
export function inheritedCli(env: Record<string, string>): DemoCli {
  return (args) => new Promise((resolve) => {
    const child = spawn(path.join(REPO_DIR, 'bin/flotilla'), args, { stdio: 'inherit', cwd: REPO_DIR, env: cliProcessEnv(env) });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

/** This process's environment without its own cluster settings, plus the cluster's. */
export function cliProcessEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const own = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(FLOTILLA|FLEETCTL)_/.test(key)));
  return { ...own, ...env };
}

/** Starts the example units; the first non-zero exit code of the CLI, or 0. */
export async function startExampleUnits(cli: DemoCli, log: (line: string) => void): Promise<number> {
  log(`starting ${EXAMPLE_UNITS.map((u) => path.basename(u)).join(', ')}`);
  const started = await cli(['start', ...EXAMPLE_UNITS]);
  log(`scaling app@ to ${APP_INSTANCES} and starting lb.service (HAProxy on m${LB_MACHINE}, role=lb)`);
  const scaled = started || (await cli(['scale', 'units/app@.service', String(APP_INSTANCES)]));
  return scaled || (await cli(['start', 'units/lb.service']));
}

/** What `up` prints at the end: where the load balancer, the web tier and the dashboard are, and how to log in. */
export function summaryLines(state: ClusterState, envFile: string): string[] {
  const lbIp = state.machines[LB_MACHINE - 1]?.ip;
  const ips = state.machines.map((m) => m.ip);
  const env = path.relative(process.cwd(), envFile) || envFile;
  return [
    `the load balancer: curl http://${lbIp}/  (answers "app N on HOST", round-robin over app@1..${APP_INSTANCES})`,
    `the web containers: curl http://${ips[0]}:${WEB_PORT}/  (web@1..${DEMO_MACHINES}.container, one per machine)`,
    `the dashboard: ${apiUrlOf(ips[0] ?? '')}/  (any machine's API, ${ips.map((ip) => `${ip}:${API_PORT}`).join(', ')})`,
    `  log in with the token FLOTILLA_API_TOKEN in ${env}; the certificate is signed by the cluster's CA, ${state.pkiDir}/ca.pem`,
    `bin/flotilla reads ${env} (status, journal [-f], --driver=api included); \`npm run down\` removes the cluster`,
  ];
}

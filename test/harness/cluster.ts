/**
 * A whole test cluster on real parts: a real etcd, a bridge, N nspawn machines each running the agent.
 * Used by cluster tests, benches and `npm run up`. Teardown works from the recorded state file alone.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RegistryOptions } from '@flotilla/core';
import { startEtcd, type EtcdHandle } from './etcd.js';
import { ensureImage, type ImageVariant } from './image.js';
import { inMachineCgroup } from './cgroups.js';
import { bootMachine, destroyMachine, Machine, MACHINE_EXIT_DEADLINE_MS, type AgentSetup } from './machines.js';
import { addIptablesRule, createBridge, deleteBridge, deleteIptablesRule, forwardRule } from './network.js';
import { describeProcesses, findProcesses, isAlive, killAndWait, waitForProcessesGone, type ProcessEntry } from './processes.js';
import { clusterDir, loadState, saveState, type ClusterState } from './state.js';
import { clusterPki, type NodeRole } from './pki.js';

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ClusterOptions {
  machines: number;
  /** Run the agent in every machine (needs `npm run build` first). Default true. */
  agent?: boolean;
  ttlSec?: number;
  metadata?: (index: number) => Record<string, string>;
  /** Fixed id (`npm run up` uses "demo"); random otherwise. */
  id?: string;
  persistent?: boolean;
  log?: (line: string) => void;
  agentEnv?: Record<string, string>;
  /** Which machines (1-based) may become the scheduler; default all. The others run the lean worker agent. */
  scheduler?: (index: number) => boolean;
  /** Start etcd on the host (default true). Off when a machine runs etcd itself (a cloud-config master). */
  etcd?: boolean;
  /** A machine's own cloud-config instead of the generated worker one; gets its index and the subnet prefix. */
  userData?: (index: number, subnet: string) => string | undefined;
  /**
   * Machines with their own dockerd and podman (container units; docs/containers.md): all of them, or those
   * (1-based) the function picks, the others booting the lighter base image.
   */
  containerEngines?: boolean | ((index: number) => boolean);
  /**
   * etcd members on the host (default 1). With more, every agent is given every member's bridge address, so one
   * member can die without cutting anyone off (docs/registry.md, "Timeouts and failures").
   */
  etcdMembers?: number;
  /**
   * The host's etcd serves TLS with client certificates and turns auth on (users per client, a role on the
   * keyspace), and the agents reach it that way: docs/cloud-config.md, "Secure by default". Default true: every
   * cluster test runs as a production cluster would; connect with `registryOptions`, `cliEnv`, `etcdctlArgs`.
   * Either way every machine gets its share of the cluster's PKI, and an agent API on TCP its token and TLS.
   */
  secure?: boolean;
  /** Which share of the PKI a machine gets (default worker; a machine applying the master config needs master). */
  nodeRole?: (index: number) => NodeRole;
}

export interface Cluster {
  id: string;
  state: ClusterState;
  /** etcd client URLs on loopback (for the CLI and tests on the host). */
  endpoints: string[];
  /** How a test on the host connects to the cluster's etcd: endpoints, and for a secure cluster TLS and a user. */
  registryOptions: RegistryOptions;
  /** What `bin/flotilla` needs to reach the cluster (`.flotilla/cluster.env` of `npm run up`): endpoint, TLS, user, API token. */
  cliEnv: Record<string, string>;
  /** etcdctl's flags for the cluster's etcd (endpoints, TLS, user). */
  etcdctlArgs: string[];
  machines: Machine[];
  etcd: EtcdHandle;
  /**
   * Boots one more machine (named <id>-m<n>, n never reused). `as` (1-based) gives it machine `as`'s setup
   * (metadata, engines, scheduler, role) instead of its own index's: a replacement in that machine's place.
   */
  addMachine(as?: number): Promise<Machine>;
  /** Pulls the machine's plug (SIGKILL to its PID 1), removes what it left and forgets it. */
  removeMachine(machine: Machine): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const id = opts.id ?? crypto.randomBytes(2).toString('hex');
  const log = opts.log ?? (() => {});
  const state: ClusterState = {
    id,
    persistent: opts.persistent ?? false,
    ownerPid: process.pid,
    runId: process.env.FLOTILLA_TEST_RUN,
    dir: clusterDir(id),
    iptablesRules: [],
    etcdPids: [],
    etcdEndpoints: [],
    machines: [],
  };
  saveState(state);
  let tearingDown = false;
  const teardownOnSignal = () => {
    if (tearingDown) return;
    tearingDown = true;
    void teardownCluster(state).finally(() => process.exit(130));
  };
  if (!state.persistent) {
    // `on`, not `once`: etcd.ts's own handler exits at once when no other listener is left, which a `once`
    // listener no longer is while it runs, and the teardown would be cut short.
    process.on('SIGINT', teardownOnSignal);
    process.on('SIGTERM', teardownOnSignal);
  }
  try {
    const engines = (index: number) => (typeof opts.containerEngines === 'function' ? opts.containerEngines(index) : opts.containerEngines === true);
    const variant = (index: number): ImageVariant => (engines(index) ? 'engines' : 'base');
    // Built (once, cached) before anything else exists; machines boot in parallel and must not each build it.
    for (const v of new Set(Array.from({ length: opts.machines }, (_, i) => variant(i + 1)))) await ensureImage(log, v);
    const plan = await createBridge(`fl-${id}`);
    Object.assign(state, { bridge: plan.bridge, hostIp: plan.hostIp, subnet: plan.subnet });
    saveState(state);
    const rule = forwardRule(plan.bridge);
    if (await addIptablesRule(rule)) state.iptablesRules.push(rule);
    // Host names/IPs etcd's and the shared agent certificate cover: the host's bridge address (the host etcd) and
    // the first machines' addresses (a machine may run etcd itself: cloud-config.test.ts).
    const pki = clusterPki(path.join(state.dir, 'pki'), [plan.hostIp, ...Array.from({ length: opts.machines }, (_, i) => `${plan.subnet}.${11 + i}`)]);
    state.pkiDir = pki.dir;
    state.secure = opts.secure ?? true;
    saveState(state);
    const etcd = opts.etcd === false ? undefined : await startHostEtcd(state, plan.hostIp, opts.etcdMembers ?? 1, log);

    const machines: Machine[] = [];
    // Never reused: a name (and its veth, vb-<name>) or address still held by a machine being removed must not be taken.
    let booted = 0;
    const addMachine = async (as?: number) => {
      const number = ++booted;
      const index = as ?? number;
      const name = `${id}-m${number}`;
      const ip = `${plan.subnet}.${10 + number}`;
      const agent: AgentSetup | undefined =
        opts.agent === false
          ? undefined
          : {
              endpoint: state.etcdBridgeEndpoint ?? 'http://127.0.0.1:2379',
              ...(state.etcdBridgeEndpoints ? { endpoints: state.etcdBridgeEndpoints } : {}),
              ttlSec: opts.ttlSec ?? 10,
              metadata: opts.metadata?.(index),
              repoDir: REPO_DIR,
              extraEnv: opts.agentEnv,
              scheduler: opts.scheduler?.(index) ?? true,
              userData: opts.userData?.(index, plan.subnet),
              pki: pki.nodeFiles(opts.nodeRole?.(index) ?? 'worker', name, ip),
            };
      const dir = path.join(state.dir, 'machines', name);
      const machineState = { name, ip, machineId: '', dir, merged: path.join(dir, 'merged') };
      state.machines.push(machineState);
      saveState(state);
      const machine = await bootMachine({
        state: machineState, rootfs: await ensureImage(log, variant(index)), bridge: plan.bridge, agent,
        detached: state.persistent, onProgress: () => saveState(state), engines: engines(index),
      });
      machines.push(machine);
      log(`machine ${name} up: ${machine.ip}, id ${machine.id}`);
      return machine;
    };
    // Boot in parallel: systemd's boot is mostly waiting.
    await Promise.all(Array.from({ length: opts.machines }, () => addMachine()));
    machines.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    const removeMachine = async (machine: Machine) => {
      await destroyMachine(machine.state);
      state.machines = state.machines.filter((m) => m !== machine.state);
      saveState(state);
      if (machines.includes(machine)) machines.splice(machines.indexOf(machine), 1);
    };
    return {
      id, state, endpoints: etcd?.endpoints ?? [], machines, addMachine, removeMachine,
      registryOptions: clusterRegistryOptions(state),
      cliEnv: clusterCliEnv(state),
      etcdctlArgs: clusterEtcdctlArgs(state),
      get etcd(): EtcdHandle {
        if (!etcd) throw new Error(`cluster ${id} was started with etcd: false; its etcd runs in a machine`);
        return etcd;
      },
      async stop() {
        process.off('SIGINT', teardownOnSignal);
        process.off('SIGTERM', teardownOnSignal);
        await teardownCluster(state);
      },
    };
  } catch (err) {
    // FLOTILLA_KEEP_FAILED=1 leaves a cluster that failed to start in place for a post-mortem (`npm run down` / sweep).
    if (process.env.FLOTILLA_KEEP_FAILED !== '1') await teardownCluster(state);
    throw err;
  }
}

async function startHostEtcd(state: ClusterState, hostIp: string, members: number, log: (line: string) => void): Promise<EtcdHandle> {
  const security = state.secure ? clusterPki(state.pkiDir as string).etcdOptions() : {};
  const etcd = await startEtcd({ members, extraListenHosts: [hostIp], workDir: path.join(state.dir, 'etcd'), detached: state.persistent, ...security });
  const bridgeEndpoints = etcd.members.map((m) => `${state.secure ? 'https' : 'http'}://${hostIp}:${m.clientPort}`);
  state.etcdPids = etcd.members.map((m) => m.pid);
  state.etcdEndpoints = etcd.endpoints;
  state.etcdBridgeEndpoint = bridgeEndpoints[0];
  if (members > 1) state.etcdBridgeEndpoints = bridgeEndpoints;
  saveState(state);
  log(`etcd on ${etcd.endpoints.join(',')} (machines reach it at ${state.etcdBridgeEndpoint})`);
  return etcd;
}

/** How tests on the host connect to a cluster's etcd (the CLI's user, with the CLI's certificate when secure). */
export function clusterRegistryOptions(state: ClusterState): RegistryOptions {
  if (!state.secure || !state.pkiDir) return { endpoints: state.etcdEndpoints };
  return { endpoints: state.etcdEndpoints, ...clusterPki(state.pkiDir).cliRegistryOptions() };
}

/** `bin/flotilla`'s environment for a cluster: `npm run up` writes it to .flotilla/cluster.env. */
export function clusterCliEnv(state: ClusterState): Record<string, string> {
  const env: Record<string, string> = { FLOTILLA_ENDPOINT: state.etcdEndpoints.join(',') };
  return state.pkiDir ? { ...env, ...clusterPki(state.pkiDir).cliEnv(state.secure ?? false) } : env;
}

export function clusterEtcdctlArgs(state: ClusterState): string[] {
  const endpoints = [`--endpoints=${state.etcdEndpoints.join(',')}`];
  return state.secure && state.pkiDir ? [...endpoints, ...clusterPki(state.pkiDir).etcdctlFlags()] : endpoints;
}

/**
 * The cluster's processes still in the process table, zombies included: everything in its machines' cgroups
 * (each nspawn and all under its PID 1), and its etcd members and dockerd (checked by name too, as their pids
 * may have been reused once they were reaped).
 */
export function clusterProcesses(state: ClusterState): ProcessEntry[] {
  const daemons = new Map<number, string>([...state.etcdPids.map((pid): [number, string] => [pid, 'etcd']), ...(state.dockerdPid ? [[state.dockerdPid, 'dockerd'] as [number, string]] : [])]);
  return findProcesses((p) => daemons.get(p.pid) === p.comm || state.machines.some((m) => inMachineCgroup(p.cgroup, m.name)));
}

/**
 * Removes everything a cluster made, from its state alone; safe to call twice or on a half-made cluster. Returns
 * only once no process of the cluster is left in the process table (`npm run down` returned while its nspawns
 * were still exiting); past the deadline it throws naming them, and keeps the state file so that `npm run down`
 * or the sweep can try again.
 */
export async function teardownCluster(state: ClusterState): Promise<void> {
  await Promise.all(state.machines.map((m) => destroyMachine(m)));
  await Promise.all(state.etcdPids.filter(isAlive).map((pid) => killAndWait(pid, 2000)));
  if (state.dockerdPid && isAlive(state.dockerdPid)) await killAndWait(state.dockerdPid, 5000);
  for (const rule of state.iptablesRules) await deleteIptablesRule(rule);
  if (state.bridge) await deleteBridge(state.bridge);
  const left = await waitForProcessesGone(() => clusterProcesses(state), MACHINE_EXIT_DEADLINE_MS);
  if (left.length > 0) throw new Error(`cluster ${state.id}: processes still there after teardown: ${describeProcesses(left)}`);
  fs.rmSync(state.dir, { recursive: true, force: true });
}

export async function teardownClusterById(id: string): Promise<boolean> {
  const state = loadState(id);
  if (!state) return false;
  await teardownCluster(state);
  return true;
}

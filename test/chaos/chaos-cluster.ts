/**
 * The chaos suite's cluster: the harness's parts (bridge, nspawn machines provisioned by cloud-config, state file)
 * assembled as `startCluster` does, but on a 3-member etcd whose members the agents all know (FLOTILLA_ENDPOINT
 * lists every member's bridge address), so one member can die without cutting anyone off (docs/registry.md,
 * "Timeouts and failures": failover). Machines live in slots; a killed machine's replacement takes its slot and
 * its metadata. Teardown is the harness's: from the state file alone, also from the test run's global sweep
 * (test/harness/sweep.ts) when this process dies; a process-exit hook kills the machines at once.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { REPO_DIR, teardownCluster } from '../harness/cluster.js';
import { startEtcd, type EtcdHandle } from '../harness/etcd.js';
import { ensureImage } from '../harness/image.js';
import { bootMachine, destroyMachine, type Machine } from '../harness/machines.js';
import { addIptablesRule, createBridge, deleteIptablesRule, forwardRule } from '../harness/network.js';
import { clusterDir, saveState, type ClusterState } from '../harness/state.js';

export interface ChaosClusterOptions {
  machines: number;
  ttlSec: number;
  metadata: (slot: number) => Record<string, string>;
  agentEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface ChaosCluster {
  state: ClusterState;
  hostIp: string;
  /** etcd client URLs on loopback, every member (the CLI's and the checker's). */
  endpoints: string[];
  etcd: EtcdHandle;
  /** The machine in each slot now. */
  readonly slots: Machine[];
  /** Kills the slot's machine (SIGKILL to its PID 1), removes it, and boots a new one in the slot. */
  replace(slot: number): Promise<Machine>;
  /** The slot a machine is in, or -1 for a machine that was replaced. */
  slotOf(machine: Machine): number;
  /** Keeps the state file's record of an etcd member's pid and of extra iptables rules current. */
  recordEtcdPids(): void;
  addRules(rules: string[][]): Promise<void>;
  removeRules(rules: string[][]): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosCluster(opts: ChaosClusterOptions): Promise<ChaosCluster> {
  const id = `cx${crypto.randomBytes(2).toString('hex')}`;
  const state: ClusterState = {
    id, persistent: false, ownerPid: process.pid, runId: process.env.FLOTILLA_TEST_RUN, dir: clusterDir(id),
    iptablesRules: [], etcdPids: [], etcdEndpoints: [], machines: [],
  };
  saveState(state);
  const hooks = exitHooks(state);
  try {
    const rootfs = await ensureImage(opts.log ?? (() => {}), 'base');
    const plan = await createBridge(`fl-${id}`);
    Object.assign(state, { bridge: plan.bridge, hostIp: plan.hostIp, subnet: plan.subnet });
    saveState(state);
    const rule = forwardRule(plan.bridge);
    if (await addIptablesRule(rule)) state.iptablesRules.push(rule);
    const etcd = await startEtcd({ members: 3, extraListenHosts: [plan.hostIp], workDir: path.join(state.dir, 'etcd') });
    const bridgeEndpoints = etcd.members.map((m) => `http://${plan.hostIp}:${m.clientPort}`);
    Object.assign(state, { etcdPids: etcd.members.map((m) => m.pid), etcdEndpoints: etcd.endpoints, etcdBridgeEndpoint: bridgeEndpoints[0] });
    saveState(state);
    let booted = 0;
    const boot = async (slot: number): Promise<Machine> => {
      // Never reused: a name (and its veth, vb-<name>) or address still held by a live machine must not be taken.
      const index = ++booted;
      const name = `${id}-m${index}`;
      const dir = path.join(state.dir, 'machines', name);
      const machineState = { name, ip: `${plan.subnet}.${10 + index}`, machineId: '', dir, merged: path.join(dir, 'merged') };
      state.machines.push(machineState);
      saveState(state);
      const agent = {
        endpoint: bridgeEndpoints[0]!, ttlSec: opts.ttlSec, metadata: opts.metadata(slot), repoDir: REPO_DIR,
        extraEnv: { ...opts.agentEnv, FLOTILLA_ENDPOINT: bridgeEndpoints.join(',') },
      };
      const machine = await bootMachine({ state: machineState, rootfs, bridge: plan.bridge, agent, onProgress: () => saveState(state) });
      opts.log?.(`machine ${name} (slot ${slot}) up: ${machine.ip}, id ${machine.id}`);
      return machine;
    };
    const slots = await Promise.all(Array.from({ length: opts.machines }, (_, slot) => boot(slot)));
    return {
      state, hostIp: plan.hostIp, endpoints: etcd.endpoints, etcd, slots,
      async replace(slot) {
        const old = slots[slot]!;
        await destroyMachine(old.state); // SIGKILL to its PID 1 first: a power cut, then the leftovers go
        state.machines = state.machines.filter((m) => m !== old.state);
        saveState(state);
        // A boot that fails (rare: the box under load) gets one more try, so the slot does not stay empty.
        slots[slot] = await boot(slot).catch((err: unknown) => {
          opts.log?.(`slot ${slot}: boot failed, once more: ${(err as Error).message.split('\n')[0]}`);
          return boot(slot);
        });
        return slots[slot]!;
      },
      slotOf: (machine) => slots.indexOf(machine),
      recordEtcdPids() {
        state.etcdPids = etcd.members.map((m) => m.pid);
        saveState(state);
      },
      async addRules(rules) {
        for (const r of rules) {
          state.iptablesRules.push(r); // recorded before it exists: teardown deletes what may be there
          saveState(state);
          if (!(await addIptablesRule(r))) throw new Error(`iptables -I ${r.join(' ')} failed`);
        }
      },
      async removeRules(rules) {
        for (const r of rules) await deleteIptablesRule(r);
        const gone = new Set(rules.map((r) => r.join(' ')));
        state.iptablesRules = state.iptablesRules.filter((r) => !gone.has(r.join(' ')));
        saveState(state);
      },
      async stop() {
        hooks.disarm();
        await etcd.stop(); // also drops its die-with-owner hooks; teardown finds the members gone
        await teardownCluster(state);
      },
    };
  } catch (err) {
    hooks.disarm();
    await teardownCluster(state);
    throw err;
  }
}

/**
 * SIGINT/SIGTERM tear the cluster down (as startCluster's handlers do); a plain exit (an uncaught error, a bench
 * whose pipe closed) cannot wait, so it kills every machine's PID 1 and nspawn at once and leaves mounts, bridge
 * and rules to the sweep, which works from the state file (the owner pid is then dead).
 */
function exitHooks(state: ClusterState): { disarm(): void } {
  let tearingDown = false;
  const onSignal = () => {
    if (tearingDown) return;
    tearingDown = true;
    void teardownCluster(state).finally(() => process.exit(130));
  };
  const onExit = () => {
    for (const m of state.machines) {
      for (const pid of [m.leaderPid, m.nspawnPid]) {
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  };
  // `on`, not `once`: etcd.ts's own signal handler exits at once when it finds no other listener left, which a
  // `once` listener no longer is while it runs, and the teardown would be cut short.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.once('exit', onExit);
  return {
    disarm() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', onExit);
    },
  };
}

/**
 * The chaos suite's cluster: the harness's own (`startCluster`: secure by default, so etcd serves TLS with client
 * certificates and auth, and each agent has its certificate and user), on a 3-member etcd whose bridge addresses
 * every agent has, so one member can die without cutting anyone off (docs/registry.md, "Timeouts and failures").
 * Machines live in slots; a killed machine's replacement takes its slot's setup (metadata, engines). The slots
 * that run a dockerd get the container unit's image after each boot (there is no registry to pull from).
 * Teardown is the harness's, from the state file; a plain process exit also kills the machines at once.
 */
import crypto from 'node:crypto';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { importBusyboxImage } from '../harness/docker.js';
import type { EtcdHandle } from '../harness/etcd.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { addIptablesRule, deleteIptablesRule } from '../harness/network.js';
import { saveState, type ClusterState } from '../harness/state.js';

export interface ChaosClusterOptions {
  machines: number;
  ttlSec: number;
  metadata: (slot: number) => Record<string, string>;
  /** Slots whose machines run a dockerd, loaded with `image`. */
  engines: (slot: number) => boolean;
  image: string;
  agentEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface ChaosCluster {
  /** The harness's cluster: etcd, endpoints, `registryOptions` and `cliEnv` (TLS, users, token). */
  readonly cluster: Cluster;
  readonly hostIp: string;
  readonly etcd: EtcdHandle;
  /** The machine in each slot now. */
  readonly slots: Machine[];
  /** Kills the slot's machine (SIGKILL to its PID 1), removes it, and boots a new one in the slot. */
  replace(slot: number): Promise<Machine>;
  /** Keeps the state file's record of the etcd members' pids current (a restarted member has a new one). */
  recordEtcdPids(): void;
  /** iptables rules recorded in the state file, so that teardown (or the sweep) removes them too. */
  addRules(rules: string[][]): Promise<void>;
  removeRules(rules: string[][]): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosCluster(opts: ChaosClusterOptions): Promise<ChaosCluster> {
  const cluster = await startCluster({
    id: `cx${crypto.randomBytes(2).toString('hex')}`, machines: opts.machines, ttlSec: opts.ttlSec, etcdMembers: 3,
    metadata: (index) => opts.metadata(index - 1), containerEngines: (index) => opts.engines(index - 1),
    agentEnv: opts.agentEnv, log: opts.log,
  });
  const { state } = cluster;
  const disarm = killMachinesOnExit(state);
  const ready = async (machine: Machine, slot: number): Promise<Machine> => {
    if (opts.engines(slot)) await loadImage(machine, opts.image);
    opts.log?.(`machine ${machine.name} (slot ${slot}) up: ${machine.ip}, id ${machine.id}`);
    return machine;
  };
  try {
    // Machine n was booted with index n's setup: slot n - 1 (startCluster sorts them by number).
    const slots = await Promise.all(cluster.machines.map((m, slot) => ready(m, slot)));
    const boot = async (slot: number) => ready(await cluster.addMachine(slot + 1), slot);
    return {
      cluster, hostIp: state.hostIp!, etcd: cluster.etcd, slots,
      async replace(slot) {
        await cluster.removeMachine(slots[slot]!); // SIGKILL to its PID 1 first: a power cut, then the leftovers go
        // A boot that fails (rare: the box under load) gets one more try, so the slot does not stay empty.
        slots[slot] = await boot(slot).catch((err: unknown) => {
          opts.log?.(`slot ${slot}: boot failed, once more: ${(err as Error).message.split('\n')[0]}`);
          return boot(slot);
        });
        return slots[slot]!;
      },
      recordEtcdPids() {
        state.etcdPids = cluster.etcd.members.map((m) => m.pid);
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
        disarm();
        await cluster.etcd.stop(); // drops its die-with-owner hooks; teardown then finds the members gone
        await cluster.stop();
      },
    };
  } catch (err) {
    disarm();
    await cluster.stop();
    throw err;
  }
}

/** Waits for the machine's dockerd, then imports the image into it (docs/containers.md: never pulled by `run`). */
async function loadImage(machine: Machine, image: string): Promise<void> {
  await waitUntil(`docker in ${machine.name}`, async () => ((await machine.exec(['docker', 'info'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 90_000, intervalMs: 250 });
  await importBusyboxImage(['docker'], image, { prefix: ['nsenter', '-t', String(machine.leaderPid), '-a', '--'] });
}

/**
 * A plain exit (an uncaught error, a bench whose pipe closed) cannot wait for a teardown, so it kills every
 * machine's PID 1 and nspawn at once and leaves mounts, bridge and rules to the sweep, which works from the state
 * file (the owner pid is then dead). SIGINT/SIGTERM are startCluster's: a full teardown.
 */
function killMachinesOnExit(state: ClusterState): () => void {
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
  process.once('exit', onExit);
  return () => process.off('exit', onExit);
}

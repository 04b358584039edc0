/**
 * Puts each scheduled fault in place on the real cluster, holds it, and undoes it (I/O). Every fault that lasts
 * is written as inject → hold → undo in a `finally`, and the hold ends early when the run is aborted, so a fault
 * is always undone before the run ends, whatever happens (heal, thaw, start the agent, restart the member, remove
 * the rules). Machines whose documented behaviour allows an overlap get a cut-off window (allowances.ts) from
 * before the fault until one TTL after its undo.
 */
import type { EtcdRegistry } from '@flotilla/core';
import { waitUntil } from '../harness/exec.js';
import {
  agentMainPid, freezeAgent, heal, killAgent, packetLossRules, partition, restartAgent, startAgent, stopAgent, thawAgent,
  throttleLink, unthrottleLink,
} from '../harness/faults.js';
import type { Machine } from '../harness/machines.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { FaultEvent } from './schedule.js';
import { CONTAINER_UNIT, systemdName } from './units.js';

const CONTAINER_SERVICE = systemdName(CONTAINER_UNIT);

export interface FaultContext {
  cluster: ChaosCluster;
  registry: EtcdRegistry;
  /** Aborted when the run ends early: holds stop and faults are undone. */
  signal: AbortSignal;
  log(line: string): void;
  /** Opens a cut-off window for `machine`; the returned function closes it one TTL from now. */
  cutOff(machine: Machine, cause: string): () => void;
  /** The sampler's machines changed (a replaced machine); `leaving` is about to die and is no longer asked. */
  machinesChanged(leaving?: Machine): void;
  /** Reads what must be read from a machine before it is killed (its journal dies with it). */
  beforeKill(machine: Machine): Promise<void>;
  /** Runs the CLI burst's commands (burst.ts). */
  burst(ev: FaultEvent): Promise<void>;
  /** The slot whose machine the container unit is active on, by the sampler's latest round. */
  containerSlot(): number | undefined;
}

const names = (machines: readonly Machine[]) => machines.map((m) => m.name).join(', ');

/** Runs one event to its end (undone). Throws when a step failed; the fault is undone all the same. */
export async function runFault(ev: FaultEvent, ctx: FaultContext): Promise<void> {
  const machines = ev.slots.map((s) => ctx.cluster.slots[s]!);
  switch (ev.kind) {
    case 'kill-agent':
      return windowed(ctx, machines, ev.kind, () => killAgentAndWait(machines[0]!, ctx));
    case 'restart-agent':
      return windowed(ctx, machines, ev.kind, () => restartAgent(machines[0]!));
    case 'stop-agent':
      return windowed(ctx, machines, ev.kind, () => held(ctx, ev, () => stopAgent(machines[0]!), () => startAgent(machines[0]!), 'agent started'));
    case 'kill-machine':
      return replaceMachine(ev.slots[0]!, ctx);
    case 'partition':
      return windowed(ctx, machines, ev.kind, () => held(ctx, ev, () => each(machines, partition), () => each(machines, heal), `healed ${names(machines)}`));
    case 'lossy-link':
      return lossyLink(ev, machines[0]!, ctx);
    case 'slow-link':
      return windowed(ctx, machines, ev.kind, () => held(ctx, ev, () => throttleLink(machines[0]!, ev.rateKbit!), () => unthrottleLink(machines[0]!), 'link rate restored'));
    case 'etcd-member':
      return etcdMember(ev, ctx);
    case 'freeze-leader':
      return freezeLeader(ev, machines[0]!, ctx);
    case 'cli-burst':
      return ctx.burst(ev);
    case 'restart-dockerd':
      return restartDockerd(machines[0]!, ctx);
  }
}

/** The machines' cut-off windows span `body`, and close (one TTL on) however it ends. */
async function windowed(ctx: FaultContext, machines: readonly Machine[], cause: string, body: () => Promise<void>): Promise<void> {
  const closers = machines.map((m) => ctx.cutOff(m, cause));
  try {
    await body();
  } finally {
    for (const close of closers) close();
  }
}

/** inject → hold for the event's duration (less if the run is aborted) → undo, the undo in any case. */
async function held(ctx: FaultContext, ev: FaultEvent, inject: () => Promise<void>, undo: () => Promise<void>, undone: string): Promise<void> {
  try {
    await inject();
    await hold(ev.durationMs, ctx.signal);
  } finally {
    await undo();
    ctx.log(`#${ev.index} ${undone}`);
  }
}

function hold(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function each(machines: readonly Machine[], act: (m: Machine) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(machines.map(act));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** kill -9; systemd starts the agent again after RestartSec=1 (docs/agent.md, "An agent crash is not a machine loss"). */
async function killAgentAndWait(machine: Machine, ctx: FaultContext): Promise<void> {
  const before = await agentMainPid(machine);
  await killAgent(machine);
  try {
    await waitUntil(`${machine.name}'s agent back`, async () => {
      const pid = await agentMainPid(machine);
      return pid > 0 && pid !== before ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
  } catch (err) {
    await startAgent(machine); // systemd gave up on it (start limit): the undo is ours
    throw err;
  }
  ctx.log(`agent on ${machine.name} back`);
}

async function replaceMachine(slot: number, ctx: FaultContext): Promise<void> {
  const old = ctx.cluster.slots[slot]!;
  await ctx.beforeKill(old);
  // A dead machine runs nothing; asking it would only stall a sampling round until the D-Bus call's deadline.
  ctx.machinesChanged(old);
  try {
    const fresh = await ctx.cluster.replace(slot);
    ctx.log(`slot ${slot}: ${old.name} killed, ${fresh.name} booted in its place`);
  } finally {
    ctx.machinesChanged();
  }
}

async function lossyLink(ev: FaultEvent, machine: Machine, ctx: FaultContext): Promise<void> {
  const rules = packetLossRules(machine, ctx.cluster.hostIp, ev.lossPercent!);
  await windowed(ctx, [machine], ev.kind, () => held(ctx, ev, () => ctx.cluster.addRules(rules), () => ctx.cluster.removeRules(rules), `packet loss on ${machine.name} removed`));
}

async function etcdMember(ev: FaultEvent, ctx: FaultContext): Promise<void> {
  const member = ctx.cluster.etcd.members[ev.member!]!;
  await held(ctx, ev, () => ctx.cluster.etcd.killMember(member.name), async () => {
    await ctx.cluster.etcd.restartMember(member.name);
    ctx.cluster.recordEtcdPids();
  }, `etcd ${member.name} restarted`);
}

/**
 * SIGSTOP of the scheduler leader's agent, past its election lease, then SIGCONT (scheduler-fencing.test.ts does
 * this to a scheduler process; here to the real daemon). The runner has found the leader's slot (`leaderSlot`).
 */
async function freezeLeader(ev: FaultEvent, machine: Machine, ctx: FaultContext): Promise<void> {
  let pid = 0;
  await windowed(ctx, [machine], ev.kind, () =>
    held(ctx, ev, async () => {
      pid = await freezeAgent(machine);
      ctx.log(`#${ev.index} leader ${machine.name}'s agent (pid ${pid}) frozen`);
    }, async () => {
      if (pid > 0) await thawAgent(machine, pid);
    }, `leader ${machine.name}'s agent resumed`),
  );
}

/**
 * `systemctl restart docker` in the machine: dockerd stops its containers, so the container unit's engine client
 * exits and systemd (Restart=always) or the agent (a launched unit found failed) starts it again once dockerd is
 * back. The agent itself is untouched: no cut-off window. Done when dockerd answers again and, if the container
 * ran here, when it runs again as a new invocation (the fault bit), within a minute (else a fault error).
 */
async function restartDockerd(machine: Machine, ctx: FaultContext): Promise<void> {
  const before = await containerInvocation(machine);
  const restarted = await machine.exec(['systemctl', 'restart', 'docker.service'], { timeoutMs: 90_000 });
  if (restarted.code !== 0) throw new Error(`systemctl restart docker on ${machine.name}: ${restarted.stderr.trim()}`);
  await waitUntil(`${machine.name}'s dockerd back`, async () => ((await machine.exec(['docker', 'info'], { timeoutMs: 20_000 })).code === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
  ctx.log(`dockerd on ${machine.name} back`);
  if (!before) return;
  const from = Date.now();
  await waitUntil(`${CONTAINER_SERVICE} running again on ${machine.name}`, async () => {
    const now = await containerInvocation(machine);
    return now && now !== before ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  ctx.log(`${CONTAINER_SERVICE} on ${machine.name} running again (a new invocation) ${((Date.now() - from) / 1000).toFixed(1)} s after dockerd`);
}

/** The container unit's InvocationID on the machine while it is active, else undefined. */
async function containerInvocation(machine: Machine): Promise<string | undefined> {
  const show = await machine.systemctlShow(CONTAINER_SERVICE, ['ActiveState', 'InvocationID']).catch(() => undefined);
  return show?.ActiveState === 'active' && show.InvocationID ? show.InvocationID : undefined;
}

/** The slot of the machine whose agent leads the scheduler now, if one does. */
export async function leaderSlot(ctx: Pick<FaultContext, 'registry' | 'cluster'>): Promise<number | undefined> {
  const leaderId = await ctx.registry.currentLeader().catch(() => undefined);
  const slot = ctx.cluster.slots.findIndex((m) => m.id === leaderId);
  return slot >= 0 ? slot : undefined;
}

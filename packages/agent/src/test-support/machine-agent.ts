/**
 * The config of an agent that runs on the host against one nspawn machine's systemd (its bus and its units
 * directory reached through the machine's PID 1), with the in-memory registry: what the agent's real-systemd tests
 * share. Each test adds or overrides what it is about (logger, pass interval, renderers).
 */
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { MachineRecord } from '@flotilla/core';
import { startCluster, type Cluster, type Machine } from '../../../../test/harness/index.js';
import { startAgent, type AgentConfig, type AgentHandle } from '../agent.js';
import type { MemoryRegistry } from '../../../core/src/testing/memory-registry.js';

/** Where the agent writes unit files, as systemd inside the machine sees it. */
export const MACHINE_UNITS_DIR = '/run/flotilla/units';

/** The same directory seen from the host. */
export function hostUnitsDir(machine: Machine): string {
  return path.join(`/proc/${machine.leaderPid}/root`, MACHINE_UNITS_DIR);
}

export function machineRecordOf(machine: Machine): MachineRecord {
  return { id: machine.id, hostname: machine.name, ip: machine.ip, metadata: {}, version: 'test', startedAt: Date.now() };
}

export function machineAgentConfig(machine: Machine, registry: MemoryRegistry, extra: Partial<AgentConfig> = {}): AgentConfig {
  return {
    registry,
    machine: machineRecordOf(machine),
    ttlSec: 10,
    unitsDir: hostUnitsDir(machine),
    unitsDirSeenBySystemd: MACHINE_UNITS_DIR,
    busAddress: machine.busAddress,
    logger: pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' }),
    // Events must do the work; the periodic pass is only a safety net.
    reconcileIntervalMs: 60_000,
    ...extra,
  };
}

/** How a describe block gets its machine and agent; the block may stop or replace the agent in its tests. */
export interface MachineAgentHooks {
  /** The agent's config, once the machine is up (the block keeps the machine from here). */
  config(machine: Machine): AgentConfig;
  /** The started agent, for the block's variable. */
  started(agent: AgentHandle): void;
  /** The agent to stop at the end, if any is still running. */
  current(): AgentHandle | undefined;
}

/**
 * One nspawn machine without an agent inside, and an agent on the host against its systemd and `registry`,
 * registered and synced before the block's tests; both stopped after them.
 */
export function useMachineAgent(registry: MemoryRegistry, hooks: MachineAgentHooks): void {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, agent: false });
    const machine = cluster.machines[0]!;
    const agent = await startAgent(hooks.config(machine));
    hooks.started(agent);
    await registry.until('machine registered', () => registry.machine(machine.id) !== undefined);
    await registry.until('assignments read after the registration', () => agent.stats().synced);
  });
  afterAll(async () => {
    await hooks.current()?.stop();
    await cluster?.stop();
  });
}

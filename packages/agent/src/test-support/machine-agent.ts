/**
 * The config of an agent that runs on the host against one nspawn machine's systemd (its bus and its units
 * directory reached through the machine's PID 1), with the in-memory registry: what the agent's real-systemd tests
 * share. Each test adds or overrides what it is about (logger, pass interval, renderers).
 */
import path from 'node:path';
import pino from 'pino';
import type { MachineRecord } from '@flotilla/core';
import type { Machine } from '../../../../test/harness/index.js';
import type { AgentConfig } from '../agent.js';
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

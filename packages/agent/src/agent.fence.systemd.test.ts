/**
 * The StopOnLeaseLoss fence of the whole agent against real systemd (one nspawn machine, driven from the host) and
 * an in-memory registry whose reads and state publishes can be made to fail or hang, as on a dead link
 * (docs/agent.md, "Never run twice").
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UnitSpec } from '@flotilla/core';
import { startCluster, type Cluster, type Machine } from '../../../test/harness/index.js';
import { waitUntil } from '../../../test/harness/exec.js';
import { startAgent, type AgentConfig, type AgentHandle } from './agent.js';
import { MemoryRegistry } from '../../core/src/testing/memory-registry.js';
import { machineAgentConfig } from './test-support/machine-agent.js';

const TTL_SEC = 3; // a probe every 300 ms, cut off after 1 s without an answer

const service = (name: string, opts: { stopOnLeaseLoss?: boolean } = {}): UnitSpec => ({
  name,
  options: [
    { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
    ...(opts.stopOnLeaseLoss ? [{ section: 'X-Fleet', name: 'StopOnLeaseLoss', value: 'true' }] : []),
  ],
});

describe('the StopOnLeaseLoss fence on a real systemd machine', () => {
  let cluster: Cluster | undefined;
  let machine: Machine;
  let agent: AgentHandle | undefined;
  const registry = new MemoryRegistry();
  /** While set, the contact probe's read fails and every state publish hangs (released by `reconnect`). */
  let cut = false;
  const hanging: (() => void)[] = [];
  const reconnect = () => {
    cut = false;
    for (const release of hanging.splice(0)) release();
  };
  const linked = new Proxy(registry, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const call = (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
      if (prop === 'assignmentsAt') return (...args: unknown[]) => (cut ? Promise.reject(new Error('etcd away')) : call(...args));
      if (prop === 'publishStates') return (...args: unknown[]) => (cut ? new Promise((_, reject) => hanging.push(() => reject(new Error('etcd away')))) : call(...args));
      return call;
    },
  }) as unknown as AgentConfig['registry'];
  const activeOnMachine = async (unit: string) => (await machine.systemctlShow(unit, ['ActiveState'])).ActiveState;

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, agent: false });
    machine = cluster.machines[0]!;
    agent = await startAgent({ ...machineAgentConfig(machine, registry), registry: linked, ttlSec: TTL_SEC });
    await registry.until('assignments read after the registration', () => agent!.stats().synced);
  });

  afterAll(async () => {
    reconnect();
    await agent?.stop();
    await cluster?.stop();
  });

  test('cut off while a pass waits on etcd for its state publish: the unit stops at the verdict, not after that pass', async () => {
    registry.assignUnit(machine.id, service('solo.service', { stopOnLeaseLoss: true }), 'launched');
    await registry.until('solo.service active', () => registry.state('solo.service', machine.id)?.activeState === 'active');
    cut = true;
    const cutAt = Date.now();
    // A new unit: the pass that starts it then waits for its state publish, as a pass on a dead link waits for the
    // request deadline (5 s on etcd), and the pass the verdict asks for queues behind it.
    registry.assignUnit(machine.id, service('other.service'), 'launched');
    try {
      await waitUntil('solo.service stopped on the machine', async () => ((await activeOnMachine('solo.service')) === 'inactive' ? Date.now() : undefined), { timeoutMs: 8000, intervalMs: 50 });
      // The verdict comes within TTL/3 + TTL/10 of the last answered probe.
      expect(Date.now() - cutAt).toBeLessThan(TTL_SEC * 1000);
      expect(await activeOnMachine('other.service')).toBe('active');
    } finally {
      reconnect();
    }
    // Back: a fresh snapshot and the machine key confirm the assignment, and it starts again.
    await waitUntil('solo.service active again', async () => ((await activeOnMachine('solo.service')) === 'active' ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
  });
});

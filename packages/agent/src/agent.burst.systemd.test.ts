/**
 * A burst of assignments that reaches the agent in two pieces, the second while the pass for the first is under
 * way (as the leader's several transactions do), on real systemd (one nspawn machine) with the in-memory registry:
 * the pass plans again before its Starts, so the first piece is not started before the second is loaded
 * (docs/agent.md, "Executor").
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UnitSpec } from '@flotilla/core';
import { startCluster, type Cluster, type Machine } from '../../../test/harness/index.js';
import { startAgent, type AgentConfig, type AgentHandle } from './agent.js';
import { MemoryRegistry } from '../../core/src/testing/memory-registry.js';
import { machineAgentConfig } from './test-support/machine-agent.js';

const service = (name: string): UnitSpec => ({ name, options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }] });
const first = Array.from({ length: 10 }, (_, i) => `first-${i}.service`);
const second = Array.from({ length: 10 }, (_, i) => `second-${i}.service`);

describe('a burst in pieces', () => {
  let cluster: Cluster | undefined;
  let machine: Machine;
  let agent: AgentHandle | undefined;
  const registry = new MemoryRegistry();
  const lines: { msg: string; unit?: string }[] = [];
  /** Set: the next text read (the pass for the first piece) assigns the second piece first. */
  let armed = false;
  const feeding = new Proxy(registry, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const call = (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
      if (prop !== 'getUnits') return call;
      return (...args: unknown[]) => {
        if (armed) {
          armed = false;
          for (const name of second) registry.assignUnit(machine.id, service(name), 'launched');
        }
        return call(...args);
      };
    },
  }) as unknown as AgentConfig['registry'];

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, agent: false });
    machine = cluster.machines[0]!;
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string; unit?: string }) });
    agent = await startAgent({ ...machineAgentConfig(machine, registry), registry: feeding, logger });
    await registry.until('assignments read after the registration', () => agent!.stats().synced);
  });

  afterAll(async () => {
    await agent?.stop();
    await cluster?.stop();
  });

  test('assignments that arrive during a pass are loaded before its first Start', async () => {
    armed = true;
    for (const name of first) registry.assignUnit(machine.id, service(name), 'launched');
    await registry.until('all 20 active', () => [...first, ...second].every((u) => registry.state(u, machine.id)?.activeState === 'active'));
    const at = (msg: string, units: string[]) => lines.flatMap((l, i) => (l.msg === msg && units.includes(l.unit ?? '') ? [i] : []));
    expect(armed).toBe(false);
    expect(at('task Load done', second)).toHaveLength(second.length);
    expect(Math.min(...at('task Start done', first))).toBeGreaterThan(Math.max(...at('task Load done', second)));
  });
});

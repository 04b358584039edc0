/**
 * The publisher's batching against core's in-memory registry (which counts calls) and a systemd state source
 * (a table of states; the D-Bus side is covered on real systemd by agent.*.systemd.test.ts): a flush of N
 * changed units is one publishStates call, restarts/since are read once per ActiveState a unit enters.
 */
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import type { SystemdUnitState } from '@flotilla/core';
import { MemoryRegistry } from '../../core/src/testing/memory-registry.js';
import { ManagedUnits } from './managed-units.js';
import { StatePublisher } from './state-publisher.js';
import type { SystemdManager } from './systemd/manager.js';
import type { UnitRuntime } from './systemd/runtime.js';

const N = 50;
const names = Array.from({ length: N }, (_, i) => `u${i}.service`);

async function setup() {
  const registry = new MemoryRegistry();
  const lease = await registry.registerMachine({ id: 'm1', hostname: 'h', ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 1 }, 10);
  const managed = new ManagedUnits();
  for (const unit of names) managed.set({ unit, systemdName: unit, hash: 'h' });
  const states = new Map<string, SystemdUnitState>(names.map((n) => [n, { loadState: 'loaded', activeState: 'inactive', subState: 'dead' }]));
  const runtimeReads: string[][] = [];
  const systemd = {
    unitStates: async (list: readonly string[]) => new Map(list.map((n) => [n, states.get(n)!])),
    unitRuntimes: async (list: readonly string[]) => {
      runtimeReads.push([...list]);
      return new Map<string, UnitRuntime>(list.map((n) => [n, { restarts: 0, since: 1000 * runtimeReads.length }]));
    },
  } as unknown as SystemdManager;
  const publisher = new StatePublisher({ registry, machineId: 'm1', logger: pino({ level: 'silent' }), systemd: () => systemd, lease: () => lease, managed });
  const setAll = (state: SystemdUnitState) => names.forEach((n) => states.set(n, state));
  return { registry, publisher, runtimeReads, setAll };
}

describe('StatePublisher batching', () => {
  test('N changed units are one publishStates call and one runtime read per ActiveState entered', async () => {
    const { registry, publisher, runtimeReads, setAll } = await setup();
    await publisher.refresh();
    expect(registry.calls.get('publishStates')).toBe(1);
    expect(registry.calls.get('publishState')).toBeUndefined();
    expect(runtimeReads.map((r) => [...r].sort())).toEqual([[...names].sort()]);
    expect((await registry.listStates()).map((s) => [s.activeState, s.since])).toEqual(names.map(() => ['inactive', 1000]));

    setAll({ loadState: 'loaded', activeState: 'active', subState: 'running' });
    await publisher.refresh();
    expect(registry.calls.get('publishStates')).toBe(2);
    expect(runtimeReads).toHaveLength(2); // a new ActiveState: read again

    setAll({ loadState: 'loaded', activeState: 'active', subState: 'exited' });
    await publisher.refresh();
    expect(registry.calls.get('publishStates')).toBe(3);
    expect(runtimeReads).toHaveLength(2); // same ActiveState: restarts/since reused, nothing read
    expect((await registry.listStates()).map((s) => [s.subState, s.since])).toEqual(names.map(() => ['exited', 2000]));

    await publisher.refresh(); // nothing changed: nothing written
    expect(registry.calls.get('publishStates')).toBe(3);
  });

  test('a failed batch leaves every unit of it dirty: the next refresh publishes them all', async () => {
    const { registry, publisher } = await setup();
    const flaky = registry as unknown as { publishStates: MemoryRegistry['publishStates'] };
    const real = flaky.publishStates.bind(registry);
    let fail = true;
    flaky.publishStates = (states, lease) => (fail ? Promise.reject(new Error('etcd away')) : real(states, lease));
    await publisher.refresh();
    expect(await registry.listStates()).toEqual([]);
    fail = false;
    await publisher.refresh([]);
    expect(await registry.listStates()).toHaveLength(N);
  });
});

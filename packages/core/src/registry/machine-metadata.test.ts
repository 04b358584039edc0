import { describe, expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { machine } from '../testing/registry-fixtures.js';
import { EtcdRegistry } from './etcd-registry.js';
import { mergeMetadata, type DynamicMetadata } from './machine-metadata-store.js';
import { useEtcdRegistry } from '../testing/etcd-fixture.js';

describe('mergeMetadata', () => {
  const dyn = (entries: [string, string][]): DynamicMetadata => new Map([['m1', new Map(entries)]]);
  test.each([
    ['no dynamic keys', dyn([]), { region: 'eu' }],
    ['dynamic key added', dyn([['disk', 'ssd']]), { region: 'eu', disk: 'ssd' }],
    ['dynamic key overrides own', dyn([['region', 'us']]), { region: 'us' }],
    ['tombstone hides own key', dyn([['region', '']]), {}],
    ['tombstone of unknown key is harmless', dyn([['x', '']]), { region: 'eu' }],
  ])('%s', (_name, dynamic, expected) => {
    expect(mergeMetadata(machine('m1', { region: 'eu' }), dynamic).metadata).toEqual(expected);
  });
  test('other machines are untouched', () => {
    expect(mergeMetadata(machine('m2', { a: '1' }), dyn([['a', '2']])).metadata).toEqual({ a: '1' });
  });
});

describe('patchMachineMetadata against etcd', () => {
  let etcd: EtcdHandle;
  let registry: EtcdRegistry;
  useEtcdRegistry({ etcd: (e) => (etcd = e), registry: (r) => (registry = r) });

  test('set, override, remove; merged into listMachines and snapshot; survives rejoin', async () => {
    const lease = await registry.registerMachine(machine('m1', { region: 'eu', rack: 'r1' }), 10);
    await registry.patchMachineMetadata([
      { machineId: 'm1', key: 'disk', value: 'ssd' },
      { machineId: 'm1', key: 'region', value: 'us' },
      { machineId: 'm1', key: 'rack' },
      { machineId: 'ghost', key: 'x', value: 'y' },
    ]);
    const expected = { region: 'us', disk: 'ssd' };
    expect((await registry.listMachines()).map((m) => [m.id, m.metadata])).toEqual([['m1', expected]]);
    expect((await registry.snapshot()).machines.map((m) => m.metadata)).toEqual([expected]);
    await lease.revoke();
    expect(await registry.listMachines()).toEqual([]);
    await registry.registerMachine(machine('m1', { region: 'eu', rack: 'r1' }), 10);
    expect((await registry.listMachines())[0]?.metadata).toEqual(expected);
  });

  test('many ops are applied in batches', async () => {
    await registry.registerMachine(machine('m1'), 10);
    const ops = Array.from({ length: 300 }, (_, i) => ({ machineId: 'm1', key: `k${i}`, value: String(i) }));
    await registry.patchMachineMetadata(ops);
    expect(Object.keys((await registry.listMachines())[0]?.metadata ?? {})).toHaveLength(300);
  });
});

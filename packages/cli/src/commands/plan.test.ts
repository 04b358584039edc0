/** `flotilla plan` through the real binary against a real etcd: read-only, placements and reasons. */
import { EtcdRegistry, type UnitSpec } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { cliFor } from '../../../../test/support/cli.js';

let etcd: EtcdHandle;
let registry: EtcdRegistry;

const spec = (name: string, ...xFleet: [string, string][]): UnitSpec => ({
  name,
  options: [
    { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
    ...xFleet.map(([name, value]) => ({ section: 'X-Fleet', name, value })),
  ],
});

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints });
  for (const id of ['m1', 'm2', 'm3']) {
    await registry.registerMachine({ id, hostname: id, ip: '10.0.0.1', metadata: { role: 'web' }, version: 't', startedAt: 0 }, 30);
  }
  await registry.submitUnit(spec('a.service'), { desiredState: 'launched' });
  await registry.submitUnit(spec('db.service', ['MachineMetadata', 'role=db']), { desiredState: 'launched' });
  await registry.submitUnit(spec('g.service', ['Global', 'true']), { desiredState: 'launched' });
});

afterAll(async () => {
  await registry?.close();
  await etcd?.stop();
});

describe('flotilla plan', () => {
  test('placeable, unschedulable with counts, global, unknown; exit 1; nothing written', async () => {
    const before = await registry.snapshot();
    const result = await cliFor(etcd.endpoints)(['plan', 'a', 'db.service', 'g.service', 'nope.service']);
    expect(result.stdout.split('\n').map((l) => l.split(/\t+/))).toEqual([
      ['UNIT', 'MACHINE', 'WHY'],
      ['a.service', 'm1', 'would be placed there'],
      ['db.service', '-', 'MachineMetadata role=db: 3 of 3 machines not matching'],
      ['g.service', 'm1,m2,m3', 'global: on 3 of 3 machines'],
      ['nope.service', '-', 'unit does not exist'],
      [''],
    ]);
    expect(result.code).toBe(1);
    const after = await registry.snapshot();
    expect({ schedule: after.schedule, revision: after.revision }).toEqual({ schedule: before.schedule, revision: before.revision });
  });
});

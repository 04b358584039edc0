import { describe, expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { LeadershipLostError } from '../errors.js';
import type { UnitRecord } from '../model.js';
import { fleet, unitSpec } from '../testing/unit-builders.js';
import { EtcdRegistry } from './etcd-registry.js';
import { Keyspace } from './keyspace.js';
import { packBatches, phasesOf } from './schedule-batch.js';
import { SNAPSHOT_BOUND_KEYS, SNAPSHOT_PAGE_KEYS } from './scheduling-store.js';
import { encodeValue } from './codec.js';
import { makeUnitRecord } from '../unit/record.js';
import { Etcd3 } from 'etcd3';
import type { ScheduleChange } from './types.js';
import { useEtcdRegistry } from '../testing/etcd-fixture.js';
import { eventually } from '../testing/registry-fixtures.js';

const keys = new Keyspace('/p/');
const rec = (name: string): UnitRecord => ({ name, options: [], hash: `h-${name}`, desiredState: 'launched', global: false });
const assign = (u: string, m: string): ScheduleChange => ({ kind: 'assign', unit: rec(u), unitModRevision: '5', machineId: m });
const unassign = (u: string, m: string): ScheduleChange => ({ kind: 'unassign', unit: u, machineId: m });
const assignGlobal = (u: string, m: string): ScheduleChange => ({ kind: 'assign-global', unit: rec(u), unitModRevision: '5', machineId: m });
const names = (n: number, p = 'u') => Array.from({ length: n }, (_, i) => `${p}${i}.service`);

describe('packBatches', () => {
  test.each([
    { name: 'assigns: 2 compares + fence per batch limit → 63 per batch', changes: names(130).map((u) => assign(u, 'm1')), maxOps: 128, want: [63, 63, 4] },
    { name: 'unassigns: 2 writes each → 64 per batch', changes: names(65).map((u) => unassign(u, 'm1')), maxOps: 128, want: [64, 1] },
    { name: 'one global unit on many machines shares its compare key', changes: ['m1', 'm2', 'm3'].map((m) => assignGlobal('g.service', m)), maxOps: 128, want: [3] },
    { name: 'the same key twice starts a new batch', changes: [unassign('a.service', 'm1'), assign('a.service', 'm2')], maxOps: 128, want: [1, 1] },
    { name: 'a change larger than the limit still gets its own batch', changes: [assign('a.service', 'm1')], maxOps: 2, want: [1] },
  ])('$name', ({ changes, maxOps, want }) => {
    expect(packBatches(keys, changes, maxOps).map((b) => b.changes.length)).toEqual(want);
  });

  test('one machine\'s changes are never split over two batches when they fit in one', () => {
    // A lost machine's 100 units, planned in name order onto two survivors (spread alternates them): each
    // survivor's 50 assigns (100 compares + fence, 100 puts) fit one transaction, so each lands in one.
    const changes = names(100).map((u, i) => assign(u, i % 2 === 0 ? 'm1' : 'm2'));
    const batches = packBatches(keys, changes);
    const machinesPerBatch = batches.map((b) => [...new Set(b.changes.map((c) => c.machineId))]);
    expect(machinesPerBatch).toEqual([['m1'], ['m2']]);
    expect(batches.map((b) => b.changes.length)).toEqual([50, 50]);
  });

  test('small groups share a batch; a group larger than one batch fills whole batches', () => {
    const changes = [
      ...names(70, 'big').map((u) => assign(u, 'm1')),
      ...names(10, 'a').map((u) => assign(u, 'm2')),
      ...names(10, 'b').map((u) => assign(u, 'm3')),
    ];
    expect(packBatches(keys, changes).map((b) => b.changes.length)).toEqual([63, 27]);
  });

  test('ops of an assign: compares unit revision and absent schedule, puts schedule and assignment', () => {
    const [batch] = packBatches(keys, [assign('a.service', 'm1')]);
    expect(batch).toEqual({
      layout: 1,
      changes: [assign('a.service', 'm1')],
      compares: [
        { kind: 'mod', key: keys.unit('a.service'), revision: '5' },
        { kind: 'absent', key: keys.schedule('a.service') },
      ],
      writes: [
        { kind: 'put', key: keys.schedule('a.service'), value: 'm1' },
        { kind: 'put', key: keys.assignment('m1', 'a.service'), value: { unit: 'a.service', machineId: 'm1', hash: 'h-a.service', desiredState: 'launched', placed: true } },
      ],
    });
  });

  test('layout 2: an assign is one put of the placed assignment; an unassign deletes it and any schedule key left', () => {
    const [placing] = packBatches(keys, [assign('a.service', 'm1')], 128, 2);
    expect(placing).toEqual({
      layout: 2,
      changes: [assign('a.service', 'm1')],
      compares: [{ kind: 'mod', key: keys.unit('a.service'), revision: '5' }],
      writes: [{ kind: 'put', key: keys.assignment('m1', 'a.service'), value: { unit: 'a.service', machineId: 'm1', hash: 'h-a.service', desiredState: 'launched', placed: true } }],
    });
    const [removing] = packBatches(keys, [unassign('a.service', 'm1')], 128, 2);
    expect(removing?.compares).toEqual([{ kind: 'present', key: keys.assignment('m1', 'a.service') }]);
    expect(removing?.writes).toEqual([
      { kind: 'delete', key: keys.assignment('m1', 'a.service') },
      { kind: 'delete', key: keys.schedule('a.service') },
    ]);
    // Twice as many placements fit a transaction: one compare and one write each, beside the fence and the marker.
    const many = Array.from({ length: 300 }, (_, i) => assign(`u${i}.service`, 'm1'));
    expect(packBatches(keys, many, 128, 2).map((b) => b.changes.length)).toEqual([126, 126, 48]);
  });

  test('phases: removals first, then additions, order kept within each', () => {
    const changes = [assign('a.service', 'm2'), unassign('a.service', 'm1'), unassign('b.service', 'm1')];
    expect(phasesOf(changes)).toEqual([[changes[1], changes[2]], [changes[0]]]);
  });
});

describe('applySchedule against etcd', () => {
  let etcd: EtcdHandle;
  let registry: EtcdRegistry;
  useEtcdRegistry({ etcd: (e) => (etcd = e), registry: (r) => (registry = r) });

  async function submitted(count: number): Promise<{ units: UnitRecord[]; revs: Map<string, string> }> {
    for (const name of names(count)) await registry.submitUnit(unitSpec(name), { desiredState: 'launched' });
    const snap = await registry.snapshot();
    return { units: snap.units, revs: snap.unitRevisions };
  }

  test('300 assigns in batches, then unassigns; schedule and assignments follow', async () => {
    const leadership = await registry.campaign('s', 5, new AbortController().signal);
    const { units, revs } = await submitted(300);
    const changes: ScheduleChange[] = units.map((u, i) => ({ kind: 'assign', unit: u, unitModRevision: revs.get(u.name)!, machineId: `m${i % 3}` }));
    const result = await registry.applySchedule(changes, leadership.fence);
    expect({ applied: result.applied, conflicts: result.conflicts }).toEqual({ applied: 300, conflicts: [] });
    const snap = await registry.snapshot();
    expect(result.revision).toBe(snap.revision); // the last write is the newest revision
    expect(snap.schedule.size).toBe(300);
    expect((await registry.listAssignments('m1')).length).toBe(100);
    const removals = units.slice(0, 100).map((u, i): ScheduleChange => ({ kind: 'unassign', unit: u.name, machineId: `m${i % 3}` }));
    expect(await registry.applySchedule(removals, leadership.fence)).toMatchObject({ applied: 100, conflicts: [] });
    expect((await registry.snapshot()).schedule.size).toBe(200);
    await leadership.resign();
  });

  test('a machine receives its new assignments of one plan in one revision (one watch event batch)', async () => {
    const leadership = await registry.campaign('s', 5, new AbortController().signal);
    const { units, revs } = await submitted(100);
    const seen = new Map<string, string[]>([['m1', []], ['m2', []]]);
    const watches = await Promise.all(['m1', 'm2'].map((m) => registry.watchAssignments(m, (e) => seen.get(m)!.push(e.revision))));
    try {
      const changes: ScheduleChange[] = units.map((u, i) => ({ kind: 'assign', unit: u, unitModRevision: revs.get(u.name)!, machineId: i % 2 === 0 ? 'm1' : 'm2' }));
      expect((await registry.applySchedule(changes, leadership.fence)).applied).toBe(100);
      await eventually(() => seen.get('m1')!.length === 50 && seen.get('m2')!.length === 50, 5000, '50 assignment events per machine');
      expect({ m1: new Set(seen.get('m1')).size, m2: new Set(seen.get('m2')).size }).toEqual({ m1: 1, m2: 1 });
    } finally {
      await Promise.all(watches.map((w) => w.close()));
      await leadership.resign();
    }
  });

  test('a change whose compare fails is returned; the rest of its batch is applied', async () => {
    const leadership = await registry.campaign('s', 5, new AbortController().signal);
    const { units, revs } = await submitted(5);
    await registry.setDesiredState('u2.service', 'loaded'); // u2's revision in `revs` is now stale
    const changes: ScheduleChange[] = units.map((u) => ({ kind: 'assign', unit: u, unitModRevision: revs.get(u.name)!, machineId: 'm1' }));
    const result = await registry.applySchedule(changes, leadership.fence);
    expect({ applied: result.applied, conflicts: result.conflicts.map((c) => (c.kind === 'assign' ? c.unit.name : '')) }).toEqual({
      applied: 4,
      conflicts: ['u2.service'],
    });
    expect([...(await registry.snapshot()).schedule.keys()].sort()).toEqual(['u0.service', 'u1.service', 'u3.service', 'u4.service']);
    await leadership.resign();
  });

  test('a lost fence throws LeadershipLostError and writes nothing', async () => {
    const leadership = await registry.campaign('s', 5, new AbortController().signal);
    const { units, revs } = await submitted(3);
    await leadership.resign();
    const changes: ScheduleChange[] = units.map((u) => ({ kind: 'assign', unit: u, unitModRevision: revs.get(u.name)!, machineId: 'm1' }));
    await expect(registry.applySchedule(changes, leadership.fence)).rejects.toBeInstanceOf(LeadershipLostError);
    expect((await registry.snapshot()).schedule.size).toBe(0);
  });

  test('snapshot reads ranges larger than one read of page bounds (and than gRPC\'s 4 MB message limit) at one revision', async () => {
    const raw = new Etcd3({ hosts: etcd.endpoints });
    try {
      const keys = registry.keyspace;
      const count = SNAPSHOT_BOUND_KEYS + SNAPSHOT_PAGE_KEYS + 7;
      const padding = 'x'.repeat(1200); // ~1.2 KB per unit: > 4 MB in all
      const names = Array.from({ length: count }, (_, i) => `big-${String(i).padStart(5, '0')}.service`);
      for (let i = 0; i < names.length; i += 100) {
        const puts = names.slice(i, i + 100).map((n) => {
          const unit = makeUnitRecord(unitSpec(n, fleet('MachineMetadata', `pad=${padding}`)), 'launched');
          return raw.put(keys.unit(n)).value(encodeValue(unit));
        });
        await raw.if(keys.unit(names[i]!), 'Create', '>', -1).then(...puts).commit();
      }
      const snap = await registry.snapshot();
      expect({ units: snap.units.length, first: snap.units[0]?.name, last: snap.units.at(-1)?.name, revs: snap.unitRevisions.size }).toEqual({
        units: count,
        first: names[0],
        last: names.at(-1),
        revs: count,
      });
    } finally {
      raw.close();
    }
  });

  test('global assignments: no schedule key, listed by the snapshot, removed by unassign-global', async () => {
    const leadership = await registry.campaign('s', 5, new AbortController().signal);
    const g = await registry.submitUnit(unitSpec('g.service', fleet('Global', 'true')), { desiredState: 'launched' });
    const rev = (await registry.snapshot()).unitRevisions.get('g.service')!;
    const on = (m: string): ScheduleChange => ({ kind: 'assign-global', unit: g, unitModRevision: rev, machineId: m });
    await registry.applySchedule([on('m1'), on('m2')], leadership.fence);
    let snap = await registry.snapshot();
    expect({ schedule: snap.schedule.size, machines: [...(snap.globalAssignments.get('g.service')?.keys() ?? [])].sort() }).toEqual({
      schedule: 0,
      machines: ['m1', 'm2'],
    });
    expect(snap.globalAssignments.get('g.service')?.get('m1')).toEqual({ unit: 'g.service', machineId: 'm1', hash: g.hash, desiredState: 'launched' });
    await registry.applySchedule([{ kind: 'unassign-global', unit: 'g.service', machineId: 'm1' }], leadership.fence);
    snap = await registry.snapshot();
    expect([...(snap.globalAssignments.get('g.service')?.keys() ?? [])]).toEqual(['m2']);
    await leadership.resign();
  });
});

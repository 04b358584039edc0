/**
 * The move from registry layout 1 to 2 on real etcd (docs/registry.md, "One write per placement"): a keyspace as the
 * layout-1 code left it (schedule + assignment pairs whose assignments do not say `placed`, a global unit's
 * assignments, a stray) reads the same before and after; the move happens while the machines' assignment watches
 * run and none of them sees a hash or desired state change; a second move is a no-op; layout 2 then places with one
 * key, and the other writers (an agent handing a unit back, a CLI's desired state and destroy) work on it.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import type { Assignment, UnitRecord } from '../model.js';
import { fleet, unitSpec } from '../testing/unit-builders.js';
import { encodeValue } from './codec.js';
import { EtcdRegistry } from './etcd-registry.js';
import { Keyspace } from './keyspace.js';
import type { ClusterSnapshot, Fence, WatchEvent } from './types.js';

let etcd: EtcdHandle;
let raw: Etcd3;
const opened: EtcdRegistry[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoints });
}, 60_000);
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});
afterAll(async () => {
  raw?.close();
  await etcd?.stop();
});

async function connect(prefix: string): Promise<{ registry: EtcdRegistry; keys: Keyspace; fence: Fence }> {
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix });
  opened.push(registry);
  const leadership = await registry.campaign('c1', 10, new AbortController().signal);
  return { registry, keys: new Keyspace(prefix), fence: leadership.fence };
}

/** What placement reads of a snapshot (not its revision). */
function placement(s: ClusterSnapshot) {
  const global = [...s.globalAssignments].map(([u, byMachine]) => [u, [...byMachine.keys()].sort()]);
  return { schedule: Object.fromEntries([...s.schedule].sort()), global: global.sort(), lagging: [...s.laggingAssignments.keys()].sort() };
}

/** Writes a pair as layout 1 wrote it before assignments said `placed`. */
async function placeAsLayout1(keys: Keyspace, unit: UnitRecord, machineId: string): Promise<void> {
  const a: Assignment = { unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState };
  await raw.put(keys.schedule(unit.name)).value(encodeValue(machineId));
  await raw.put(keys.assignment(machineId, unit.name)).value(encodeValue(a));
}

describe('registry layout 1 → 2', () => {
  test('a layout-1 keyspace reads the same after the move, agents see no change, and a second move does nothing', async () => {
    const { registry, keys, fence } = await connect('/layout-move/');
    const units = await registry.submitUnits(Array.from({ length: 150 }, (_, i) => unitSpec(`u${i}.service`)), { desiredState: 'launched' });
    for (const [i, unit] of units.entries()) await placeAsLayout1(keys, unit, `m${i % 3}`);
    const [global] = await registry.submitUnits([unitSpec('g.service', fleet('Global', 'true'))], { desiredState: 'launched' });
    const [stray] = await registry.submitUnits([unitSpec('stray.service')], { desiredState: 'launched' });
    for (const m of ['m0', 'm1']) await raw.put(keys.assignment(m, 'g.service')).value(encodeValue({ unit: 'g.service', machineId: m, hash: global!.hash, desiredState: 'launched' }));
    await raw.put(keys.assignment('m2', 'stray.service')).value(encodeValue({ unit: 'stray.service', machineId: 'm2', hash: stray!.hash, desiredState: 'launched' }));
    // One unit whose record was changed without its assignment (it lags before and after).
    await raw.put(keys.unit('u0.service')).value(encodeValue({ ...units[0]!, desiredState: 'loaded' }));

    const before = await registry.snapshot();
    expect([before.layout, before.schedule.size]).toEqual([1, 150]);
    const seen: WatchEvent<Assignment>[] = [];
    for (const m of ['m0', 'm1', 'm2']) await registry.watchAssignments(m, (e) => void seen.push(e), { fromRevision: before.revision });

    const moved = await registry.migrateLayout(fence);
    expect(moved).toEqual({ layout: 2, migrated: 150 });
    const after = await registry.snapshot();
    expect(after.layout).toBe(2);
    expect(placement(after)).toEqual(placement(before));
    expect((await raw.getAll().prefix(keys.schedulePrefix).keys()).length).toBe(0);
    // Each machine's agent sees its units' assignments rewritten as placements, saying what they said.
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(150);
    const said = new Map<string, Assignment>(before.units.map((u) => [u.name, { unit: u.name, machineId: '', hash: u.hash, desiredState: 'launched' }]));
    for (const e of seen) {
      expect(e.type).toBe('put');
      if (e.type !== 'put') continue;
      expect([e.value.placed, e.value.hash, e.value.desiredState]).toEqual([true, said.get(e.value.unit)!.hash, 'launched']);
    }
    expect(await registry.migrateLayout(fence)).toEqual({ layout: 2, migrated: 0 });
    expect(placement(await registry.snapshot())).toEqual(placement(before));
  });

  test('layout 2: a placement is one key; handing back, desired state and destroy work on it; layout-1 writes are refused', async () => {
    const { registry, keys, fence } = await connect('/layout-two/');
    expect(await registry.migrateLayout(fence)).toEqual({ layout: 2, migrated: 0 });
    const [a, b] = await registry.submitUnits([unitSpec('a.service'), unitSpec('b.service')], { desiredState: 'launched' });
    const snap = await registry.snapshot();
    const assign = (unit: UnitRecord, machineId: string) => ({ kind: 'assign' as const, unit, unitModRevision: snap.unitRevisions.get(unit.name)!, machineId });
    // A leader that still believes in layout 1 writes nothing.
    expect((await registry.applySchedule([assign(a!, 'm1')], fence, 1)).conflicts.length).toBe(1);
    const placed = await registry.applySchedule([assign(a!, 'm1'), assign(b!, 'm2')], fence, 2);
    expect([placed.applied, Number(BigInt(placed.revision!) - BigInt(snap.revision))]).toEqual([2, 1]);
    expect((await raw.getAll().prefix(keys.schedulePrefix).keys()).length).toBe(0);
    expect(await registry.listAssignments('m1')).toEqual([{ unit: 'a.service', machineId: 'm1', hash: a!.hash, desiredState: 'launched', placed: true }]);
    expect(Object.fromEntries((await registry.snapshot()).schedule)).toEqual({ 'a.service': 'm1', 'b.service': 'm2' });
    // Placing again is refused by the unit's revision only when it changed: the leader's cache is what keeps one
    // placement per unit, as the fence keeps one leader.
    await registry.setDesiredState('b.service', 'loaded');
    expect((await registry.applySchedule([assign(b!, 'm3')], fence, 2)).conflicts.length).toBe(1);
    // The CLI's desired state is the record alone: the assignment lags until the leader rewrites it.
    const lagging = await registry.snapshot();
    expect([...lagging.laggingAssignments.keys()]).toEqual(['b.service']);
    expect((await registry.listAssignments('m2'))[0]?.desiredState).toBe('launched');
    // An agent hands a unit back without a fence (its placed assignment, compared as read).
    await registry.unassign('a.service', 'm1');
    expect(await registry.listAssignments('m1')).toEqual([]);
    await expect(registry.unassign('a.service', 'm1')).rejects.toMatchObject({ code: 'REGISTRY_CONFLICT' });
    // Destroy removes the record; the leader unassigns what is left of a gone unit.
    await registry.destroyUnit('b.service');
    const gone = await registry.snapshot();
    expect([gone.units.length, gone.schedule.get('b.service')]).toEqual([1, 'm2']);
    const removed = await registry.applySchedule([{ kind: 'unassign', unit: 'b.service', machineId: 'm2' }], fence, 2);
    expect(removed.applied).toBe(1);
    expect((await registry.snapshot()).schedule.size).toBe(0);
  });
});

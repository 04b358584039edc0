/**
 * What every registry implementation must do, as one suite run against each: EtcdRegistry on a real etcd
 * (registry/registry-contract.etcd.test.ts) and the in-memory registry the agent's and scheduler's tests use
 * (registry/registry-contract.memory.test.ts). Errors are compared by code: the two implementations may load core's
 * error classes from different module copies (source and built package).
 */
import { describe, expect, test } from 'vitest';
import { EventLog, machine, unitState } from './registry-fixtures.js';
import { fleet, unitSpec } from './unit-builders.js';
import type { Assignment } from '../model.js';
import type { ClusterEvent, ClusterEventLog, ClusterRegistry, EndpointRegistry, LeaderElection, Leadership, ServiceCatalog, ServiceControl } from '../registry/types.js';

export type ContractRegistry = ClusterRegistry & LeaderElection & ClusterEventLog & EndpointRegistry & ServiceCatalog & ServiceControl;

/** `current()` is the registry of the running test (a fresh, empty one per test). */
export function registryContract(name: string, current: () => ContractRegistry): void {
  const lead = async (candidate = 'c1'): Promise<Leadership> => current().campaign(candidate, 10, new AbortController().signal);

  describe(`registry contract: ${name}`, () => {
    test('submit: same content is a no-op, other content needs replace, which drops the placement', async () => {
      const r = current();
      await r.registerMachine(machine('m1'), 10);
      const unit = await r.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
      expect(await r.submitUnit(unitSpec('a.service'))).toEqual(unit); // the stored record, desired state included
      await expect(r.submitUnit(unitSpec('a.service', fleet('MachineMetadata', 'x=y')))).rejects.toMatchObject({ code: 'UNIT_EXISTS' });
      await r.assign(unit, (await r.snapshot()).unitRevisions.get('a.service')!, 'm1');
      const replaced = await r.submitUnit(unitSpec('a.service', fleet('MachineMetadata', 'x=y')), { replace: true });
      expect(replaced.hash).not.toBe(unit.hash);
      expect((await r.snapshot()).schedule.size).toBe(0);
      expect(await r.listAssignments('m1')).toEqual([]);
    });

    test('one systemd unit, one registry unit: X.service and X.container (run as X.service) exclude each other', async () => {
      const r = current();
      const container = { name: 'x.container', options: [{ section: 'Container', name: 'Image', value: 'localhost/x:1' }] };
      await r.submitUnit(unitSpec('x.service'));
      await expect(r.submitUnit(container)).rejects.toMatchObject({ code: 'UNIT_SYSTEMD_NAME_TAKEN', takenBy: 'x.service' });
      expect((await r.listUnits()).map((u) => u.name)).toEqual(['x.service']); // nothing half-written
      expect(await r.destroyUnit('x.service')).toBe(true);
      await r.submitUnit(container);
      await expect(r.submitUnit(unitSpec('x.service'))).rejects.toMatchObject({ code: 'UNIT_SYSTEMD_NAME_TAKEN', takenBy: 'x.container' });
      await expect(r.submitUnit(container)).resolves.toMatchObject({ name: 'x.container' }); // its own resubmit is no conflict
    });

    test('submitUnits: many units in order, same content kept, a conflict writes nothing of its batch', async () => {
      const r = current();
      const names = Array.from({ length: 130 }, (_, i) => `u${i}.service`); // more than one etcd transaction
      const kept = await r.submitUnit(unitSpec('u5.service'), { desiredState: 'launched' });
      const records = await r.submitUnits(names.map((n) => unitSpec(n)), { desiredState: 'loaded' });
      expect(records.map((u) => u.name)).toEqual(names);
      expect(records[5]).toEqual(kept); // the stored record, as submitUnit
      expect(records[6]).toMatchObject({ desiredState: 'loaded' });
      expect((await r.listUnits()).length).toBe(130);
      await expect(r.submitUnits([unitSpec('new.service'), unitSpec('u1.service', fleet('MachineMetadata', 'x=y'))])).rejects.toMatchObject({ code: 'UNIT_EXISTS' });
      await expect(r.submitUnits([unitSpec('new.service'), { name: 'u2.container', options: [{ section: 'Container', name: 'Image', value: 'localhost/x:1' }] }]))
        .rejects.toMatchObject({ code: 'UNIT_SYSTEMD_NAME_TAKEN', takenBy: 'u2.service' });
      await expect(r.submitUnits([unitSpec('new.service'), unitSpec('bad@.service')], { desiredState: 'launched' })).rejects.toMatchObject({ code: 'TEMPLATE_ACTIVATION' });
      expect(await r.getUnit('new.service')).toBeUndefined(); // nothing half-written
    });

    test('getUnits: many names in order (more than one etcd transaction), undefined where none is stored', async () => {
      const r = current();
      const names = Array.from({ length: 140 }, (_, i) => `g${i}.service`);
      const stored = await r.submitUnits(names.filter((_, i) => i % 3 !== 0).map((n) => unitSpec(n)), { desiredState: 'launched' });
      const byName = new Map(stored.map((u) => [u.name, u]));
      expect(await r.getUnits(names)).toEqual(names.map((n) => byName.get(n)));
      expect(await r.getUnits([])).toEqual([]);
      await expect(r.getUnits(['ok.service', 'no/slash.service'])).rejects.toMatchObject({ code: 'INVALID_UNIT_NAME' });
    });

    test('desired state is mirrored into the assignment; inactive unschedules; unknown units are not found', async () => {
      const r = current();
      await r.registerMachine(machine('m1'), 10);
      const unit = await r.submitUnit(unitSpec('a.service'), { desiredState: 'loaded' });
      await r.assign(unit, (await r.snapshot()).unitRevisions.get('a.service')!, 'm1');
      await r.setDesiredState('a.service', 'launched');
      // The schedule entry's assignment stays a placement (core's layout.ts).
      expect(await r.listAssignments('m1')).toEqual([{ unit: 'a.service', machineId: 'm1', hash: unit.hash, desiredState: 'launched', placed: true }]);
      await r.setDesiredState('a.service', 'inactive');
      expect(await r.listAssignments('m1')).toEqual([]);
      expect((await r.snapshot()).schedule.size).toBe(0);
      await expect(r.setDesiredState('nope.service', 'launched')).rejects.toMatchObject({ code: 'UNIT_NOT_FOUND' });
      await expect(r.setDesiredState('t@.service', 'launched')).rejects.toMatchObject({ code: 'TEMPLATE_ACTIVATION' });
    });

    test('destroy removes the unit with its schedule and assignment, once', async () => {
      const r = current();
      await r.registerMachine(machine('m1'), 10);
      const unit = await r.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
      await r.assign(unit, (await r.snapshot()).unitRevisions.get('a.service')!, 'm1');
      expect(await r.destroyUnit('a.service')).toBe(true);
      expect(await r.destroyUnit('a.service')).toBe(false);
      const after = await r.snapshot();
      expect([after.units, after.schedule.size, await r.listAssignments('m1')]).toEqual([[], 0, []]);
    });

    test('placement writes compare what they read: a stale revision, a taken unit, the wrong machine conflict', async () => {
      const r = current();
      await r.registerMachine(machine('m1'), 10);
      const unit = await r.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
      const rev = (await r.snapshot()).unitRevisions.get('a.service')!;
      await r.setDesiredState('a.service', 'loaded'); // the unit changed since the read
      await expect(r.assign(unit, rev, 'm1')).rejects.toMatchObject({ code: 'REGISTRY_CONFLICT' });
      const fresh = (await r.snapshot()).unitRevisions.get('a.service')!;
      await r.assign(unit, fresh, 'm1');
      await expect(r.assign(unit, fresh, 'm1')).rejects.toMatchObject({ code: 'REGISTRY_CONFLICT' });
      await expect(r.unassign('a.service', 'm2')).rejects.toMatchObject({ code: 'REGISTRY_CONFLICT' });
      await r.unassign('a.service', 'm1');
      expect((await r.snapshot()).schedule.size).toBe(0);
    });

    test('fenced writes: a leader that resigned is refused with LeadershipLost; applySchedule returns conflicts', async () => {
      const r = current();
      const a = await r.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
      const b = await r.submitUnit(unitSpec('b.service'), { desiredState: 'launched' });
      const g = await r.submitUnit(unitSpec('g.service', fleet('Global', 'true')), { desiredState: 'launched' });
      const snap = await r.snapshot();
      const leadership = await lead();
      expect(await r.currentLeader()).toBe('c1');
      const result = await r.applySchedule([
        { kind: 'assign', unit: a, unitModRevision: snap.unitRevisions.get('a.service')!, machineId: 'm1' },
        { kind: 'assign', unit: b, unitModRevision: '1', machineId: 'm1' }, // stale
        { kind: 'assign-global', unit: g, unitModRevision: snap.unitRevisions.get('g.service')!, machineId: 'm2' },
      ], leadership.fence);
      expect(result.applied).toBe(2);
      expect(result.conflicts.map((c) => c.kind === 'assign' && c.unit.name)).toEqual(['b.service']);
      expect(BigInt(result.revision!)).toBeGreaterThan(BigInt(snap.revision));
      const after = await r.snapshot();
      expect(after.schedule).toEqual(new Map([['a.service', 'm1']]));
      expect([...(after.globalAssignments.get('g.service')?.keys() ?? [])]).toEqual(['m2']);
      await leadership.resign();
      await expect(r.assign(b, after.unitRevisions.get('b.service')!, 'm1', leadership.fence)).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
      await expect(r.applySchedule([{ kind: 'unassign', unit: 'a.service', machineId: 'm1' }], leadership.fence)).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
      expect((await r.snapshot()).schedule.get('a.service')).toBe('m1');
    });

    test('refresh: rewrites a scheduled unit\'s assignment if the record and schedule are as planned; the snapshot names lagging ones', async () => {
      const r = current();
      await r.registerMachine(machine('m1'), 10);
      await r.registerMachine(machine('m2'), 10);
      const a = await r.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
      await r.assign(a, (await r.snapshot()).unitRevisions.get('a.service')!, 'm1');
      const snap = await r.snapshot();
      expect(snap.laggingAssignments).toEqual(new Map()); // written with its record: in step
      const leadership = await lead();
      const rev = snap.unitRevisions.get('a.service')!;
      const lagging: Assignment = { unit: 'a.service', machineId: 'm1', hash: a.hash, desiredState: 'loaded' };
      const refresh = (assignment: typeof lagging, machineId = 'm1', unitModRevision = rev) => ({ kind: 'refresh' as const, unit: a, unitModRevision, machineId, assignment });
      expect((await r.applySchedule([refresh(lagging)], leadership.fence)).applied).toBe(1);
      expect((await r.snapshot()).laggingAssignments).toEqual(new Map([['a.service', lagging]]));
      expect(await r.listAssignments('m1')).toEqual([lagging]);
      const stale = await r.applySchedule([refresh({ ...lagging, desiredState: 'launched' }, 'm1', '1'), refresh({ ...lagging, machineId: 'm2' }, 'm2')], leadership.fence);
      expect(stale.conflicts.length).toBe(2); // the record moved on; not scheduled on m2
      expect(await r.listAssignments('m2')).toEqual([]);
      await r.applySchedule([refresh({ ...lagging, desiredState: 'launched' })], leadership.fence);
      expect((await r.snapshot()).laggingAssignments.size).toBe(0);
      await leadership.resign();
      await expect(r.applySchedule([refresh(lagging)], leadership.fence)).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
    });

    test('watchCluster from a snapshot revision: every later write, in order, with rising revisions', async () => {
      const r = current();
      await r.registerMachine(machine('m1'), 10);
      const snap = await r.snapshot();
      const unit = await r.submitUnit(unitSpec('a.service'), { desiredState: 'launched' }); // before the watch opens
      const log = new EventLog<ClusterEvent>();
      const sub = await r.watchCluster(log.push, { fromRevision: snap.revision });
      const rev = (await r.snapshot()).unitRevisions.get('a.service')!;
      await r.assign(unit, rev, 'm1');
      const events = await log.next(3);
      expect(events.map((e) => `${e.kind} ${e.type}`)).toEqual(['unit put', 'schedule put', 'assignment put']);
      expect(events[0]!.kind === 'unit' && events[0]!.type === 'put' && events[0]!.modRevision).toBe(rev);
      expect(BigInt(events[1]!.revision)).toBeGreaterThan(BigInt(events[0]!.revision));
      expect(events[2]!.revision).toBe(events[1]!.revision); // one transaction
      await sub.close();
    });

    test('watchAssignments from assignmentsAt: no gap, keys are unit names', async () => {
      const r = current();
      await r.registerMachine(machine('m1'), 10);
      const a = await r.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
      await r.assign(a, (await r.snapshot()).unitRevisions.get('a.service')!, 'm1');
      const at = await r.assignmentsAt('m1');
      expect(at.assignments.map((x) => x.unit)).toEqual(['a.service']);
      await r.setDesiredState('a.service', 'loaded'); // between the read and the watch
      const log = new EventLog<{ type: string; key: string }>();
      const sub = await r.watchAssignments('m1', (e) => log.push({ type: e.type, key: e.key }), { fromRevision: at.revision });
      await r.destroyUnit('a.service');
      expect(await log.next(2)).toEqual([{ type: 'put', key: 'a.service' }, { type: 'delete', key: 'a.service' }]);
      await sub.close();
    });

    test('presence: one live machine per id, states and endpoints live under its lease and vanish with it', async () => {
      const r = current();
      const lease = await r.registerMachine(machine('m1'), 10);
      await expect(r.registerMachine(machine('m1'), 10)).rejects.toMatchObject({ code: 'DUPLICATE_MACHINE' });
      await r.updateMachine({ ...machine('m1'), ip: '10.0.0.2' }, lease);
      expect((await r.listMachines()).map((m) => m.ip)).toEqual(['10.0.0.2']);
      await r.publishState(unitState('a.service', 'm1', 'h'), lease);
      await r.publishEndpoint({ unit: 'a.service', machineId: 'm1', ip: '10.0.0.2', port: 80 }, lease);
      expect(await r.getStates('a.service')).toEqual([unitState('a.service', 'm1', 'h')]);
      expect(await r.listEndpoints()).toHaveLength(1);
      await lease.revoke();
      expect([await r.listMachines(), await r.listStates(), await r.listEndpoints()]).toEqual([[], [], []]);
      await expect(r.updateMachine(machine('m1'), lease)).rejects.toMatchObject({ code: 'LEASE_LOST' });
      const again = await r.registerMachine(machine('m1'), 10);
      expect(again.leaseId).not.toBe(lease.leaseId);
    });

    test('publishStates writes many states under the lease; a lost lease writes none', async () => {
      const r = current();
      const lease = await r.registerMachine(machine('m1'), 10);
      const states = ['a.service', 'b.service', 'c.service'].map((u) => unitState(u, 'm1', 'h'));
      await r.publishStates(states, lease);
      expect(await r.listStates()).toEqual(states);
      await lease.revoke();
      await expect(r.publishStates(states, lease)).rejects.toThrow();
      expect(await r.listStates()).toEqual([]);
    });

    test('a restarted agent takes its machine key over: the machine never leaves, old states go', async () => {
      const r = current();
      const first = await r.registerMachine(machine('m1'), 10);
      await r.publishState(unitState('a.service', 'm1', 'h'), first);
      first.release();
      const second = await r.registerMachine(machine('m1'), 10, { takeOverLeaseId: first.leaseId });
      expect(second.takenOver).toBe(true);
      expect((await r.listMachines()).map((m) => m.id)).toEqual(['m1']);
      expect(await r.listStates()).toEqual([]);
    });

    test('dynamic metadata and cordon merge into machines and outlive their presence', async () => {
      const r = current();
      const lease = await r.registerMachine(machine('m1', { role: 'web', zone: 'a' }), 10);
      await r.patchMachineMetadata([{ machineId: 'm1', key: 'role', value: 'db' }, { machineId: 'm1', key: 'zone' }]);
      await r.setMachineCordon('m1', { since: 5 });
      const expected = { ...machine('m1', { role: 'db' }), cordon: { since: 5 } };
      expect(await r.listMachines()).toEqual([expected]);
      expect((await r.snapshot()).machines).toEqual([expected]);
      await lease.revoke();
      await r.registerMachine(machine('m1', { role: 'web', zone: 'a' }), 10);
      expect(await r.listMachines()).toEqual([expected]);
      await r.setMachineCordon('m1', undefined);
      expect((await r.listMachines())[0]?.cordon).toBeUndefined();
    });

    test('services: scale stores the template with the count in one write; the count changes; 0 keeps the service', async () => {
      const r = current();
      const template = unitSpec('app@.service');
      await expect(r.scaleService('app@.service', 3)).rejects.toMatchObject({ code: 'UNIT_NOT_FOUND' }); // no template, no file
      expect(await r.scaleService('app@.service', 3, template)).toEqual({ template: 'app@.service', count: 3 });
      expect((await r.getUnit('app@.service'))?.desiredState).toBe('inactive');
      await r.scaleService('app@.service', 0);
      expect(await r.listServices()).toEqual([{ template: 'app@.service', count: 0 }]);
      expect(await r.getService('nope@.service')).toBeUndefined();
    });

    test('services: bad input is refused and writes nothing', async () => {
      const r = current();
      await expect(r.scaleService('app@.service', -1, unitSpec('app@.service'))).rejects.toMatchObject({ code: 'INVALID_SERVICE' });
      await expect(r.scaleService('app@.service', 1.5, unitSpec('app@.service'))).rejects.toMatchObject({ code: 'INVALID_SERVICE' });
      await expect(r.scaleService('app.service', 2, unitSpec('app.service'))).rejects.toMatchObject({ code: 'INVALID_SERVICE' });
      await expect(r.submitUnit({ name: 'app@.service', options: [{ section: 'X-Flotilla', name: 'Replicas', value: 'abc' }] })).rejects.toMatchObject({
        code: 'INVALID_UNIT_OPTIONS',
      });
      expect([await r.listServices(), await r.listUnits()]).toEqual([[], []]);
    });

    test('services: Replicas= in a submitted template records the count; destroying the template drops the service', async () => {
      const r = current();
      await r.submitUnit({ name: 'web@.service', options: [{ section: 'X-Flotilla', name: 'Replicas', value: '4' }] });
      expect(await r.getService('web@.service')).toEqual({ template: 'web@.service', count: 4 });
      expect(await r.destroyUnit('web@.service')).toBe(true);
      expect(await r.listServices()).toEqual([]);
    });

    test('services: the leader\'s instance writes are fenced and compare what they saw', async () => {
      const r = current();
      const leadership = await lead();
      const created = await r.submitUnit(unitSpec('app@1.service'), { desiredState: 'inactive' });
      const fresh = { ...created, name: 'app@2.service', desiredState: 'launched' as const };
      const result = await r.applyServiceChanges(
        [{ kind: 'create', unit: { ...created, desiredState: 'launched' } }, { kind: 'create', unit: fresh }, { kind: 'launch', unit: 'app@1.service' }, { kind: 'destroy', unit: 'app@9.service' }],
        leadership.fence,
      );
      expect(result.applied).toBe(2);
      expect(result.conflicts.map((c) => c.kind)).toEqual(['create', 'destroy']); // app@1 existed, app@9 did not
      expect((await r.listUnits()).map((u) => [u.name, u.desiredState])).toEqual([['app@1.service', 'launched'], ['app@2.service', 'launched']]);
      await r.applyServiceChanges([{ kind: 'destroy', unit: 'app@2.service' }], leadership.fence);
      expect((await r.listUnits()).map((u) => u.name)).toEqual(['app@1.service']);
      await leadership.resign();
      const stale = leadership.fence;
      await expect(r.applyServiceChanges([{ kind: 'destroy', unit: 'app@1.service' }], stale)).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
      await expect(r.applyServiceChanges([{ kind: 'create', unit: fresh }], stale)).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
      expect((await r.listUnits()).map((u) => u.name)).toEqual(['app@1.service']);
    });

    test('event log: appended entries listed oldest first, trimmed to the retention', async () => {
      const r = current();
      const now = Date.now();
      await r.appendEvents([
        { kind: 'placed', unit: 'a.service', machineId: 'm1', at: now - 2 },
        { kind: 'placed', unit: 'b.service', machineId: 'm1', at: now - 1 },
      ]);
      const last = await r.appendEvent({ kind: 'unit-failed', unit: 'a.service', reason: 'failed', at: now }, { maxEvents: 2 });
      const events = await r.listEvents();
      expect(events.map((e) => e.unit)).toEqual(['b.service', 'a.service']);
      expect(events[1]).toEqual(last);
      expect((await r.listEvents({ limit: 1 })).map((e) => e.kind)).toEqual(['unit-failed']);
    });
  });
}

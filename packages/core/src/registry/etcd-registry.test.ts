import { describe, expect, test } from 'vitest';
import { type EtcdHandle } from '../../../../test/harness/etcd.js';
import { TemplateActivationError, UnitExistsError, UnitNotFoundError, InvalidUnitNameError, InvalidUnitOptionsError } from '../errors.js';
import { makeUnitRecord } from '../unit/record.js';
import { fleet, option, unitSpec } from '../testing/unit-builders.js';
import { EventLog, machine } from '../testing/registry-fixtures.js';
import { EtcdRegistry } from './etcd-registry.js';
import type { Assignment } from '../model.js';
import type { WatchEvent } from './types.js';
import { useEtcdRegistry } from '../testing/etcd-fixture.js';

let etcd: EtcdHandle;
let registry: EtcdRegistry;

useEtcdRegistry({ etcd: (e) => (etcd = e), registry: (r) => (registry = r) });

describe('units', () => {
  test('submit, get, list, destroy', async () => {
    const spec = unitSpec('web.service');
    const submitted = await registry.submitUnit(spec);
    expect(submitted).toEqual(makeUnitRecord(spec, 'inactive'));
    expect(await registry.getUnit('web.service')).toEqual(submitted);
    expect(await registry.listUnits()).toEqual([submitted]);
    expect(await registry.destroyUnit('web.service')).toBe(true);
    expect(await registry.destroyUnit('web.service')).toBe(false);
    expect(await registry.getUnit('web.service')).toBeUndefined();
  });

  test('same hash is a no-op returning the stored unit', async () => {
    await registry.submitUnit(unitSpec('web.service'));
    await registry.setDesiredState('web.service', 'launched');
    const again = await registry.submitUnit(unitSpec('web.service'));
    expect(again.desiredState).toBe('launched');
  });

  test('different hash without replace → UnitExistsError', async () => {
    await registry.submitUnit(unitSpec('web.service'));
    await expect(registry.submitUnit(unitSpec('web.service', option('Service', 'User', 'x')))).rejects.toBeInstanceOf(UnitExistsError);
  });

  test('replace overwrites, resets desired state and unschedules', async () => {
    await registry.submitUnit(unitSpec('web.service'), { desiredState: 'launched' });
    const snap = await registry.snapshot();
    await registry.assign(snap.units[0]!, snap.unitRevisions.get('web.service')!, 'm1');
    const changed = unitSpec('web.service', option('Service', 'User', 'x'));
    const replaced = await registry.submitUnit(changed, { replace: true });
    expect(replaced).toEqual(makeUnitRecord(changed, 'inactive'));
    expect(await registry.getUnit('web.service')).toEqual(replaced);
    expect((await registry.snapshot()).schedule.size).toBe(0);
    expect(await registry.listAssignments('m1')).toEqual([]);
  });

  test.each([
    { name: 'bad name', spec: unitSpec('web'), error: InvalidUnitNameError },
    { name: 'bad options', spec: unitSpec('web.service', fleet('MachineID', 'm'), fleet('Global', 'true')), error: InvalidUnitOptionsError },
  ])('bad input writes nothing: $name', async ({ spec, error }) => {
    await expect(registry.submitUnit(spec)).rejects.toBeInstanceOf(error);
    expect(await registry.listUnits()).toEqual([]);
  });

  test('templates may be submitted but not activated', async () => {
    await registry.submitUnit(unitSpec('web@.service'));
    await expect(registry.setDesiredState('web@.service', 'launched')).rejects.toBeInstanceOf(TemplateActivationError);
    await expect(registry.submitUnit(unitSpec('api@.service'), { desiredState: 'loaded' })).rejects.toThrow('cannot activate template "api@.service"');
    expect((await registry.listUnits()).map((u) => [u.name, u.desiredState])).toEqual([['web@.service', 'inactive']]);
  });

  test('setDesiredState on a missing unit → UnitNotFoundError', async () => {
    await expect(registry.setDesiredState('nope.service', 'launched')).rejects.toBeInstanceOf(UnitNotFoundError);
  });
});

describe('desired state mirrors into the assignment', () => {
  test('scheduled unit: loaded → launched rewrites the assignment; inactive removes schedule + assignment', async () => {
    const unit = await registry.submitUnit(unitSpec('web.service'), { desiredState: 'loaded' });
    const snap = await registry.snapshot();
    await registry.assign(unit, snap.unitRevisions.get('web.service')!, 'm1');
    expect(await registry.listAssignments('m1')).toEqual([{ unit: 'web.service', machineId: 'm1', hash: unit.hash, desiredState: 'loaded', placed: true }]);

    await registry.setDesiredState('web.service', 'launched');
    expect(await registry.listAssignments('m1')).toEqual([{ unit: 'web.service', machineId: 'm1', hash: unit.hash, desiredState: 'launched', placed: true }]);

    const inactive = await registry.setDesiredState('web.service', 'inactive');
    expect(inactive.desiredState).toBe('inactive');
    expect(await registry.listAssignments('m1')).toEqual([]);
    expect((await registry.snapshot()).schedule).toEqual(new Map());
  });

  test('global unit: every machine\'s assignment follows start, stop, replace and destroy in the same transaction', async () => {
    const leadership = await registry.campaign('test', 10, new AbortController().signal);
    const placeEverywhere = async () => {
      const snap = await registry.snapshot();
      const unit = snap.units.find((u) => u.name === 'g.service')!;
      const changes = ['m1', 'm2'].map((machineId) => ({ kind: 'assign-global' as const, unit, unitModRevision: snap.unitRevisions.get('g.service')!, machineId }));
      expect((await registry.applySchedule(changes, leadership.fence)).conflicts).toEqual([]);
      return unit;
    };
    const states = async () => (await Promise.all(['m1', 'm2'].map((m) => registry.listAssignments(m)))).flat().map((a) => `${a.machineId}:${a.desiredState}`);
    try {
      await registry.submitUnit(unitSpec('g.service', fleet('Global', 'true')), { desiredState: 'loaded' });
      await placeEverywhere();
      await registry.setDesiredState('g.service', 'launched');
      expect(await states()).toEqual(['m1:launched', 'm2:launched']);
      await registry.setDesiredState('g.service', 'inactive');
      expect(await states()).toEqual([]);

      await registry.setDesiredState('g.service', 'launched');
      await placeEverywhere();
      await registry.submitUnit(unitSpec('g.service', fleet('Global', 'true'), option('Service', 'User', 'x')), { replace: true, desiredState: 'launched' });
      expect(await states()).toEqual([]);

      await placeEverywhere();
      expect(await registry.destroyUnit('g.service')).toBe(true);
      expect(await states()).toEqual([]);
    } finally {
      await leadership.resign();
    }
  });

  test('destroy removes unit, schedule and assignment', async () => {
    const unit = await registry.submitUnit(unitSpec('web.service'), { desiredState: 'launched' });
    await registry.assign(unit, (await registry.snapshot()).unitRevisions.get('web.service')!, 'm1');
    expect(await registry.destroyUnit('web.service')).toBe(true);
    const snap = await registry.snapshot();
    expect({ units: snap.units, schedule: snap.schedule }).toEqual({ units: [], schedule: new Map() });
    expect(await registry.listAssignments('m1')).toEqual([]);
  });
});

describe('assignments watch', () => {
  test('sees only its own machine', async () => {
    const log = new EventLog<WatchEvent<Assignment>>();
    const sub = await registry.watchAssignments('m1', log.push);
    const a = await registry.submitUnit(unitSpec('a.service'), { desiredState: 'launched' });
    const b = await registry.submitUnit(unitSpec('b.service'), { desiredState: 'launched' });
    let snap = await registry.snapshot();
    await registry.assign(b, snap.unitRevisions.get('b.service')!, 'm10');
    await registry.assign(a, snap.unitRevisions.get('a.service')!, 'm1');
    await registry.unassign('a.service', 'm1');
    const events = await log.next(2);
    await sub.close();
    expect(events).toEqual([
      { type: 'put', key: 'a.service', value: { unit: 'a.service', machineId: 'm1', hash: a.hash, desiredState: 'launched', placed: true }, revision: expect.any(String) },
      { type: 'delete', key: 'a.service', revision: expect.any(String) },
    ]);
    snap = await registry.snapshot();
    expect(snap.schedule).toEqual(new Map([['b.service', 'm10']]));
  });
});

describe('machines', () => {
  test('register and list', async () => {
    const lease = await registry.registerMachine(machine('m1'), 5);
    expect(await registry.listMachines()).toEqual([machine('m1')]);
    await lease.revoke();
    expect(await registry.listMachines()).toEqual([]);
  });
});

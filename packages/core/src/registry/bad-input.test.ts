import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { freshPrefix } from '../testing/registry-fixtures.js';
import { fleet, option, unitSpec } from '../testing/unit-builders.js';
import { makeUnitRecord } from '../unit/record.js';
import { encodeValue } from './codec.js';
import { EtcdRegistry } from './etcd-registry.js';

let etcd: EtcdHandle;
let raw: Etcd3;
let registry: EtcdRegistry;
const prefix = freshPrefix();

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoints });
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix });
});
afterAll(async () => {
  await registry?.close();
  raw?.close();
  await etcd?.stop();
});

const INJECTIONS = ['../x.service', 'a/b.service', 'a\u0000.service', `${'a'.repeat(249)}.service`, 'a\nb.service', 'a;reboot.service', '$(id).service', 'a.\u0455ervice', '\u0430pache.service'];

async function keysWritten(): Promise<string[]> {
  return (await raw.getAll().prefix(prefix).keys()).sort();
}

describe('a corrupt stored unit', () => {
  test('is reported by get, skipped by list, and can still be replaced or destroyed', async () => {
    const reported: string[] = [];
    const own = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix(), onCorruptRecord: (err) => reported.push(err.key) });
    try {
      const key = own.keyspace.unit('junk.service');
      await raw.put(key).value('{"Name":"junk.service"}');
      await expect(own.getUnit('junk.service')).rejects.toMatchObject({ code: 'CORRUPT_RECORD', key });
      await expect(own.submitUnit(unitSpec('junk.service'))).rejects.toMatchObject({ code: 'CORRUPT_RECORD' });
      expect(await own.listUnits()).toEqual([]);
      expect(reported).toEqual([key]);
      const replaced = await own.submitUnit(unitSpec('junk.service'), { replace: true });
      expect(await own.getUnit('junk.service')).toEqual(replaced);
      await raw.put(key).value('junk again');
      expect(await own.destroyUnit('junk.service')).toBe(true);
      expect(await raw.get(key).string()).toBeNull();
    } finally {
      await own.close();
    }
  });
});

describe('a unit stored before the new-unit rules (docs/fleetctl-compat.md, "Unit names")', () => {
  test('is listed, stopped and destroyed; only a new submit of it is refused', async () => {
    const own = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    try {
      const spec = unitSpec(`${'a'.repeat(240)}.service`);
      await raw.put(own.keyspace.unit(spec.name)).value(encodeValue(makeUnitRecord(spec, 'launched')));
      expect((await own.listUnits()).map((u) => u.name)).toEqual([spec.name]);
      expect((await own.setDesiredState(spec.name, 'inactive')).desiredState).toBe('inactive');
      await expect(own.submitUnit(spec)).rejects.toMatchObject({ code: 'INVALID_UNIT_NAME' });
      expect(await own.destroyUnit(spec.name)).toBe(true);
      expect(await own.listUnits()).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe('bad input is refused before anything is written', () => {
  test.each(INJECTIONS.map((name) => ({ name: JSON.stringify(name), unit: name })))('name $name', async ({ unit }) => {
    const attempts = [
      registry.submitUnit(unitSpec(unit)),
      registry.setDesiredState(unit, 'launched'),
      registry.destroyUnit(unit),
      registry.getUnit(unit),
      registry.getStates(unit),
      registry.watchStates(unit, () => undefined),
    ];
    const codes = (await Promise.allSettled(attempts)).map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'accepted'));
    expect(codes).toEqual(Array(attempts.length).fill('INVALID_UNIT_NAME'));
    expect(await keysWritten()).toEqual([]);
  });

  test.each([
    { name: 'MachineID with Global', options: [fleet('MachineID', 'm1'), fleet('Global', 'true')], code: 'INVALID_UNIT_OPTIONS' },
    { name: 'newline smuggled into a value', options: [option('Service', 'ExecStart', '/bin/true\nExecStartPost=/bin/evil')], code: 'INVALID_UNIT_OPTIONS' },
    { name: 'section header smuggled into a key', options: [option('Service', '[Install]\nWantedBy', 'x')], code: 'INVALID_UNIT_OPTIONS' },
  ])('options: $name', async ({ options, code }) => {
    await expect(registry.submitUnit(unitSpec('ok.service', ...options))).rejects.toMatchObject({ code });
    expect(await keysWritten()).toEqual([]);
  });

  test('a name too long for the agent\'s files (238 bytes, fine for fleet and systemd) is refused by submit', async () => {
    await expect(registry.submitUnit(unitSpec(`${'a'.repeat(230)}.service`))).rejects.toMatchObject({
      code: 'INVALID_UNIT_NAME',
      message: "unit name exceeds maximum length (237 bytes, so that the agent's file names fit in 255)",
    });
    expect(await keysWritten()).toEqual([]);
  });

  test.each([
    { unit: 'a.target', message: 'unit type "target" is not run by Flotilla: the accepted types are .service, .socket, .timer, .path, .device, .mount, .automount and .container' },
    { unit: '.x.service', message: 'unit name cannot start in "."' },
  ])('a unit the agent would never run is refused by submit: $unit', async ({ unit, message }) => {
    await expect(registry.submitUnit(unitSpec(unit))).rejects.toMatchObject({ code: 'INVALID_UNIT_NAME', message });
    expect(await keysWritten()).toEqual([]);
  });

  test('starting a template is refused and writes nothing', async () => {
    await expect(registry.submitUnit(unitSpec('web@.service'), { desiredState: 'launched' })).rejects.toMatchObject({ code: 'TEMPLATE_ACTIVATION' });
    expect(await keysWritten()).toEqual([]);
  });
});

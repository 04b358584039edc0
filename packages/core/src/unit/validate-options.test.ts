import { describe, expect, test } from 'vitest';
import { InvalidUnitOptionsError } from '../errors.js';
import { fleet, option } from '../testing/unit-builders.js';
import { validateUnitOptions } from './validate-options.js';

describe('validateUnitOptions', () => {
  test.each([
    { name: 'no X-Fleet', options: [option('Service', 'ExecStart', '/bin/true')] },
    { name: 'Global + MachineMetadata', options: [fleet('Global', 'true'), fleet('MachineMetadata', 'a=b')] },
    { name: 'Global + Conflicts', options: [fleet('Global', 'true'), fleet('Conflicts', 'x.*')] },
    { name: 'MachineOf + non-overlapping Conflicts', options: [fleet('MachineOf', 'b.service'), fleet('Conflicts', 'c.*')] },
    { name: 'Global=false + MachineID', options: [fleet('Global', 'false'), fleet('MachineID', 'm1')] },
    { name: 'value with trailing space', options: [option('Service', 'ExecStart', '/bin/true ')] },
    { name: 'ServiceName and Project', options: [option('X-Flotilla', 'ServiceName', 'db'), option('X-Flotilla', 'Project', 'shop')] },
    { name: 'a section repeated (interleaved, as in a file with two [Unit] blocks)', options: [option('Unit', 'A', '1'), option('Service', 'B', '2'), option('Unit', 'C', '3')] },
  ])('accepts $name', ({ options }) => {
    expect(() => validateUnitOptions('a.service', options)).not.toThrow();
  });

  test.each([
    { name: 'peer matches conflict', options: [fleet('MachineOf', 'b.service'), fleet('Conflicts', 'b.*')], message: 'unresolvable requirements: peer "b.service" matches conflict "b.*"' },
    { name: 'peer matches replace', options: [fleet('MachineOf', 'b.service'), fleet('Replaces', 'b.service')], message: 'unresolvable requirements: peer "b.service" matches replace "b.service"' },
    { name: 'MachineID + MachineOf', options: [fleet('MachineID', 'm'), fleet('MachineOf', 'b.service')], message: 'MachineID cannot be used with Peers' },
    { name: 'MachineID + Conflicts', options: [fleet('MachineID', 'm'), fleet('Conflicts', 'b.*')], message: 'MachineID cannot be used with Conflicts' },
    { name: 'MachineID + Global', options: [fleet('MachineID', 'm'), fleet('Global', 'true')], message: 'MachineID cannot be used with Global' },
    { name: 'MachineID + Replaces', options: [fleet('MachineID', 'm'), fleet('Replaces', 'b.service')], message: 'MachineID cannot be used with Replaces' },
    { name: 'deprecated MachineID alias + Global', options: [fleet('X-ConditionMachineID', 'm'), fleet('Global', 'true')], message: 'MachineID cannot be used with Global' },
    { name: 'Global + MachineOf', options: [fleet('Global', 'true'), fleet('MachineOf', 'b.service')], message: 'Global cannot be used with Peers' },
    { name: 'Global + Replaces', options: [fleet('Global', 'true'), fleet('Replaces', 'b.service')], message: 'Global cannot be used with Replaces' },
    { name: 'Conflicts + Replaces', options: [fleet('Conflicts', 'c.*'), fleet('Replaces', 'b.service')], message: 'Conflicts cannot be used with Replaces' },
    { name: 'first rule wins', options: [fleet('MachineID', 'm'), fleet('Global', 'true'), fleet('Conflicts', 'c.*')], message: 'MachineID cannot be used with Conflicts' },
    { name: 'newline in a value', options: [option('Service', 'ExecStart', 'a\nb')], message: 'invalid unit option "[Service] ExecStart=a\\nb"' },
    { name: 'empty key', options: [option('Service', '', 'x')], message: 'invalid unit option "[Service] =x"' },
    { name: 'value ending in a backslash swallows the next line', options: [option('Service', 'A', 'x\\'), option('Service', 'B', 'y')], message: 'unit options do not survive serialization' },
    { name: 'ServiceName that is no DNS label', options: [option('X-Flotilla', 'ServiceName', 'my.db')], message: "[X-Flotilla] ServiceName=my.db: not a DNS label (letters, digits, '-' and '_', at most 63, no '-' at either end)" },
    { name: 'over-long value', options: [option('Service', 'A', 'x'.repeat(2050))], message: 'unit options do not serialize: options:2:2048: line too long (max 2048 bytes)' },
  ])('rejects $name', ({ options, message }) => {
    let caught: unknown;
    try {
      validateUnitOptions('a.service', options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidUnitOptionsError);
    expect({ code: (caught as InvalidUnitOptionsError).code, message: (caught as Error).message }).toEqual({ code: 'INVALID_UNIT_OPTIONS', message });
  });
});

import { describe, expect, test } from 'vitest';
import { InvalidUnitOptionsError } from '../errors.js';
import { option } from '../testing/unit-builders.js';
import { loadUnitFile } from './unit-file.js';

const HEAD = '[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/true\n\n[X-Fleet]\n';

describe('loadUnitFile', () => {
  test('a valid file becomes a spec', () => {
    expect(loadUnitFile('a.service', `${HEAD}MachineMetadata=region=eu\n`)).toEqual({
      name: 'a.service',
      options: [option('Unit', 'Description', 'x'), option('Service', 'ExecStart', '/bin/true'), option('X-Fleet', 'MachineMetadata', 'region=eu')],
    });
  });

  test.each([
    { name: 'later feature of a pair', fleet: 'MachineID=m1\nGlobal=true\n', reason: 'MachineID cannot be used with Global', line: 9, column: 1, key: 'Global' },
    { name: 'deprecated alias blamed by its own name', fleet: 'Conflicts=x.*\nX-ConditionMachineID=m1\n  MachineOf=b.service\n', reason: 'MachineID cannot be used with Peers', line: 10, column: 3, key: 'MachineOf' },
    { name: 'last Global wins, so it is the one blamed', fleet: 'Global=false\nMachineID=m1\nGlobal=true\n', reason: 'MachineID cannot be used with Global', line: 10, column: 1, key: 'Global' },
    { name: 'unresolvable peer', fleet: 'Conflicts=b.*\nMachineOf=c.service\nMachineOf=b.service\n', reason: 'unresolvable requirements: peer "b.service" matches conflict "b.*"', line: 10, column: 1, key: 'MachineOf' },
  ])('names the line: $name', ({ fleet, reason, line, column, key }) => {
    let caught: unknown;
    try {
      loadUnitFile('a.service', HEAD + fleet, 'units/a.service');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidUnitOptionsError);
    const err = caught as InvalidUnitOptionsError;
    expect({ reason: err.reason, location: err.location, message: err.message }).toEqual({
      reason,
      location: { file: 'units/a.service', line, column, key },
      message: `units/a.service:${line}:${column}: ${reason} (key ${key})`,
    });
  });

  test.each([
    { name: 'bad name first', unit: 'a b.service', text: 'junk', code: 'INVALID_UNIT_NAME' },
    { name: 'then syntax', unit: 'a.service', text: 'junk', code: 'UNIT_FILE_SYNTAX' },
  ])('$name', ({ unit, text, code }) => {
    expect(() => loadUnitFile(unit, text)).toThrow(expect.objectContaining({ code }));
  });
});

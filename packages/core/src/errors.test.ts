import { describe, expect, test } from 'vitest';
import {
  ConflictError,
  CorruptRecordError,
  DuplicateMachineError,
  FlotillaError,
  InvalidUnitNameError,
  InvalidUnitOptionsError,
  LeadershipLostError,
  RegistryTimeoutError,
  RegistryUnavailableError,
  TemplateActivationError,
  UnitExistsError,
  UnitFileSyntaxError,
  UnitNotFoundError,
  isRetryable,
} from './errors.js';

describe('error classes', () => {
  test.each([
    { name: 'syntax', err: new UnitFileSyntaxError('a.service', 3, 'no "=" in line', 7), code: 'UNIT_FILE_SYNTAX', message: 'a.service:3:7: no "=" in line', retryable: false },
    { name: 'name', err: new InvalidUnitNameError('foo', 'unit name must contain "."'), code: 'INVALID_UNIT_NAME', message: 'unit name must contain "."', retryable: false },
    { name: 'options', err: new InvalidUnitOptionsError('a.service', 'MachineID cannot be used with Global'), code: 'INVALID_UNIT_OPTIONS', message: 'MachineID cannot be used with Global', retryable: false },
    { name: 'not found', err: new UnitNotFoundError('a.service'), code: 'UNIT_NOT_FOUND', message: 'unit a.service does not exist', retryable: false },
    { name: 'exists', err: new UnitExistsError('a.service', 'abcdef0123', '0123456789'), code: 'UNIT_EXISTS', message: 'unit a.service already exists with different contents (stored abcdef0, new 0123456)', retryable: false },
    { name: 'template', err: new TemplateActivationError('foo@.service'), code: 'TEMPLATE_ACTIVATION', message: 'cannot activate template "foo@.service"', retryable: false },
    { name: 'conflict', err: new ConflictError('unit a.service changed'), code: 'REGISTRY_CONFLICT', message: 'registry conflict: unit a.service changed', retryable: true },
    { name: 'leadership', err: new LeadershipLostError('/f/election/scheduler/1'), code: 'LEADERSHIP_LOST', message: 'scheduler leadership lost (election key /f/election/scheduler/1 changed or expired)', retryable: false },
    { name: 'duplicate', err: new DuplicateMachineError('m1'), code: 'DUPLICATE_MACHINE', message: 'a live machine with id m1 is already registered', retryable: false },
    { name: 'unavailable', err: new RegistryUnavailableError(['http://h:1', 'http://h:2'], { cause: new Error('refused') }), code: 'REGISTRY_UNAVAILABLE', message: 'etcd unavailable at http://h:1, http://h:2: refused', retryable: true },
    { name: 'timeout', err: new RegistryTimeoutError('get units/a.service', 5000), code: 'REGISTRY_TIMEOUT', message: 'registry get units/a.service timed out after 5000 ms', retryable: true },
    { name: 'corrupt', err: new CorruptRecordError('/flotilla/units/a.service'), code: 'CORRUPT_RECORD', message: 'corrupt record at /flotilla/units/a.service', retryable: false },
  ])('$name', ({ err, code, message, retryable }) => {
    expect(err).toBeInstanceOf(FlotillaError);
    expect({ code: err.code, message: err.message, retryable: isRetryable(err), name: err.name }).toEqual({
      code,
      message,
      retryable,
      name: err.constructor.name,
    });
    expect(err.hint).toEqual(expect.any(String));
  });

  test('unavailable hint names --endpoint', () => {
    expect(new RegistryUnavailableError(['x']).hint).toContain('--endpoint');
  });
});

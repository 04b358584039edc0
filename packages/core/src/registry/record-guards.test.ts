import { describe, expect, test } from 'vitest';
import { isUnitStateRecord } from './record-guards.js';

const base = { unit: 'a.service', machineId: 'm1', hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 1 };

describe('isUnitStateRecord', () => {
  test.each<[string, unknown, boolean]>([
    ['plain state', base, true],
    ['with restarts and since', { ...base, restarts: 2, since: 1700000000000.5 }, true],
    ['negative restarts', { ...base, restarts: -1 }, false],
    ['restarts as text', { ...base, restarts: '2' }, false],
    ['container running', { ...base, container: { state: 'running' } }, true],
    ['container exited with code and error', { ...base, container: { state: 'exited', exitCode: 137, health: 'unhealthy', error: 'x' } }, true],
    ['container without state', { ...base, container: { exitCode: 1 } }, false],
    ['container exit code as text', { ...base, container: { state: 'exited', exitCode: '1' } }, false],
    ['container as a string', { ...base, container: 'running' }, false],
    ['health healthy', { ...base, health: { status: 'healthy', checkedAt: 5, failures: 0 } }, true],
    ['health unhealthy with message', { ...base, health: { status: 'unhealthy', checkedAt: 5, failures: 3, message: 'HTTP 500' } }, true],
    ['health unknown status', { ...base, health: { status: 'sick', checkedAt: 5, failures: 0 } }, false],
    ['health without failures', { ...base, health: { status: 'healthy', checkedAt: 5 } }, false],
    ['health message not text', { ...base, health: { status: 'healthy', checkedAt: 5, failures: 0, message: 1 } }, false],
    ['missing updatedAt', { ...base, updatedAt: undefined }, false],
  ])('%s', (_name, value, expected) => {
    expect(isUnitStateRecord(value)).toBe(expected);
  });
});

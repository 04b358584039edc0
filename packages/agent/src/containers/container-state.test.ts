import { describe, expect, test } from 'vitest';
import { containerUnitState } from './container-state.js';
import type { ContainerStatus } from './engine-client.js';

const status = (over: Partial<ContainerStatus>): ContainerStatus => ({ id: 'c1', name: 'systemd-web', state: 'running', running: true, exitCode: 0, ...over });

describe('containerUnitState', () => {
  test.each([
    { name: 'running, no health check', status: status({}), pull: undefined, expected: { engine: 'docker', container: 'systemd-web', state: 'running' } },
    { name: 'running and healthy', status: status({ health: 'healthy' }), pull: undefined, expected: { engine: 'docker', container: 'systemd-web', state: 'running', health: 'healthy' } },
    { name: 'exited with its code', status: status({ state: 'exited', running: false, exitCode: 137 }), pull: undefined, expected: { engine: 'docker', container: 'systemd-web', state: 'exited', exitCode: 137 } },
    { name: 'no container, pull failed', status: undefined, pull: { image: 'x', failures: 2, lastAttemptAt: 1, lastError: 'manifest unknown' }, expected: { engine: 'docker', container: 'systemd-web', state: 'pull-failed', pullError: 'manifest unknown' } },
    { name: 'no container, last pull fine', status: undefined, pull: { image: 'x', failures: 0, lastAttemptAt: 1 }, expected: { engine: 'docker', container: 'systemd-web', state: 'absent' } },
    { name: 'a container wins over an old pull error', status: status({}), pull: { image: 'x', failures: 3, lastAttemptAt: 1, lastError: 'e' }, expected: { engine: 'docker', container: 'systemd-web', state: 'running' } },
  ])('$name', ({ status, pull, expected }) => {
    expect(containerUnitState('docker', 'systemd-web', status, pull)).toEqual(expected);
  });
});

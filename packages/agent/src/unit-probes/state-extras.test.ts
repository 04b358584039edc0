import type { ContainerStateSummary, SystemdUnitState } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { settled } from './state-extras.js';

const sd = (activeState: string, subState: string): SystemdUnitState => ({ loadState: 'loaded', activeState, subState });

describe('settled: no need to ask the engine again', () => {
  test.each<[string, SystemdUnitState, ContainerStateSummary | undefined, boolean]>([
    ['active and running', sd('active', 'running'), { state: 'running' }, true],
    ['running, HealthCmd still starting: asked again each pass', sd('active', 'running'), { state: 'running', health: 'starting' }, false],
    ['running and healthy', sd('active', 'running'), { state: 'running', health: 'healthy' }, true],
    ['running and unhealthy', sd('active', 'running'), { state: 'running', health: 'unhealthy' }, true],
    ['active, container not up yet', sd('active', 'running'), { state: 'absent' }, false],
    ['active, container created', sd('active', 'running'), { state: 'created' }, false],
    ['failed, container exited', sd('failed', 'failed'), { state: 'exited', exitCode: 1 }, true],
    ['failed with the pull error', sd('activating', 'auto-restart'), { state: 'pull-failed', error: 'x' }, true],
    ['inactive but container still running', sd('inactive', 'dead'), { state: 'running' }, false],
    ['engine did not answer', sd('active', 'running'), { state: 'unknown', error: 'ECONNREFUSED' }, false],
    ['not a container service', sd('active', 'running'), undefined, false],
  ])('%s', (_name, state, container, expected) => {
    expect(settled(state, container)).toBe(expected);
  });
});

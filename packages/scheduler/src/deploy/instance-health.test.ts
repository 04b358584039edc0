import type { UnitStateRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { instanceHealth, stateHealth, type InstanceHealth } from './instance-health.js';

type Row = Pick<UnitStateRecord, 'activeState' | 'health' | 'container'>;
const check = (status: 'starting' | 'healthy' | 'unhealthy') => ({ status, checkedAt: 0, failures: status === 'unhealthy' ? 3 : 0 });

describe('stateHealth: what the deployment gate counts', () => {
  const cases: { name: string; st: Row; want: InstanceHealth }[] = [
    { name: 'case 1: plain unit, active, no checks', st: { activeState: 'active' }, want: 'healthy' },
    { name: 'case 2: plain unit activating', st: { activeState: 'activating' }, want: 'waiting' },
    { name: 'case 3: failed', st: { activeState: 'failed' }, want: 'failed' },
    { name: 'case 4: agent check starting', st: { activeState: 'active', health: check('starting') }, want: 'waiting' },
    { name: 'case 5: agent check unhealthy', st: { activeState: 'active', health: check('unhealthy') }, want: 'failed' },
    { name: 'case 6: container running, no HealthCmd', st: { activeState: 'active', container: { state: 'running' } }, want: 'healthy' },
    { name: 'case 7: container HealthCmd starting: not healthy yet', st: { activeState: 'active', container: { state: 'running', health: 'starting' } }, want: 'waiting' },
    { name: 'case 8: container HealthCmd unhealthy: failed', st: { activeState: 'active', container: { state: 'running', health: 'unhealthy' } }, want: 'failed' },
    { name: 'case 9: container HealthCmd healthy', st: { activeState: 'active', container: { state: 'running', health: 'healthy' } }, want: 'healthy' },
    { name: 'case 10: service active, container not running yet (pull)', st: { activeState: 'active', container: { state: 'pulling' } }, want: 'waiting' },
    { name: 'case 11: engine did not answer', st: { activeState: 'active', container: { state: 'unknown', error: 'ECONNREFUSED' } }, want: 'waiting' },
    { name: 'case 12: agent check healthy, engine still starting: both must agree', st: { activeState: 'active', health: check('healthy'), container: { state: 'running', health: 'starting' } }, want: 'waiting' },
    { name: 'case 13: engine healthy, agent check unhealthy', st: { activeState: 'active', health: check('unhealthy'), container: { state: 'running', health: 'healthy' } }, want: 'failed' },
  ];
  test.each(cases)('$name', ({ st, want }) => expect(stateHealth(st)).toBe(want));
});

describe('instanceHealth: states of the target version only', () => {
  const state = (hash: string, activeState: string, health?: string): UnitStateRecord => ({
    unit: 'app@1.container', machineId: 'm1', hash, updatedAt: 0, loadState: 'loaded', activeState, subState: 'running',
    container: { state: activeState === 'active' ? 'running' : 'exited', ...(health ? { health } : {}) },
  });
  test.each([
    { name: 'case 1: the old version healthy does not count', states: [state('old', 'active', 'healthy'), state('new', 'active', 'starting')], want: 'waiting' },
    { name: 'case 2: no state of the target yet', states: [state('old', 'active', 'healthy')], want: 'waiting' },
    { name: 'case 3: one machine healthy on the target', states: [state('new', 'active', 'healthy')], want: 'healthy' },
    { name: 'case 4: failed on the target', states: [state('new', 'failed')], want: 'failed' },
  ] as { name: string; states: UnitStateRecord[]; want: InstanceHealth }[])('$name', ({ states, want }) => expect(instanceHealth(states, 'new')).toBe(want));
});

import { describe, expect, test } from 'vitest';
import type { UnitStateRecord } from './model.js';
import { readyForTraffic, stateHealth, type StateHealth } from './state-health.js';

type Row = Pick<UnitStateRecord, 'activeState' | 'health' | 'container'>;
const check = (status: 'starting' | 'healthy' | 'unhealthy') => ({ status, checkedAt: 0, failures: status === 'unhealthy' ? 3 : 0 });

describe('stateHealth: what a deployment waits for', () => {
  const cases: { name: string; st: Row; want: StateHealth }[] = [
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

describe('readyForTraffic: what an endpoint is published for', () => {
  const cases: { name: string; st: Row; want: boolean }[] = [
    { name: 'case 1: plain unit, active, no checks', st: { activeState: 'active' }, want: true },
    { name: 'case 2: activating', st: { activeState: 'activating' }, want: false },
    { name: 'case 3: deactivating', st: { activeState: 'deactivating' }, want: false },
    { name: 'case 4: agent check starting', st: { activeState: 'active', health: check('starting') }, want: false },
    { name: 'case 5: agent check healthy', st: { activeState: 'active', health: check('healthy') }, want: true },
    { name: 'case 6: agent check unhealthy', st: { activeState: 'active', health: check('unhealthy') }, want: false },
    { name: 'case 7: container without HealthCmd, engine state not read yet', st: { activeState: 'active', container: { state: 'pulling' } }, want: true },
    { name: 'case 8: container HealthCmd starting', st: { activeState: 'active', container: { state: 'running', health: 'starting' } }, want: false },
    { name: 'case 9: container HealthCmd healthy', st: { activeState: 'active', container: { state: 'running', health: 'healthy' } }, want: true },
    { name: 'case 10: agent check healthy, engine unhealthy: both must agree', st: { activeState: 'active', health: check('healthy'), container: { state: 'running', health: 'unhealthy' } }, want: false },
    { name: 'case 11: engine healthy, agent check starting', st: { activeState: 'active', health: check('starting'), container: { state: 'running', health: 'healthy' } }, want: false },
  ];
  test.each(cases)('$name', ({ st, want }) => expect(readyForTraffic(st)).toBe(want));
});

import { describe, expect, test } from 'vitest';
import type { UnitStateRecord } from './model.js';
import { declaredChecks, readyForTraffic, stateHealth, type DeclaredChecks, type StateHealth } from './state-health.js';

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
  const OWN: DeclaredChecks = { own: true, engine: false };
  const ENGINE: DeclaredChecks = { own: false, engine: true };
  const BOTH: DeclaredChecks = { own: true, engine: true };
  const cases: { name: string; st: Row; checks?: DeclaredChecks; want: boolean }[] = [
    { name: 'case 1: plain unit, active, no checks', st: { activeState: 'active' }, want: true },
    { name: 'case 2: activating', st: { activeState: 'activating' }, want: false },
    { name: 'case 3: deactivating', st: { activeState: 'deactivating' }, want: false },
    { name: 'case 4: agent check starting', st: { activeState: 'active', health: check('starting') }, checks: OWN, want: false },
    { name: 'case 5: agent check healthy', st: { activeState: 'active', health: check('healthy') }, checks: OWN, want: true },
    { name: 'case 6: agent check unhealthy', st: { activeState: 'active', health: check('unhealthy') }, checks: OWN, want: false },
    { name: 'case 7: agent check declared, no result yet', st: { activeState: 'active' }, checks: OWN, want: false },
    { name: 'case 8: container without checks, engine state not read yet', st: { activeState: 'active', container: { state: 'pulling' } }, want: true },
    { name: 'case 9: HealthCmd declared, engine state not read yet: not before its result', st: { activeState: 'active' }, checks: ENGINE, want: false },
    { name: 'case 10: HealthCmd starting', st: { activeState: 'active', container: { state: 'running', health: 'starting' } }, checks: ENGINE, want: false },
    { name: 'case 11: HealthCmd healthy', st: { activeState: 'active', container: { state: 'running', health: 'healthy' } }, checks: ENGINE, want: true },
    { name: 'case 12: agent check healthy, engine unhealthy: both must agree', st: { activeState: 'active', health: check('healthy'), container: { state: 'running', health: 'unhealthy' } }, checks: BOTH, want: false },
    { name: 'case 13: engine healthy, agent check starting', st: { activeState: 'active', health: check('starting'), container: { state: 'running', health: 'healthy' } }, checks: BOTH, want: false },
    { name: 'case 14: both healthy', st: { activeState: 'active', health: check('healthy'), container: { state: 'running', health: 'healthy' } }, checks: BOTH, want: true },
  ];
  test.each(cases)('$name', ({ st, checks, want }) => expect(readyForTraffic(st, checks)).toBe(want));
});

describe('declaredChecks: from the unit options', () => {
  const o = (section: string, name: string, value: string) => ({ section, name, value });
  test.each([
    { name: 'none', options: [o('Service', 'ExecStart', '/bin/true')], want: { own: false, engine: false } },
    { name: 'HealthCheck=', options: [o('X-Flotilla', 'HealthCheck', 'tcp:127.0.0.1:80')], want: { own: true, engine: false } },
    { name: 'a HealthCheck= the agent cannot read (and ignores)', options: [o('X-Flotilla', 'HealthCheck', 'gopher://x')], want: { own: false, engine: false } },
    { name: 'HealthCmd=', options: [o('Container', 'HealthCmd', 'redis-cli ping')], want: { own: false, engine: true } },
    { name: 'HealthCmd=none', options: [o('Container', 'HealthCmd', 'none')], want: { own: false, engine: false } },
    { name: 'the last value wins', options: [o('Container', 'HealthCmd', 'x'), o('Container', 'HealthCmd', '')], want: { own: false, engine: false } },
  ])('$name', ({ options, want }) => expect(declaredChecks('u.service', options)).toEqual(want));
});

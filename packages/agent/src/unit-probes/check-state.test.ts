import { describe, expect, test } from 'vitest';
import { initialCheckState, nextCheckState, type CheckPolicy, type CheckState, type CheckStep, type ProbeOutcome } from './check-state.js';

const policy: CheckPolicy = { retries: 3, restart: true, backoffMs: 1000, maxBackoffMs: 4000 };
const fail: ProbeOutcome = { ok: false, message: 'HTTP 500' };
const ok: ProbeOutcome = { ok: true };
const st = (status: CheckState['health']['status'], failures: number, restarts = 0, restartNotBefore = 0, message?: string): CheckState => ({
  health: { status, checkedAt: 100, failures, ...(message === undefined ? {} : { message }) },
  restarts,
  restartNotBefore,
});

describe('nextCheckState', () => {
  test.each<[string, CheckState, ProbeOutcome, CheckPolicy, CheckStep]>([
    ['starting + success → healthy', initialCheckState(0), ok, policy, { state: st('healthy', 0) }],
    ['starting + failure stays starting', initialCheckState(0), fail, policy, { state: st('starting', 1, 0, 0, 'HTTP 500') }],
    ['healthy + one failure stays healthy', st('healthy', 0), fail, policy, { state: st('healthy', 1, 0, 0, 'HTTP 500') }],
    [
      'third failure in a row → unhealthy and restart, back-off starts',
      st('healthy', 2),
      fail,
      policy,
      { state: st('unhealthy', 3, 1, 1100, 'HTTP 500'), restart: '3 health checks failed in a row (last: HTTP 500)' },
    ],
    ['unhealthy within the back-off: no restart', st('unhealthy', 3, 1, 1100), fail, policy, { state: st('unhealthy', 4, 1, 1100, 'HTTP 500') }],
    [
      'back-off passed: restart again, back-off doubled',
      st('unhealthy', 3, 1, 50),
      fail,
      policy,
      { state: st('unhealthy', 4, 2, 2100, 'HTTP 500'), restart: '4 health checks failed in a row (last: HTTP 500)' },
    ],
    ['back-off capped', st('unhealthy', 3, 5, 0), fail, policy, { state: st('unhealthy', 4, 6, 4100, 'HTTP 500'), restart: '4 health checks failed in a row (last: HTTP 500)' }],
    ['HealthRestart=no: unhealthy, never restarted', st('healthy', 2), fail, { ...policy, restart: false }, { state: st('unhealthy', 3, 0, 0, 'HTTP 500') }],
    ['retries 1: first failure is unhealthy', initialCheckState(0), fail, { ...policy, retries: 1 }, { state: st('unhealthy', 1, 1, 1100, 'HTTP 500'), restart: '1 health checks failed in a row (last: HTTP 500)' }],
    ['unhealthy + success → healthy, back-off reset', st('unhealthy', 5, 3, 9999), ok, policy, { state: st('healthy', 0) }],
  ])('%s', (_name, prev, outcome, pol, expected) => {
    expect(nextCheckState(prev, outcome, 100, pol)).toEqual(expected);
  });
});

describe('initialCheckState', () => {
  test.each<[string, CheckState | undefined, CheckState]>([
    ['fresh', undefined, { health: { status: 'starting', checkedAt: 7, failures: 0 }, restarts: 0, restartNotBefore: 0 }],
    ['restarted for being unhealthy: stays unhealthy until a check passes', st('unhealthy', 3, 2, 500), st('unhealthy', 3, 2, 500)],
    ['healthy before, restarted by someone: starting again', st('healthy', 1, 0, 0), { health: { status: 'starting', checkedAt: 7, failures: 0 }, restarts: 0, restartNotBefore: 0 }],
  ])('%s', (_name, carried, expected) => {
    expect(initialCheckState(7, carried)).toEqual(expected);
  });
});

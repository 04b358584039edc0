import { describe, expect, test } from 'vitest';
import type { DesiredState, UnitStateRecord } from '@flotilla/core';
import type { CurrentState } from './json.js';
import { ECHO_MS, FORGET_MS, isRestartStop, mustHoldStart, RecentStops, reportedCurrentState, stopTookEffect } from './recent-stops.js';

const state = (machineId: string, activeState: string): UnitStateRecord =>
  ({ unit: 'a.service', machineId, hash: 'h', loadState: 'loaded', activeState, subState: '', updatedAt: 1 });

describe('which PUT is a restart’s stop', () => {
  test.each<[string, DesiredState, DesiredState, boolean, boolean]>([
    ['launched → loaded (fleetctl restart, stop)', 'launched', 'loaded', false, true],
    ['launched → loaded of a global unit (no currentState to echo)', 'launched', 'loaded', true, false],
    ['loaded → loaded', 'loaded', 'loaded', false, false],
    ['launched → inactive (unload)', 'launched', 'inactive', false, false],
    ['inactive → loaded (load)', 'inactive', 'loaded', false, false],
    ['loaded → launched (start)', 'loaded', 'launched', false, false],
  ])('%s', (_n, before, after, global, expected) => {
    expect(isRestartStop(before, after, global)).toBe(expected);
  });
});

describe('currentState that GET /units/<n> reports', () => {
  test.each<[string, CurrentState, number | undefined, number, CurrentState]>([
    ['no stop: as derived', 'loaded', undefined, 5_000, 'loaded'],
    ['stopped just now: launched, as fleet until its agent acted', 'loaded', 5_000, 5_000, 'launched'],
    ['fleetctl’s first look, 250 ms on', 'loaded', 5_000, 5_250, 'launched'],
    ['last moment of the echo', 'loaded', 5_000, 5_000 + ECHO_MS - 1, 'launched'],
    ['echo over', 'loaded', 5_000, 5_000 + ECHO_MS, 'loaded'],
    ['still running: launched anyway', 'launched', 5_000, 5_100, 'launched'],
    ['unscheduled or unpublished: never made launched', 'inactive', 5_000, 5_100, 'inactive'],
  ])('%s', (_n, derived, stoppedAt, now, expected) => {
    expect(reportedCurrentState(derived, stoppedAt, now)).toBe(expected);
  });
});

describe('which PUT of launched waits for the stop', () => {
  test.each<[string, DesiredState, DesiredState, number | undefined, number, boolean]>([
    ['restart’s start after its stop', 'loaded', 'launched', 5_000, 5_260, true],
    ['start with no stop through this agent', 'loaded', 'launched', undefined, 5_260, false],
    ['stop long forgotten', 'loaded', 'launched', 5_000, 5_000 + FORGET_MS, false],
    ['already launched again (by the etcd driver)', 'launched', 'launched', 5_000, 5_260, false],
    ['unload after the stop', 'loaded', 'inactive', 5_000, 5_260, false],
  ])('%s', (_n, before, after, stoppedAt, now, expected) => {
    expect(mustHoldStart(before, after, stoppedAt, now)).toBe(expected);
  });
});

describe('the stop took effect', () => {
  test.each<[string, UnitStateRecord[], boolean]>([
    ['no machine publishes the unit', [], true],
    ['inactive', [state('m1', 'inactive')], true],
    ['failed', [state('m1', 'failed')], true],
    ['still active', [state('m1', 'active')], false],
    ['still stopping', [state('m1', 'deactivating')], false],
    ['an old copy elsewhere still runs', [state('m1', 'inactive'), state('m2', 'active')], false],
  ])('%s', (_n, states, expected) => {
    expect(stopTookEffect(states)).toBe(expected);
  });
});

describe('RecentStops (the memory of one API server)', () => {
  function clock(start: number) {
    const c = { t: start, now: () => c.t };
    return c;
  }

  test.each<[string, (s: RecentStops) => void, number, CurrentState]>([
    ['a restart’s stop echoes launched', (s) => s.changed('a.service', 'launched', 'loaded', false), 250, 'launched'],
    ['…until fleet’s reaction time is over', (s) => s.changed('a.service', 'launched', 'loaded', false), ECHO_MS, 'loaded'],
    ['the restart’s start ends the echo', (s) => {
      s.changed('a.service', 'launched', 'loaded', false);
      s.changed('a.service', 'loaded', 'launched', false);
    }, 250, 'loaded'],
    ['a replace or destroy ends it', (s) => {
      s.changed('a.service', 'launched', 'loaded', false);
      s.forget('a.service');
    }, 250, 'loaded'],
    ['another unit’s stop does not echo', (s) => s.changed('b.service', 'launched', 'loaded', false), 250, 'loaded'],
    ['a global unit’s stop does not echo', (s) => s.changed('a.service', 'launched', 'loaded', true), 250, 'loaded'],
  ])('%s', (_n, act, after, expected) => {
    const c = clock(10_000);
    const stops = new RecentStops(c.now);
    act(stops);
    c.t += after;
    expect(stops.report('a.service', 'loaded')).toBe(expected);
  });

  test('stops older than FORGET_MS are dropped when another is recorded', () => {
    const c = clock(10_000);
    const stops = new RecentStops(c.now);
    stops.changed('old.service', 'launched', 'loaded', false);
    c.t += FORGET_MS;
    stops.changed('new.service', 'launched', 'loaded', false);
    expect([stops.stoppedAt('old.service'), stops.stoppedAt('new.service')]).toEqual([undefined, 10_000 + FORGET_MS]);
  });
});

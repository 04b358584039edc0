import { describe, expect, test } from 'vitest';
import type { UnitStateRecord } from '@flotilla/core';
import { currentState } from './current-state.js';
import { activeCondition, stoppedCondition } from './wait.js';

function state(machineId: string, activeState: string, over: Partial<UnitStateRecord> = {}): UnitStateRecord {
  return { unit: 'a.service', machineId, hash: 'h1', loadState: 'loaded', activeState, subState: '', updatedAt: 0, ...over };
}

describe('currentState', () => {
  test.each([
    { name: 'no states', states: [], want: 'inactive' },
    { name: 'loaded, not running', states: [state('m1', 'inactive')], want: 'loaded' },
    { name: 'failed counts as loaded', states: [state('m1', 'failed')], want: 'loaded' },
    { name: 'active on one machine of two', states: [state('m1', 'inactive'), state('m2', 'active')], want: 'launched' },
  ])('$name → $want', ({ states, want }) => {
    expect(currentState(states)).toBe(want);
  });
});

describe('activeCondition', () => {
  test.each([
    { name: 'nothing published', states: [], want: undefined },
    { name: 'activating', states: [state('m1', 'activating')], want: undefined },
    { name: 'active with our hash', states: [state('m1', 'active')], want: 'm1' },
    { name: 'active with an old hash (before --replace)', states: [state('m1', 'active', { hash: 'old' })], want: undefined },
    { name: 'active, agent left the hash empty', states: [state('m1', 'active', { hash: '' })], want: 'm1' },
    { name: 'active but not loaded', states: [state('m1', 'active', { loadState: 'not-found' })], want: undefined },
    { name: 'second machine is the active one', states: [state('m1', 'failed'), state('m2', 'active')], want: 'm2' },
  ])('$name', ({ states, want }) => {
    const hit = activeCondition('h1')(states);
    expect(hit === undefined || hit === true ? hit : hit.machineId).toBe(want);
  });
});

describe('stoppedCondition', () => {
  test.each([
    { name: 'no states at all', states: [], want: true },
    { name: 'still running', states: [state('m1', 'active')], want: undefined },
    { name: 'deactivating', states: [state('m1', 'deactivating')], want: undefined },
    { name: 'dead: reports where it sits', states: [state('m1', 'inactive')], want: 'm1' },
    { name: 'failed counts as stopped', states: [state('m1', 'failed')], want: 'm1' },
  ])('$name', ({ states, want }) => {
    const hit = stoppedCondition()(states);
    expect(hit === undefined || hit === true ? hit : hit.machineId).toBe(want);
  });
});

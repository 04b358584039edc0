import type { UnitStateRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { unitStateJson } from './json.js';
import { unitStateV2Json } from './v1-state.js';

const base: UnitStateRecord = { unit: 'web.container', machineId: 'm1', hash: 'abc', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 1 };
const fleet = { name: 'web.container', hash: 'abc', machineID: 'm1', systemdLoadState: 'loaded', systemdActiveState: 'active', systemdSubState: 'running' };
const extended: UnitStateRecord = {
  ...base,
  restarts: 1,
  since: 5,
  container: { state: 'pull-failed', error: 'manifest unknown' },
  health: { status: 'unhealthy', checkedAt: 9, failures: 3, message: 'HTTP 500' },
};

describe('unit state JSON: v1 keeps fleet\'s shape, v2 adds ours', () => {
  test.each<[string, (s: UnitStateRecord) => unknown, UnitStateRecord, unknown]>([
    ['v1, plain state', unitStateJson, base, fleet],
    ['v1 drops container and health', unitStateJson, extended, fleet],
    ['v2, plain state: nothing added', unitStateV2Json, base, fleet],
    [
      'v2 with everything published',
      unitStateV2Json,
      extended,
      { ...fleet, restarts: 1, since: 5, container: { state: 'pull-failed', error: 'manifest unknown' }, health: { status: 'unhealthy', checkedAt: 9, failures: 3, message: 'HTTP 500' } },
    ],
  ])('%s', (_name, render, state, expected) => {
    expect(render(state)).toEqual(expected);
  });
});

import type { ClusterLogEvent, NewClusterLogEvent, UnitStateRecord } from '@flotilla/core';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { FailureLog } from './failure-log.js';

const state = (unit: string, activeState: string): UnitStateRecord => ({ unit, machineId: 'm1', hash: 'h', loadState: 'loaded', activeState, subState: activeState === 'failed' ? 'failed' : 'running', updatedAt: 7 });

test.each([
  ['a failure is logged once while it lasts', [['a', 'failed'], ['a', 'failed']], [true, false]],
  ['failing again after recovering is a new failure', [['a', 'failed'], ['a', 'active'], ['a', 'failed']], [true, false, true]],
  ['units are tracked apart', [['a', 'failed'], ['b', 'failed']], [true, true]],
  ['active and inactive are not failures', [['a', 'active'], ['a', 'inactive']], [false, false]],
])('%s', (_name, steps, expected) => {
  const appended: NewClusterLogEvent[] = [];
  const registry = {
    appendEvent: async (e: NewClusterLogEvent): Promise<ClusterLogEvent> => {
      appended.push(e);
      return { ...e, id: String(appended.length), at: e.at ?? 0 };
    },
  };
  const log = new FailureLog(registry, pino({ level: 'silent' }));
  expect(steps.map(([u, s]) => log.observe(state(u as string, s as string)))).toEqual(expected);
  expect(appended.length).toBe(expected.filter(Boolean).length);
  if (appended[0]) expect(appended[0]).toEqual({ kind: 'unit-failed', unit: 'a', machineId: 'm1', reason: 'failed', at: 7 });
});

test.each([
  ['with the restarts systemd made before it gave up', { restarts: 3 }, { restarts: 3 }],
  ['no restarts', { restarts: 0 }, { restarts: 0 }],
  ['restarts unknown (not a service, or not read): absent', {}, {}],
])('%s', (_name, runtime, expected) => {
  const appended: NewClusterLogEvent[] = [];
  const registry = {
    appendEvent: async (e: NewClusterLogEvent): Promise<ClusterLogEvent> => {
      appended.push(e);
      return { ...e, id: '1', at: 0 };
    },
  };
  new FailureLog(registry, pino({ level: 'silent' })).observe({ ...state('hello.service', 'failed'), ...runtime });
  expect(appended).toEqual([{ kind: 'unit-failed', unit: 'hello.service', machineId: 'm1', reason: 'failed', at: 7, ...expected }]);
});

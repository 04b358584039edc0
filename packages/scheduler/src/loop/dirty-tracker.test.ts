import type { ClusterEvent } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { unit } from '../test-support/builders.js';
import { DirtyTracker } from './dirty-tracker.js';

const schedulePut = (u: string, m: string): ClusterEvent => ({ kind: 'schedule', type: 'put', unit: u, machineId: m, revision: '1' });
const assignmentPut = (u: string, m: string): ClusterEvent => ({
  kind: 'assignment',
  type: 'put',
  assignment: { unit: u, machineId: m, hash: 'h', desiredState: 'launched' },
  revision: '1',
});

function tracker(fullIntervalMs = 30_000) {
  let now = 0;
  const t = new DirtyTracker(fullIntervalMs, () => now);
  return { t, advance: (ms: number) => (now += ms) };
}

describe('DirtyTracker', () => {
  test('a term starts with a full plan, then nothing is dirty', () => {
    const { t } = tracker();
    expect(t.idle).toBe(false);
    expect(t.take()).toBeUndefined();
    expect(t.idle).toBe(true);
  });

  test("the leader's own writes coming back are not news; others' are", () => {
    const { t } = tracker();
    t.take();
    t.expectEchoes([{ kind: 'assign', unit: 'a.service', machineId: 'm1', reason: 'r' }]);
    t.onEvent(schedulePut('a.service', 'm1'), {});
    t.onEvent(assignmentPut('a.service', 'm1'), {});
    expect(t.idle).toBe(true);
    t.onEvent(schedulePut('a.service', 'm1'), {});
    expect(t.take()).toEqual({ units: new Set(['a.service']), machines: new Set(['m1']), globals: false, retryUnscheduled: false });
  });

  test('echoes that never came (a conflicted write) are forgotten after the pass', () => {
    const { t } = tracker();
    t.take();
    t.expectEchoes([{ kind: 'unassign', unit: 'a.service', machineId: 'm1', reason: 'r' }]);
    t.forgetEchoes();
    t.onEvent({ kind: 'schedule', type: 'delete', unit: 'a.service', revision: '2' }, { unit: unit('a.service').build(), scheduledOn: 'm1' });
    expect(t.take()).toEqual({ units: new Set(['a.service']), machines: new Set(['m1']), globals: false, retryUnscheduled: true });
  });

  test('a full plan at least every fullIntervalMs, and whenever marked', () => {
    const { t, advance } = tracker(1000);
    t.take();
    advance(999);
    expect(t.idle).toBe(true);
    advance(1);
    expect(t.idle).toBe(false);
    expect(t.take()).toBeUndefined();
    t.markFull();
    expect(t.take()).toBeUndefined();
    expect(t.take()).toEqual({ units: new Set(), machines: new Set(), globals: false, retryUnscheduled: false });
  });
});

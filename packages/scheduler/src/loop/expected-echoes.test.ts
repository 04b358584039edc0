import type { ClusterEvent } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { ExpectedEchoes } from './expected-echoes.js';

const schedulePut = (unit: string, machineId: string): ClusterEvent => ({ kind: 'schedule', type: 'put', unit, machineId, revision: '1' });
const scheduleDelete = (unit: string): ClusterEvent => ({ kind: 'schedule', type: 'delete', unit, revision: '1' });
const assignmentPut = (unit: string, machineId: string): ClusterEvent => ({
  kind: 'assignment',
  type: 'put',
  assignment: { unit, machineId, hash: 'h', desiredState: 'launched' },
  revision: '1',
});
const assignmentDelete = (unit: string, machineId: string): ClusterEvent => ({ kind: 'assignment', type: 'delete', unit, machineId, revision: '1' });

describe('ExpectedEchoes', () => {
  test("an assignment's two echoes are taken once each, on its machine only", () => {
    const echoes = new ExpectedEchoes();
    echoes.expect([{ kind: 'assign', unit: 'a.service', machineId: 'm1', reason: 'r' }]);
    expect(echoes.take(schedulePut('a.service', 'm2'))).toBe(false);
    expect(echoes.take(assignmentPut('a.service', 'm2'))).toBe(false);
    expect(echoes.take(schedulePut('a.service', 'm1'))).toBe(true);
    expect(echoes.take(assignmentPut('a.service', 'm1'))).toBe(true);
    expect(echoes.take(schedulePut('a.service', 'm1'))).toBe(false);
    expect(echoes.take(assignmentPut('a.service', 'm1'))).toBe(false);
  });

  test('a move (unassign from one machine, assign to another) expects all four of its echoes', () => {
    const echoes = new ExpectedEchoes();
    echoes.expect([
      { kind: 'unassign', unit: 'a.service', machineId: 'm1', reason: 'r' },
      { kind: 'assign', unit: 'a.service', machineId: 'm2', reason: 'r' },
    ]);
    expect(echoes.take(assignmentDelete('a.service', 'm2'))).toBe(false);
    expect(echoes.take(scheduleDelete('a.service'))).toBe(true);
    expect(echoes.take(assignmentDelete('a.service', 'm1'))).toBe(true);
    expect(echoes.take(schedulePut('a.service', 'm2'))).toBe(true);
    expect(echoes.take(assignmentPut('a.service', 'm2'))).toBe(true);
    expect(echoes.take(scheduleDelete('a.service'))).toBe(false);
  });

  test("a global unit's assignments on many machines are each expected once", () => {
    const echoes = new ExpectedEchoes();
    const machines = ['m1', 'm2', 'm3'];
    echoes.expect(machines.map((machineId) => ({ kind: 'assign-global', unit: 'g.service', machineId, reason: 'r' })));
    expect(echoes.take(schedulePut('g.service', 'm1'))).toBe(false);
    for (const m of ['m2', 'm1', 'm3']) expect(echoes.take(assignmentPut('g.service', m))).toBe(true);
    expect(echoes.take(assignmentPut('g.service', 'm1'))).toBe(false);
  });

  test('the same echo expected twice is taken twice; cleared echoes are no longer expected', () => {
    const echoes = new ExpectedEchoes();
    const d = { kind: 'unassign-global', unit: 'g.service', machineId: 'm1', reason: 'r' } as const;
    echoes.expect([d, d]);
    expect(echoes.take(assignmentDelete('g.service', 'm1'))).toBe(true);
    expect(echoes.take(assignmentDelete('g.service', 'm1'))).toBe(true);
    expect(echoes.take(assignmentDelete('g.service', 'm1'))).toBe(false);
    echoes.expect([d, { kind: 'unassign', unit: 'a.service', machineId: 'm1', reason: 'r' }]);
    echoes.clear();
    expect(echoes.take(assignmentDelete('g.service', 'm1'))).toBe(false);
    expect(echoes.take(scheduleDelete('a.service'))).toBe(false);
  });
});

import { describe, expect, test } from 'vitest';
import type { UnitStateRecord } from '@flotilla/core';
import type { Decision, SchedulePlan } from './plan.js';
import { moveStatus, splitMoves, type MoveStatus, type SplitPlan } from './stop-before-start.js';
import { machines, snapshot, unit } from './test-support/builders.js';

const d = (kind: Decision['kind'], u: string, machineId: string, reason = 'r'): Decision => ({ kind, unit: u, machineId, reason });
const plan = (...decisions: Decision[]): SchedulePlan => ({ decisions, unplaceable: [] });
const cluster = snapshot({
  units: [unit('a.service'), unit('b.service'), unit('off.service').state('inactive')],
  machines: machines('m1', 'm2'),
});

describe('splitMoves', () => {
  test.each<{ name: string; plan: SchedulePlan; want: SplitPlan }>([
    {
      name: 'a move off a live machine: only the unassign is written, the unit waits',
      plan: plan(d('unassign', 'a.service', 'm1'), d('assign', 'a.service', 'm2')),
      want: { plan: plan(d('unassign', 'a.service', 'm1')), moves: [{ unit: 'a.service', from: 'm1' }] },
    },
    {
      name: 'machine loss: the machine is gone, unassign and assign together',
      plan: plan(d('unassign', 'a.service', 'gone'), d('assign', 'a.service', 'm2')),
      want: { plan: plan(d('unassign', 'a.service', 'gone'), d('assign', 'a.service', 'm2')), moves: [] },
    },
    {
      name: 'a first placement is no move',
      plan: plan(d('assign', 'b.service', 'm1')),
      want: { plan: plan(d('assign', 'b.service', 'm1')), moves: [] },
    },
    {
      name: 'a unit no longer wanted is only unassigned, nothing waits for it',
      plan: plan(d('unassign', 'off.service', 'm1')),
      want: { plan: plan(d('unassign', 'off.service', 'm1')), moves: [] },
    },
    {
      name: 'global assignments are never held',
      plan: plan(d('unassign-global', 'g.service', 'm1'), d('assign-global', 'g.service', 'm2')),
      want: { plan: plan(d('unassign-global', 'g.service', 'm1'), d('assign-global', 'g.service', 'm2')), moves: [] },
    },
    {
      name: 'a displaced unit that fits nowhere yet is still held',
      plan: plan(d('unassign', 'a.service', 'm1')),
      want: { plan: plan(d('unassign', 'a.service', 'm1')), moves: [{ unit: 'a.service', from: 'm1' }] },
    },
  ])('$name', ({ plan: p, want }) => {
    expect(splitMoves(cluster, p)).toEqual(want);
  });
});

const state = (machineId: string, activeState: string): UnitStateRecord => ({
  unit: 'a.service', machineId, hash: 'h', loadState: 'loaded', activeState, subState: activeState === 'active' ? 'running' : 'dead', updatedAt: 1,
});

describe('moveStatus', () => {
  test.each<{ name: string; from: string; states: UnitStateRecord[]; waitedMs: number; want: MoveStatus }>([
    { name: 'still active on the old machine: hold', from: 'm1', states: [state('m1', 'active')], waitedMs: 0, want: 'hold' },
    { name: 'still stopping (deactivating): hold', from: 'm1', states: [state('m1', 'deactivating')], waitedMs: 0, want: 'hold' },
    { name: 'inactive on the old machine: stopped', from: 'm1', states: [state('m1', 'inactive')], waitedMs: 0, want: 'stopped' },
    { name: 'failed on the old machine: stopped', from: 'm1', states: [state('m1', 'failed')], waitedMs: 0, want: 'stopped' },
    { name: 'no state published any more: stopped', from: 'm1', states: [], waitedMs: 0, want: 'stopped' },
    { name: 'active on another machine only: stopped here', from: 'm1', states: [state('m2', 'active')], waitedMs: 0, want: 'stopped' },
    { name: 'old machine gone: released at once', from: 'gone', states: [state('gone', 'active')], waitedMs: 0, want: 'machine-gone' },
    { name: 'still active past the deadline: placed anyway', from: 'm1', states: [state('m1', 'active')], waitedMs: 1000, want: 'deadline' },
  ])('$name', ({ from, states, waitedMs, want }) => {
    expect(moveStatus({ unit: 'a.service', from }, cluster, states, waitedMs, 1000)).toBe(want);
  });
});

import { describe, expect, test } from 'vitest';
import type { UnitStateRecord } from '@flotilla/core';
import type { Decision, SchedulePlan } from './plan.js';
import { inheritedMoves, moveStatus, splitMoves, type Move, type MoveStatus, type SplitPlan } from './stop-before-start.js';
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
  test.each<{ name: string; from: string; states: UnitStateRecord[] | undefined; waitedMs: number; want: MoveStatus }>([
    { name: 'still active on the old machine: hold', from: 'm1', states: [state('m1', 'active')], waitedMs: 0, want: 'hold' },
    { name: 'still stopping (deactivating): hold', from: 'm1', states: [state('m1', 'deactivating')], waitedMs: 0, want: 'hold' },
    { name: 'inactive on the old machine: stopped', from: 'm1', states: [state('m1', 'inactive')], waitedMs: 0, want: 'stopped' },
    { name: 'failed on the old machine: stopped', from: 'm1', states: [state('m1', 'failed')], waitedMs: 0, want: 'stopped' },
    { name: 'no state published any more: stopped', from: 'm1', states: [], waitedMs: 0, want: 'stopped' },
    { name: 'active on another machine only: stopped here', from: 'm1', states: [state('m2', 'active')], waitedMs: 0, want: 'stopped' },
    { name: 'old machine gone: released at once', from: 'gone', states: [state('gone', 'active')], waitedMs: 0, want: 'machine-gone' },
    { name: 'still active past the deadline: placed anyway', from: 'm1', states: [state('m1', 'active')], waitedMs: 1000, want: 'deadline' },
    { name: 'state unreadable, within the deadline: hold', from: 'm1', states: undefined, waitedMs: 0, want: 'hold' },
    { name: 'state unreadable past the deadline: placed anyway', from: 'm1', states: undefined, waitedMs: 1000, want: 'deadline' },
  ])('$name', ({ from, states, waitedMs, want }) => {
    expect(moveStatus({ unit: 'a.service', from }, cluster, states, waitedMs, 1000)).toBe(want);
  });

  // StopOnLeaseLoss: never placed while the old copy may still run, however long it takes.
  const strictCluster = snapshot({ units: [unit('a.service').xFleet('StopOnLeaseLoss', 'true')], machines: machines('m1', 'm2') });
  test.each<{ name: string; from: string; states: UnitStateRecord[] | undefined; want: MoveStatus }>([
    { name: 'still active past the deadline: held', from: 'm1', states: [state('m1', 'active')], want: 'hold' },
    { name: 'state unreadable past the deadline: held', from: 'm1', states: undefined, want: 'hold' },
    { name: 'stopped: released', from: 'm1', states: [state('m1', 'inactive')], want: 'stopped' },
    { name: 'old machine gone (its agent stopped it before the lease expired): released', from: 'gone', states: [state('gone', 'active')], want: 'machine-gone' },
  ])('StopOnLeaseLoss unit $name', ({ from, states, want }) => {
    expect(moveStatus({ unit: 'a.service', from }, strictCluster, states, 60_000, 1000)).toBe(want);
  });
});

describe('inheritedMoves (a new leader derives its predecessor\'s moves in flight)', () => {
  const state = (u: string, machineId: string, activeState = 'active'): UnitStateRecord => ({
    unit: u,
    machineId,
    hash: 'h',
    loadState: 'loaded',
    activeState,
    subState: 'x',
    updatedAt: 1,
  });
  const scheduled = snapshot({ units: [unit('a.service'), unit('b.service')], machines: machines('m1', 'm2'), schedule: { 'b.service': 'm2' } });
  test.each<{ name: string; states: UnitStateRecord[]; want: Move[] }>([
    { name: 'unscheduled, still running on a live machine: held', states: [state('a.service', 'm1')], want: [{ unit: 'a.service', from: 'm1' }] },
    { name: 'deactivating still counts as running', states: [state('a.service', 'm1', 'deactivating')], want: [{ unit: 'a.service', from: 'm1' }] },
    { name: 'stopped there: nothing to wait for', states: [state('a.service', 'm1', 'inactive'), state('a.service', 'm2', 'failed')], want: [] },
    { name: 'running on a machine that is gone: machine loss, placed at once', states: [state('a.service', 'gone')], want: [] },
    { name: 'scheduled units are no moves (b runs where it is scheduled)', states: [state('b.service', 'm2'), state('b.service', 'm1')], want: [] },
    { name: 'running on two machines: the first by id', states: [state('a.service', 'm2'), state('a.service', 'm1')], want: [{ unit: 'a.service', from: 'm1' }] },
  ])('$name', ({ states, want }) => {
    expect(inheritedMoves(scheduled, states)).toEqual(want);
  });

  test('inactive units and templates are not wanted, so never held', () => {
    const snap = snapshot({ units: [unit('off.service').state('inactive'), unit('t@.service')], machines: machines('m1') });
    expect(inheritedMoves(snap, [state('off.service', 'm1'), state('t@.service', 'm1')])).toEqual([]);
  });
});

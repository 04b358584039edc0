import type { MachineRecord } from '@flotilla/core';
import { expect, test } from 'vitest';
import { REASON_DRAINING } from '../drain.js';
import type { Decision, SchedulePlan } from '../plan.js';
import { reasonMachineGone, REASON_UNIT_GONE, REASON_UNSCHEDULED } from '../reasons.js';
import { reasonRebalance } from '../rebalance.js';
import { EMPTY_MEMORY, MAX_PER_PASS, passEvents, viewedPass, type MoveStarted, type PassMemory } from './cluster-log.js';

const machine = (id: string): MachineRecord => ({ id, hostname: id, ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 0 });
const UNITS = ['a.service', 'b.service', 'web@2.service'];
const snap = (...ids: string[]) => ({
  machines: ids.map(machine),
  schedule: new Map<string, string>(),
  globalAssignments: new Map(),
  laggingAssignments: new Map(),
  unitRevisions: new Map(UNITS.map((u) => [u, '1'])),
});
const decide = (kind: Decision['kind'], unit: string, machineId: string, reason = 'r'): Decision => ({ kind, unit, machineId, reason });
const plan = (decisions: Decision[], unplaceable: SchedulePlan['unplaceable'] = []): SchedulePlan => ({ decisions, unplaceable });
const seen = (machines: string[], unplaceable: [string, string][] = [], moving: [string, MoveStarted][] = []): PassMemory => ({
  machines: new Set(machines),
  unplaceable: new Map(unplaceable),
  moving: new Map(moving),
});
const brief = (events: { kind: string; unit?: string; machineId?: string; fromMachineId?: string; cause?: string; reason?: string }[]) =>
  events.map((e) => [e.kind, e.unit ?? e.reason, e.machineId, e.fromMachineId, e.cause].filter(Boolean).join(' '));
const drainMove: [string, MoveStarted] = ['web@2.service', { from: 'm3', cause: 'drain' }];

test.each([
  ['first pass of a term: machines are not news', EMPTY_MEMORY, snap('m1'), plan([]), true, []],
  ['first pass of a term: a machine that still holds units but is gone is lost', EMPTY_MEMORY, { ...snap('m1'), schedule: new Map([['a.service', 'm9']]) }, plan([]), true, ['machine-lost m9']],
  ['a machine left and one joined', seen(['m1', 'm2']), snap('m1', 'm3'), plan([]), true, ['machine-lost m2', 'machine-joined m3']],
  ['a placement', seen(['m1']), snap('m1'), plan([decide('assign', 'a.service', 'm1')]), true, ['placed a.service m1']],
  ['moved off a machine in the same plan', seen(['m1', 'm2']), snap('m1', 'm2'), plan([decide('unassign', 'a.service', 'm2'), decide('assign', 'a.service', 'm1')]), true, ['rescheduled a.service m1 m2']],
  ['writes failed: no placements logged', seen(['m1']), snap('m1'), plan([decide('assign', 'a.service', 'm1')]), false, []],
  ['newly unplaceable, with its reasons', seen(['m1']), snap('m1'), plan([], [{ unit: 'b.service', reasons: ['1 machine: metadata'] }]), true, ['unplaceable b.service']],
  ['still unplaceable for the same reasons: logged once', seen(['m1'], [['b.service', '1 machine: metadata']]), snap('m1'), plan([], [{ unit: 'b.service', reasons: ['1 machine: metadata'] }]), true, []],
  ['global assignments are not placements', seen(['m1']), snap('m1'), plan([decide('assign-global', 'g.service', 'm1')]), true, []],
  ['machine gone: unassigned and placed in one plan, with its cause', seen(['m1']), snap('m1'), plan([decide('unassign', 'a.service', 'm2', reasonMachineGone('m2')), decide('assign', 'a.service', 'm1', REASON_UNSCHEDULED)]), true, ['rescheduled a.service m1 m2 machine-lost']],
  ['a move placed passes after its unassign names where it came from and why', seen(['m1', 'm3'], [], [drainMove]), snap('m1', 'm3'), plan([decide('assign', 'web@2.service', 'm1', REASON_UNSCHEDULED)]), true, ['rescheduled web@2.service m1 m3 drain']],
  ['a move placed back where it was is a placement', seen(['m1', 'm3'], [], [drainMove]), snap('m1', 'm3'), plan([decide('assign', 'web@2.service', 'm3')]), true, ['placed web@2.service m3']],
  ['a new term does not know its predecessor\'s moves: placed', EMPTY_MEMORY, snap('m1', 'm3'), plan([decide('assign', 'web@2.service', 'm1')]), true, ['placed web@2.service m1']],
  ['the start of a move is not logged', seen(['m1', 'm3']), snap('m1', 'm3'), plan([decide('unassign', 'web@2.service', 'm3', reasonRebalance(5, 3))]), true, []],
] as [string, PassMemory, ReturnType<typeof snap>, SchedulePlan, boolean, string[]][])('%s', (_name, memory, snapshot, p, applied, expected) => {
  expect(brief(passEvents(memory, snapshot, p, applied).events)).toEqual(expected);
});

/** Passes in a row, each from the memory the previous one left. */
function passes(steps: [ReturnType<typeof snap>, SchedulePlan, boolean][]): string[][] {
  let memory: PassMemory = seen(['m1', 'm3']);
  return steps.map(([snapshot, p, applied]) => {
    const result = passEvents(memory, snapshot, p, applied);
    memory = result.memory;
    return brief(result.events);
  });
}

const scheduledOn = (unit: string, machineId: string) => ({ ...snap('m1', 'm3'), schedule: new Map([[unit, machineId]]) });
const destroyed = (unit: string) => ({ ...snap('m1', 'm3'), unitRevisions: new Map(UNITS.filter((u) => u !== unit).map((u) => [u, '1'])) });
const rebalanceOff = plan([decide('unassign', 'web@2.service', 'm3', reasonRebalance(5, 3))]);
const placeOn1 = plan([decide('assign', 'web@2.service', 'm1', REASON_UNSCHEDULED)]);

test.each([
  ['unassigned, held while m3 stops it, then placed: one entry', [[snap('m1', 'm3'), rebalanceOff, true], [snap('m1', 'm3'), plan([]), true], [snap('m1', 'm3'), placeOn1, true]], [[], [], ['rescheduled web@2.service m1 m3 rebalance']]],
  ['the unassign was not written: no move remembered', [[snap('m1', 'm3'), rebalanceOff, false], [snap('m1', 'm3'), placeOn1, true]], [[], ['placed web@2.service m1']]],
  ['the placement conflicted: the move is logged when it is written', [[snap('m1', 'm3'), rebalanceOff, true], [snap('m1', 'm3'), placeOn1, false], [snap('m1', 'm3'), placeOn1, true]], [[], [], ['rescheduled web@2.service m1 m3 rebalance']]],
  ['placed by someone else meanwhile: forgotten', [[snap('m1', 'm3'), rebalanceOff, true], [scheduledOn('web@2.service', 'm1'), plan([]), true], [snap('m1', 'm3'), placeOn1, true]], [[], [], ['placed web@2.service m1']]],
  ['destroyed meanwhile: forgotten', [[snap('m1', 'm3'), rebalanceOff, true], [destroyed('web@2.service'), plan([]), true], [snap('m1', 'm3'), placeOn1, true]], [[], [], ['placed web@2.service m1']]],
  ['an unassign that is no move (unit gone) is not remembered', [[snap('m1', 'm3'), plan([decide('unassign', 'web@2.service', 'm3', REASON_UNIT_GONE)]), true], [snap('m1', 'm3'), placeOn1, true]], [[], ['placed web@2.service m1']]],
  ['drained off m3', [[snap('m1', 'm3'), plan([decide('unassign', 'web@2.service', 'm3', REASON_DRAINING)]), true], [snap('m1', 'm3'), placeOn1, true]], [[], ['rescheduled web@2.service m1 m3 drain']]],
] as [string, [ReturnType<typeof snap>, SchedulePlan, boolean][], string[][]][])('%s', (_name, steps, expected) => {
  expect(passes(steps)).toEqual(expected);
});

test('entries carry cause and reason as fields', () => {
  const { events } = passEvents(seen(['m1', 'm3'], [], [drainMove]), snap('m1', 'm3'), placeOn1, true);
  expect(events).toEqual([{ kind: 'rescheduled', unit: 'web@2.service', machineId: 'm1', fromMachineId: 'm3', cause: 'drain', reason: REASON_UNSCHEDULED }]);
});

test('a big pass logs a sample and a count', () => {
  const decisions = Array.from({ length: 500 }, (_, i) => decide('assign', `u${i}.service`, 'm1'));
  const { events } = passEvents(seen(['m1']), snap('m1'), plan(decisions), true);
  expect([events.length, events.at(-1)]).toEqual([MAX_PER_PASS, { kind: 'placed', reason: '451 more changes in this pass' }]);
});

test('the entries come from the view as it was before the writes: the live view changing meanwhile (the pass\'s own echoes) changes nothing', () => {
  // The leader releases its view before writing; its own placement then arrives in the same (live) maps.
  const live = snap('m1', 'm3');
  const finish = viewedPass(seen(['m1', 'm3'], [], [drainMove]), live, placeOn1);
  live.schedule.set('web@2.service', 'm1');
  live.machines.splice(1, 1);
  expect(brief(finish(true).events)).toEqual(['rescheduled web@2.service m1 m3 drain']);
  // Read after the change instead, the move would already look finished, and m3 lost.
  expect(brief(passEvents(seen(['m1', 'm3'], [], [drainMove]), live, placeOn1, true).events)).toEqual(['machine-lost m3', 'placed web@2.service m1']);
});

test('the entries keep nothing of the plan: its decisions may be dropped while the pass writes', () => {
  const p = plan([decide('unassign', 'a.service', 'm3', REASON_DRAINING), decide('assign', 'web@2.service', 'm1', REASON_UNSCHEDULED)]);
  const finish = viewedPass(seen(['m1', 'm3'], [], [drainMove]), snap('m1', 'm3'), p);
  p.decisions.length = 0;
  const { events, memory } = finish(true);
  expect(brief(events)).toEqual(['rescheduled web@2.service m1 m3 drain']);
  expect([...memory.moving.keys()]).toEqual(['a.service']);
});

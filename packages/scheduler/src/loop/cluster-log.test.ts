import type { MachineRecord } from '@flotilla/core';
import { expect, test } from 'vitest';
import type { Decision, SchedulePlan } from '../plan.js';
import { EMPTY_MEMORY, MAX_PER_PASS, passEvents, type PassMemory } from './cluster-log.js';

const machine = (id: string): MachineRecord => ({ id, hostname: id, ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 0 });
const snap = (...ids: string[]) => ({ machines: ids.map(machine), schedule: new Map<string, string>(), globalAssignments: new Map() });
const decide = (kind: Decision['kind'], unit: string, machineId: string): Decision => ({ kind, unit, machineId, reason: 'r' });
const plan = (decisions: Decision[], unplaceable: SchedulePlan['unplaceable'] = []): SchedulePlan => ({ decisions, unplaceable });
const seen = (machines: string[], unplaceable: [string, string][] = []): PassMemory => ({ machines: new Set(machines), unplaceable: new Map(unplaceable) });
const brief = (events: { kind: string; unit?: string; machineId?: string; fromMachineId?: string; reason?: string }[]) =>
  events.map((e) => [e.kind, e.unit ?? e.reason, e.machineId, e.fromMachineId].filter(Boolean).join(' '));

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
] as [string, PassMemory, ReturnType<typeof snap>, SchedulePlan, boolean, string[]][])('%s', (_name, memory, snapshot, p, applied, expected) => {
  expect(brief(passEvents(memory, snapshot, p, applied).events)).toEqual(expected);
});

test('a big pass logs a sample and a count', () => {
  const decisions = Array.from({ length: 500 }, (_, i) => decide('assign', `u${i}.service`, 'm1'));
  const { events } = passEvents(seen(['m1']), snap('m1'), plan(decisions), true);
  expect([events.length, events.at(-1)]).toEqual([MAX_PER_PASS, { kind: 'placed', reason: '451 more changes in this pass' }]);
});

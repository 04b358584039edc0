import { describe, expect, test } from 'vitest';
import type { MachineRecord } from '@flotilla/core';
import { REASON_DRAIN_DEADLINE, REASON_DRAINING } from './drain.js';
import { planSchedule, type Decision } from './plan.js';
import { splitMoves } from './stop-before-start.js';
import { machine, snapshot, unit, type SnapshotParts } from './test-support/builders.js';

const NOW = 1_000_000;
const cordoned = (id: string): MachineRecord => ({ ...machine(id), cordon: { since: 1 } });
const draining = (id: string, deadlineAt?: number): MachineRecord => ({
  ...machine(id),
  cordon: { since: 1, drain: { startedAt: 1, ...(deadlineAt === undefined ? {} : { deadlineAt }) } },
});
const off = (u: string, from: string, reason = REASON_DRAINING): Decision => ({ kind: 'unassign', unit: u, machineId: from, reason });

function decisions(parts: SnapshotParts, busy: string[] = []): Decision[] {
  const snap = snapshot(parts);
  return splitMoves(snap, planSchedule(snap, undefined, { drain: { busy: new Set(busy), now: NOW } })).plan.decisions;
}

describe('cordon', () => {
  test('a cordoned machine gets no new unit; what runs there stays', () => {
    const snap = snapshot({
      units: [unit('a.service'), unit('b.service'), unit('c.service')],
      machines: [cordoned('m1'), machine('m2')],
      schedule: { 'a.service': 'm1' },
    });
    const plan = planSchedule(snap);
    expect(plan.decisions.map((d) => [d.kind, d.unit, d.machineId])).toEqual([
      ['assign', 'b.service', 'm2'],
      ['assign', 'c.service', 'm2'],
    ]);
  });

  test('only cordoned machines: the unit is unplaceable, and says why', () => {
    const plan = planSchedule(snapshot({ units: [unit('a.service')], machines: [cordoned('m1')] }));
    expect(plan.decisions).toEqual([]);
    expect(plan.unplaceable[0]?.reasons.join(' ')).toMatch(/cordoned/);
  });

  test('a unit pinned to a cordoned machine stays there (cordon is placement-only)', () => {
    const plan = planSchedule(snapshot({ units: [unit('p.service').machineId('m1')], machines: [cordoned('m1'), machine('m2')], schedule: { 'p.service': 'm1' } }));
    expect(plan.decisions).toEqual([]);
  });

  test('global units still run on a cordoned machine (as DaemonSets on an unschedulable node)', () => {
    const plan = planSchedule(snapshot({ units: [unit('g.service').global()], machines: [cordoned('m1'), machine('m2')] }));
    expect(plan.decisions.map((d) => [d.kind, d.machineId])).toEqual([
      ['assign-global', 'm1'],
      ['assign-global', 'm2'],
    ]);
  });
});

describe('drain', () => {
  test.each<{ name: string; parts: SnapshotParts; busy?: string[]; want: Decision[] }>([
    {
      name: 'plain units all leave at once (each a stop-before-start move: no assign in this plan)',
      parts: { units: [unit('a.service'), unit('b.service')], machines: [draining('m1'), machine('m2')], schedule: { 'a.service': 'm1', 'b.service': 'm1' } },
      want: [off('a.service', 'm1'), off('b.service', 'm1')],
    },
    {
      name: 'one instance of a template at a time',
      parts: {
        units: [unit('web@1.service'), unit('web@2.service'), unit('web@3.service'), unit('x.service')],
        machines: [draining('m1'), machine('m2'), machine('m3')],
        schedule: { 'web@1.service': 'm1', 'web@2.service': 'm1', 'web@3.service': 'm2', 'x.service': 'm1' },
      },
      want: [off('web@1.service', 'm1'), off('x.service', 'm1')],
    },
    {
      name: 'an instance of the template is still moving (busy): the next one waits',
      parts: {
        units: [unit('web@1.service'), unit('web@2.service')],
        machines: [draining('m1'), machine('m2')],
        schedule: { 'web@1.service': 'm2', 'web@2.service': 'm1' },
      },
      busy: ['web@1.service'],
      want: [],
    },
    {
      name: 'an instance of the template should run and has no machine: the next one waits',
      parts: {
        units: [unit('web@1.service').metadata('disk=none'), unit('web@2.service')],
        machines: [draining('m1'), machine('m2')],
        schedule: { 'web@2.service': 'm1' },
      },
      want: [],
    },
    {
      name: 'a unit that fits nowhere else keeps running; the rest moves',
      parts: {
        units: [unit('ssd.service').metadata('disk=ssd'), unit('b.service')],
        machines: [{ ...draining('m1'), metadata: { disk: 'ssd' } }, machine('m2')],
        schedule: { 'ssd.service': 'm1', 'b.service': 'm1' },
      },
      want: [off('b.service', 'm1')],
    },
    {
      name: 'past the deadline everything goes, pinned units and template siblings included',
      parts: {
        units: [unit('p.service').machineId('m1'), unit('web@1.service'), unit('web@2.service')],
        machines: [draining('m1', NOW - 1), machine('m2')],
        schedule: { 'p.service': 'm1', 'web@1.service': 'm1', 'web@2.service': 'm1' },
      },
      want: [off('p.service', 'm1', REASON_DRAIN_DEADLINE), off('web@1.service', 'm1', REASON_DRAIN_DEADLINE), off('web@2.service', 'm1', REASON_DRAIN_DEADLINE)],
    },
    {
      name: 'before the deadline a pinned unit stays',
      parts: { units: [unit('p.service').machineId('m1')], machines: [draining('m1', NOW + 1000), machine('m2')], schedule: { 'p.service': 'm1' } },
      want: [],
    },
    {
      name: 'global units stay on a draining machine',
      parts: { units: [unit('g.service').global()], machines: [draining('m1'), machine('m2')] },
      want: [
        { kind: 'assign-global', unit: 'g.service', machineId: 'm1', reason: 'global unit: machine matches' },
        { kind: 'assign-global', unit: 'g.service', machineId: 'm2', reason: 'global unit: machine matches' },
      ],
    },
    {
      name: 'a MachineOf follower stays while its peer moves first',
      parts: {
        units: [unit('a-peer.service'), unit('b-side.service').machineOf('a-peer.service')],
        machines: [draining('m1'), machine('m2')],
        schedule: { 'a-peer.service': 'm1', 'b-side.service': 'm1' },
      },
      want: [off('a-peer.service', 'm1')],
    },
    {
      name: '… and once the peer has left, the follower is moved after it',
      parts: {
        units: [unit('a-peer.service'), unit('b-side.service').machineOf('a-peer.service')],
        machines: [draining('m1'), machine('m2')],
        schedule: { 'a-peer.service': 'm2', 'b-side.service': 'm1' },
      },
      busy: ['a-peer.service'],
      want: [{ kind: 'unassign', unit: 'b-side.service', machineId: 'm1', reason: expect.stringMatching(/MachineOf/) as unknown as string }],
    },
  ])('$name', ({ parts, busy, want }) => {
    expect(decisions(parts, busy)).toEqual(want);
  });
});

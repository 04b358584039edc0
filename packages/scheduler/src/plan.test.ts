import { describe, expect, test } from 'vitest';
import { REASON_NO_MACHINES } from './placement/explain.js';
import { REASON_CONFLICTS } from './placement/filters/conflicts.js';
import { REASON_MACHINE_ID } from './placement/filters/machine-id.js';
import { REASON_METADATA } from './placement/filters/metadata.js';
import {
  planSchedule,
  reasonMachineGone,
  reasonNoLongerFits,
  REASON_ASSIGNMENT_LAGS,
  REASON_GLOBAL,
  REASON_GLOBAL_CHANGED,
  REASON_GLOBAL_MATCHES,
  REASON_INACTIVE,
  REASON_NOT_GLOBAL,
  REASON_UNIT_GONE,
  REASON_UNSCHEDULED,
  type Decision,
  type SchedulePlan,
} from './plan.js';
import { REASON_MACHINE_OF } from './placement/filters/machine-of.js';
import { reasonReplaced } from './replaces.js';
import { REASON_MEMORY } from './placement/filters/resources.js';
import { capacity, machine, machines, snapshot, unit, type SnapshotParts } from './test-support/builders.js';

const assign = (u: string, machineId: string): Decision => ({ kind: 'assign', unit: u, machineId, reason: REASON_UNSCHEDULED });
const unassign = (u: string, machineId: string, reason: string): Decision => ({ kind: 'unassign', unit: u, machineId, reason });
const globalOn = (u: string, machineId: string, reason = REASON_GLOBAL_MATCHES): Decision => ({ kind: 'assign-global', unit: u, machineId, reason });
const globalOff = (u: string, machineId: string, reason: string): Decision => ({ kind: 'unassign-global', unit: u, machineId, reason });
const planOf = (decisions: Decision[], unplaceable: SchedulePlan['unplaceable'] = []): SchedulePlan => ({ decisions, unplaceable });

interface Case {
  name: string;
  cluster: SnapshotParts;
  want: SchedulePlan;
}

const cases: Case[] = [
  { name: 'empty cluster', cluster: {}, want: planOf([]) },
  {
    name: 'spread: three units on three empty machines, one each',
    cluster: { units: [unit('c.service'), unit('a.service'), unit('b.service')], machines: machines('m3', 'm1', 'm2') },
    want: planOf([assign('a.service', 'm1'), assign('b.service', 'm2'), assign('c.service', 'm3')]),
  },
  {
    name: 'existing schedule counts as load',
    cluster: { units: [unit('a.service'), unit('b.service')], machines: machines('m1', 'm2'), schedule: { 'a.service': 'm1' } },
    want: planOf([assign('b.service', 'm2')]),
  },
  {
    name: 'loaded units are placed too',
    cluster: { units: [unit('a.service').state('loaded')], machines: machines('m1') },
    want: planOf([assign('a.service', 'm1')]),
  },
  {
    name: 'inactive and template units are never placed',
    cluster: { units: [unit('a.service').state('inactive'), unit('t@.service')], machines: machines('m1') },
    want: planOf([]),
  },
  {
    name: 'machine went away: unassigned, then placed again in the same plan',
    cluster: { units: [unit('a.service')], machines: machines('m2'), schedule: { 'a.service': 'm1' } },
    want: planOf([unassign('a.service', 'm1', reasonMachineGone('m1')), assign('a.service', 'm2')]),
  },
  {
    name: 'machine went away and nothing else fits: unassigned and reported',
    cluster: { units: [unit('a.service').machineId('m1')], machines: machines('m2'), schedule: { 'a.service': 'm1' } },
    want: planOf([unassign('a.service', 'm1', reasonMachineGone('m1'))], [
      { unit: 'a.service', reasons: ['MachineID m1: 1 of 1 machine not named'] },
    ]),
  },
  {
    name: 'scheduled unit whose desired state is inactive is unassigned',
    cluster: { units: [unit('a.service').state('inactive')], machines: machines('m1'), schedule: { 'a.service': 'm1' } },
    want: planOf([unassign('a.service', 'm1', REASON_INACTIVE)]),
  },
  {
    name: 'scheduled global unit is unassigned',
    cluster: { units: [unit('g.service').global()], machines: machines('m1'), schedule: { 'g.service': 'm1' } },
    want: planOf([unassign('g.service', 'm1', REASON_GLOBAL), globalOn('g.service', 'm1')]),
  },
  {
    name: 'schedule entry of a destroyed unit is unassigned',
    cluster: { machines: machines('m1'), schedule: { 'gone.service': 'm1' } },
    want: planOf([unassign('gone.service', 'm1', REASON_UNIT_GONE)]),
  },
  {
    name: 'machine metadata changed: unit moves to a machine that fits',
    cluster: {
      units: [unit('a.service').metadata('disk=ssd')],
      machines: [machine('m1', { disk: 'hdd' }), machine('m2', { disk: 'ssd' })],
      schedule: { 'a.service': 'm1' },
    },
    want: planOf([unassign('a.service', 'm1', reasonNoLongerFits(REASON_METADATA)), assign('a.service', 'm2')]),
  },
  {
    name: 'two conflicting units on one machine: the first by name moves',
    cluster: {
      units: [unit('web.0.service').conflicts('web.*'), unit('web.1.service').conflicts('web.*')],
      machines: machines('m1', 'm2'),
      schedule: { 'web.0.service': 'm1', 'web.1.service': 'm1' },
    },
    want: planOf([unassign('web.0.service', 'm1', reasonNoLongerFits(REASON_CONFLICTS)), assign('web.0.service', 'm2')]),
  },
  {
    name: 'conflicts see placements made earlier in the plan',
    cluster: {
      units: [unit('web.0.service').conflicts('web.*'), unit('web.1.service').conflicts('web.*'), unit('web.2.service').conflicts('web.*')],
      machines: machines('m1', 'm2'),
    },
    want: planOf([assign('web.0.service', 'm1'), assign('web.1.service', 'm2')], [
      { unit: 'web.2.service', reasons: ['Conflicts web.*: 2 of 2 machines taken'] },
    ]),
  },
  {
    name: 'global units count as load where they run',
    cluster: {
      units: [unit('g.service').global().metadata('role=edge'), unit('a.service')],
      machines: [machine('m1', { role: 'edge' }), machine('m2', { role: 'core' })],
      globals: { 'g.service': ['m1'] },
    },
    want: planOf([assign('a.service', 'm2')]),
  },
  {
    name: 'global unit: assigned to every machine whose metadata matches',
    cluster: {
      units: [unit('g.service').global().metadata('role=edge')],
      machines: [machine('m1', { role: 'edge' }), machine('m2', { role: 'core' }), machine('m3', { role: 'edge' })],
    },
    want: planOf([globalOn('g.service', 'm1'), globalOn('g.service', 'm3')]),
  },
  {
    name: 'global unit: a machine that stops matching loses it; in-step assignments are not rewritten',
    cluster: {
      units: [unit('g.service').global().metadata('role=edge')],
      machines: [machine('m1', { role: 'edge' }), machine('m2', { role: 'core' })],
      globals: { 'g.service': ['m1', 'm2'] },
    },
    want: planOf([globalOff('g.service', 'm2', reasonNoLongerFits(REASON_METADATA))]),
  },
  {
    name: 'global unit: a stale assignment (hash or desired state) is rewritten, a gone machine loses it',
    cluster: {
      units: [unit('g.service').global()],
      machines: machines('m1'),
      globals: { 'g.service': ['m1', 'm9'] },
      stale: ['g.service'],
    },
    want: planOf([globalOn('g.service', 'm1', REASON_GLOBAL_CHANGED), globalOff('g.service', 'm9', reasonMachineGone('m9'))]),
  },
  {
    // docs/deployments.md "Global units": the deploy driver moves a pinned assignment, not the global pass.
    name: 'global unit being deployed: an assignment on a version the unit pins is left; a new machine gets the unit\'s version',
    cluster: {
      units: [{ ...unit('g.service').global().build(), pinned: { old: [] } }],
      machines: machines('m1', 'm2'),
      globals: { 'g.service': ['m1'] },
      stale: ['g.service'],
    },
    want: planOf([globalOn('g.service', 'm2')]),
  },
  {
    name: 'global unit: inactive, destroyed or no longer global → all its assignments removed',
    cluster: {
      units: [unit('g.service').global().state('inactive'), unit('n.service').state('inactive')],
      machines: machines('m1'),
      globals: { 'g.service': ['m1'], 'gone.service': ['m1'], 'n.service': ['m1'] },
    },
    want: planOf([
      globalOff('g.service', 'm1', REASON_INACTIVE),
      globalOff('gone.service', 'm1', REASON_UNIT_GONE),
      globalOff('n.service', 'm1', REASON_NOT_GLOBAL),
    ]),
  },
  {
    name: 'global unit: skipped where a unit already there conflicts; of two conflicting globals the first by name wins',
    cluster: {
      units: [unit('a.service').conflicts('g*'), unit('g1.service').global().conflicts('g2.service'), unit('g2.service').global()],
      machines: machines('m1', 'm2'),
      schedule: { 'a.service': 'm1' },
    },
    want: planOf([globalOn('g1.service', 'm2')]),
  },
  {
    name: 'MachineOf: a chain is placed peers first, all on one machine',
    cluster: {
      units: [unit('a.service').machineOf('b.service'), unit('b.service').machineOf('c.service'), unit('c.service'), unit('x.service')],
      machines: machines('m1', 'm2'),
      schedule: { 'x.service': 'm1' },
    },
    want: planOf([assign('c.service', 'm2'), assign('b.service', 'm2'), assign('a.service', 'm2')]),
  },
  {
    name: 'MachineOf: a follower checked before its peer still moves when the peer must move',
    cluster: {
      units: [unit('a.service').machineOf('b.service'), unit('b.service').machineId('m1')],
      machines: machines('m1', 'm2'),
      schedule: { 'a.service': 'm2', 'b.service': 'm2' },
    },
    want: planOf([
      unassign('b.service', 'm2', reasonNoLongerFits(REASON_MACHINE_ID)),
      unassign('a.service', 'm2', reasonNoLongerFits(REASON_MACHINE_OF)),
      assign('b.service', 'm1'),
      assign('a.service', 'm1'),
    ]),
  },
  {
    name: 'Replaces: the replaced unit moves off the replacer\'s machine; circular pairs are ignored',
    cluster: {
      units: [unit('new.service').xFleet('Replaces', 'old*'), unit('old.service'), unit('p.service').xFleet('Replaces', 'q.service'), unit('q.service').xFleet('Replaces', 'p.service')],
      machines: machines('m1', 'm2'),
      schedule: { 'new.service': 'm1', 'old.service': 'm1', 'p.service': 'm2', 'q.service': 'm2' },
    },
    want: planOf([
      { kind: 'unassign', unit: 'old.service', machineId: 'm1', reason: reasonReplaced('new.service') },
      { kind: 'assign', unit: 'old.service', machineId: 'm2', reason: reasonReplaced('new.service') },
    ]),
  },
  {
    name: 'Replaces: a unit placed next to its replacer in the same plan goes elsewhere at once',
    cluster: {
      units: [unit('new.service').xFleet('Replaces', 'old.service'), unit('old.service'), unit('x.service')],
      machines: machines('m1', 'm2'),
      schedule: { 'new.service': 'm1', 'x.service': 'm2' },
    },
    want: planOf([{ kind: 'assign', unit: 'old.service', machineId: 'm2', reason: reasonReplaced('new.service') }]),
  },
  {
    name: 'Replaces: a replaced unit that fits nowhere else stays',
    cluster: {
      units: [unit('new.service').xFleet('Replaces', 'old.service'), unit('old.service').machineId('m1')],
      machines: machines('m1', 'm2'),
      schedule: { 'new.service': 'm1', 'old.service': 'm1' },
    },
    want: planOf([]),
  },
  {
    name: 'MachineOf: a peer that names no unit makes the unit unplaceable, the rule broken',
    cluster: { units: [unit('a.service').machineOf('nope.service')], machines: machines('m1') },
    want: planOf([], [{ unit: 'a.service', reasons: ['MachineOf nope.service: names no unit: nope.service'], broken: true }]),
  },
  {
    name: 'resources: never overcommitted; the unit that does not fit is reported',
    cluster: {
      units: [unit('a.service').service('MemoryMax', '3G'), unit('b.service').service('MemoryMax', '3G'), unit('c.service').service('MemoryMax', '3G')],
      machines: [machine('m1', {}, capacity(4, 4096)), machine('m2', {}, capacity(4, 4096))],
    },
    want: planOf([assign('a.service', 'm1'), assign('b.service', 'm2')], [{ unit: 'c.service', reasons: ['Resources MemoryMax=3072M: 2 of 2 machines without room'] }]),
  },
  {
    name: 'resources: a machine without capacity is unlimited',
    cluster: { units: [unit('a.service').service('CPUQuota', '800%')], machines: [machine('m1', {}, capacity(4, 4096)), machine('m2')] },
    want: planOf([assign('a.service', 'm2')], []),
  },
  {
    name: 'spread: equal unit counts → the machine with less capacity in use',
    cluster: {
      units: [unit('big.service').service('CPUQuota', '200%'), unit('small.service').service('CPUQuota', '10%'), unit('c.service')],
      machines: [machine('m1', {}, capacity(4, 4096)), machine('m2', {}, capacity(4, 4096))],
      schedule: { 'big.service': 'm1', 'small.service': 'm2' },
    },
    want: planOf([assign('c.service', 'm2')]),
  },
  // Metadata keys are the user's (core user-keys.ts); a `__proto__` key is built as JSON and msgpack decode it.
  {
    name: 'metadata keys named like Object.prototype members break nothing: each unit goes where its key is',
    cluster: {
      units: [unit('a.service').metadata('__proto__=x'), unit('b.service').metadata('constructor=x'), unit('c.service'), unit('g.service').global().metadata('toString=x')],
      machines: [machine('m1'), machine('m2', JSON.parse('{"__proto__":"x"}') as Record<string, string>), machine('m3', { constructor: 'x', toString: 'x' })],
    },
    want: planOf([globalOn('g.service', 'm3'), assign('a.service', 'm2'), assign('b.service', 'm3'), assign('c.service', 'm1')]),
  },
  {
    name: 'a scheduled unit whose assignment lags its record is rewritten where it is; one that is unassigned is not',
    cluster: {
      units: [unit('a.service'), unit('b.service').state('inactive'), unit('c.service')],
      machines: machines('m1'),
      schedule: { 'a.service': 'm1', 'b.service': 'm1', 'c.service': 'm1' },
      lagging: { 'a.service': 'loaded', 'b.service': 'launched' },
    },
    want: planOf([unassign('b.service', 'm1', REASON_INACTIVE), { kind: 'refresh', unit: 'a.service', machineId: 'm1', reason: REASON_ASSIGNMENT_LAGS }]),
  },
  {
    name: 'no machines: every unit reported',
    cluster: { units: [unit('a.service')] },
    want: planOf([], [{ unit: 'a.service', reasons: [REASON_NO_MACHINES] }]),
  },
];

describe('planSchedule', () => {
  test.each(cases)('$name', ({ cluster, want }) => {
    expect(planSchedule(snapshot(cluster))).toEqual(want);
  });

  test('does not modify the snapshot', () => {
    const snap = snapshot({ units: [unit('a.service')], machines: machines('m2'), schedule: { 'a.service': 'm1' } });
    planSchedule(snap);
    expect([...snap.schedule]).toEqual([['a.service', 'm1']]);
  });
});

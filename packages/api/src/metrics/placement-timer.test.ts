import type { ClusterEvent, DesiredState, UnitRecord } from '@flotilla/core';
import { expect, test } from 'vitest';
import { PlacementTimer } from './placement-timer.js';

const unit = (name: string, desiredState: DesiredState = 'launched', global = false): UnitRecord => ({ name, options: [], hash: 'h', desiredState, global });
const put = (u: UnitRecord): ClusterEvent => ({ kind: 'unit', type: 'put', unit: u, modRevision: '1', revision: '1' });
const placed = (name: string): ClusterEvent => ({ kind: 'schedule', type: 'put', unit: name, machineId: 'm1', revision: '1' });
const unplaced = (name: string): ClusterEvent => ({ kind: 'schedule', type: 'delete', unit: name, revision: '1' });
// Registry layout 2: a placement is its placed assignment, and ends with that assignment's delete.
const assigned = (name: string, machineId = 'm1'): ClusterEvent => ({ kind: 'assignment', type: 'put', assignment: { unit: name, machineId, hash: 'h', desiredState: 'launched', placed: true }, revision: '1' });
const unassigned = (name: string, machineId = 'm1'): ClusterEvent => ({ kind: 'assignment', type: 'delete', unit: name, machineId, revision: '1' });
const destroyed = (name: string): ClusterEvent => ({ kind: 'unit', type: 'delete', name, revision: '1' });

/** [event, time] pairs in, the latencies the timer reports out (undefined = none). */
test.each([
  ['submitted launched, placed 30 ms later', [[put(unit('a.service')), 100], [placed('a.service'), 130]], [undefined, 30]],
  ['submitted inactive is not waiting', [[put(unit('a.service', 'inactive')), 100], [placed('a.service'), 130]], [undefined, undefined]],
  ['started later: timed from the start', [[put(unit('a.service', 'inactive')), 100], [put(unit('a.service')), 200], [placed('a.service'), 250]], [undefined, undefined, 50]],
  ['machine died: unplaced then placed again is a failover wait', [[put(unit('a.service')), 0], [placed('a.service'), 10], [unplaced('a.service'), 1000], [placed('a.service'), 3500]], [undefined, 10, undefined, 2500]],
  ['destroyed while waiting: nothing', [[put(unit('a.service')), 0], [destroyed('a.service'), 5], [placed('a.service'), 9]], [undefined, undefined, undefined]],
  ['layout 2: placed assignment, lost with its machine, placed again elsewhere', [[put(unit('a.service')), 0], [assigned('a.service'), 20], [unassigned('a.service'), 1000], [assigned('a.service', 'm2'), 1700]], [undefined, 20, undefined, 700]],
  ['layout 2: a stray placed assignment elsewhere does not end or start a wait', [[put(unit('a.service')), 0], [assigned('a.service'), 20], [assigned('a.service', 'm2'), 30], [unassigned('a.service', 'm2'), 40]], [undefined, 20, undefined, undefined]],
  ['global units are never timed', [[put(unit('g.service', 'launched', true)), 0], [placed('g.service'), 9]], [undefined, undefined]],
] as [string, [ClusterEvent, number][], (number | undefined)[]][])('%s', (_name, steps, expected) => {
  const timer = new PlacementTimer({ units: [], schedule: new Map() }, 0);
  expect(steps.map(([e, t]) => timer.observe(e, t))).toEqual(expected);
});

test('units already waiting in the snapshot are timed from the snapshot', () => {
  const timer = new PlacementTimer({ units: [unit('a.service'), unit('b.service')], schedule: new Map([['b.service', 'm1']]) }, 1000);
  expect([timer.observe(placed('a.service'), 1400), timer.observe(placed('b.service'), 1500)]).toEqual([400, undefined]);
});

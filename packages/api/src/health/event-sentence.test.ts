import type { ClusterLogEvent } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { eventSentence } from './event-sentence.js';
import { describeEvent } from './summary.js';

type Render = (e: ClusterLogEvent, host: (id: string | undefined) => string) => string;
/** The dashboard's copy (plain JS served as written), held to the same table. */
const dashboard = (await import(new URL('../dashboard/static/describe.js', import.meta.url).href)) as {
  eventSentence: Render;
  hostOf: (machines: Map<string, { hostname?: string }>, id: string | undefined) => string;
};

const HOSTS: Record<string, string> = { 'id-1': 'm1', 'id-2': 'm2', 'id-3': 'm3' };
const host = (id: string | undefined) => (id === undefined ? '?' : (HOSTS[id] ?? id));
const at = (e: Omit<ClusterLogEvent, 'id' | 'at'>): ClusterLogEvent => ({ id: '1', at: 0, ...e });

const TABLE: [string, ClusterLogEvent, string][] = [
  ['rebalance move', at({ kind: 'rescheduled', unit: 'web@2.service', fromMachineId: 'id-3', machineId: 'id-1', cause: 'rebalance', reason: 'unit is not scheduled' }), 'web@2.service moved m3 → m1 (rebalance)'],
  ['drain move', at({ kind: 'rescheduled', unit: 'web@2.service', fromMachineId: 'id-3', machineId: 'id-1', cause: 'drain' }), 'web@2.service moved m3 → m1 (drain)'],
  ['Replaces= displacement', at({ kind: 'rescheduled', unit: 'a.service', fromMachineId: 'id-3', machineId: 'id-1', cause: 'replaces' }), 'a.service moved m3 → m1 (Replaces=)'],
  ['a rule no longer met', at({ kind: 'rescheduled', unit: 'a.service', fromMachineId: 'id-3', machineId: 'id-1', cause: 'rule' }), 'a.service moved m3 → m1 (no longer fits there)'],
  ['machine lost', at({ kind: 'rescheduled', unit: 'app@1.service', fromMachineId: 'id-2', machineId: 'id-1', cause: 'machine-lost' }), 'app@1.service rescheduled to m1 (machine m2 lost)'],
  ['an entry from before causes: its reason', at({ kind: 'rescheduled', unit: 'a.service', fromMachineId: 'id-2', machineId: 'id-1', reason: 'unit is not scheduled' }), 'a.service moved m2 → m1 (unit is not scheduled)'],
  ['a cause this reader does not know: its reason', at({ kind: 'rescheduled', unit: 'a.service', fromMachineId: 'id-2', machineId: 'id-1', cause: 'leaving' as 'drain', reason: 'r' }), 'a.service moved m2 → m1 (r)'],
  ['an unknown machine by its id', at({ kind: 'rescheduled', unit: 'a.service', fromMachineId: 'gone', machineId: 'id-1', cause: 'machine-lost' }), 'a.service rescheduled to m1 (machine gone lost)'],
  ['failed after restarts', at({ kind: 'unit-failed', unit: 'hello.service', machineId: 'id-1', restarts: 3, reason: 'failed' }), 'hello.service failed after 3 restarts on m1'],
  ['failed after one restart', at({ kind: 'unit-failed', unit: 'hello.service', machineId: 'id-1', restarts: 1, reason: 'failed' }), 'hello.service failed after 1 restart on m1'],
  ['failed, no restarts (or an entry from before they were recorded)', at({ kind: 'unit-failed', unit: 'hello.service', machineId: 'id-1', reason: 'failed' }), 'hello.service failed on m1'],
  ['placed', at({ kind: 'placed', unit: 'a.service', machineId: 'id-1', reason: 'unit is not scheduled' }), 'a.service placed on m1 (unit is not scheduled)'],
  ['a big pass counted', at({ kind: 'placed', reason: '451 more changes in this pass' }), 'placed (451 more changes in this pass)'],
  ['unplaceable', at({ kind: 'unplaceable', unit: 'b.service', reason: '1 machine: metadata' }), 'b.service cannot be placed: 1 machine: metadata'],
  ['machine lost', at({ kind: 'machine-lost', machineId: 'id-2' }), 'machine m2 lost'],
  ['machine joined', at({ kind: 'machine-joined', machineId: 'id-3' }), 'machine m3 joined'],
  ['deployment', at({ kind: 'deployment', unit: 'app@.service', reason: 'app-1f2e3d4c: replacing app@1.service' }), 'app@.service deployment: app-1f2e3d4c: replacing app@1.service'],
];

describe.each([
  ['health/event-sentence.ts', eventSentence],
  ['dashboard/static/describe.js', dashboard.eventSentence],
] as [string, Render][])('%s', (_file, render) => {
  test.each(TABLE)('%s', (_name, event, sentence) => {
    expect(render(event, host)).toBe(sentence);
  });
});

test('flotilla health names machines by hostname where the report has one, else by id', () => {
  const e = at({ kind: 'rescheduled', unit: 'web@2.service', fromMachineId: 'id-3', machineId: 'id-1', cause: 'rebalance' });
  expect(describeEvent(e, [{ id: 'id-1', hostname: 'm1' }, { id: 'id-3' }])).toBe('web@2.service moved id-3 → m1 (rebalance)');
});

test('the dashboard names machines by hostname, else by the first 8 characters of the id', () => {
  const machines = new Map([['113f16a7b2c4d6e8', { hostname: 'web-1' }], ['2c2e6f3d9a8b7c6d', {}]]);
  expect(['113f16a7b2c4d6e8', '2c2e6f3d9a8b7c6d', undefined].map((id) => dashboard.hostOf(machines, id))).toEqual(['web-1', '2c2e6f3d', '?']);
});

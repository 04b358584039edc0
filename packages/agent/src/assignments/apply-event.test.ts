import type { Assignment, WatchEvent } from '@flotilla/core';
import { expect, test } from 'vitest';
import { applyAssignmentEvent } from './apply-event.js';

const a = (unit: string, desiredState: Assignment['desiredState'] = 'launched', hash = 'h1'): Assignment => ({ unit, machineId: 'm1', hash, desiredState });
const put = (value: Assignment): WatchEvent<Assignment> => ({ type: 'put', key: value.unit, value, revision: '9' });
const del = (key: string): WatchEvent<Assignment> => ({ type: 'delete', key, revision: '9' });

test.each([
  { name: '1 put of a new unit', before: [], event: put(a('x.service')), after: [a('x.service')], changed: true },
  { name: '2 put with the same content', before: [a('x.service')], event: put(a('x.service')), after: [a('x.service')], changed: false },
  { name: '3 desired state changed', before: [a('x.service')], event: put(a('x.service', 'loaded')), after: [a('x.service', 'loaded')], changed: true },
  { name: '4 hash changed', before: [a('x.service')], event: put(a('x.service', 'launched', 'h2')), after: [a('x.service', 'launched', 'h2')], changed: true },
  { name: '5 delete of a known unit', before: [a('x.service'), a('y.service')], event: del('x.service'), after: [a('y.service')], changed: true },
  { name: '6 delete of an unknown unit', before: [a('y.service')], event: del('x.service'), after: [a('y.service')], changed: false },
])('applyAssignmentEvent case $name', ({ before, event, after, changed }) => {
  const map = new Map(before.map((x) => [x.unit, x]));
  expect(applyAssignmentEvent(map, event)).toBe(changed);
  expect([...map.values()]).toEqual(after);
});

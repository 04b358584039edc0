import type { DesiredState, UnitOption } from '@flotilla/core';
import { expect, test } from 'vitest';
import { fenceDesired, wantsStopOnLeaseLoss } from './lease-fence.js';
import type { DesiredUnit } from './plan.js';

const opt = (value: string, section = 'X-Fleet', name = 'StopOnLeaseLoss'): UnitOption => ({ section, name, value });

test.each([
  { name: '1 absent', options: [], want: false },
  { name: '2 true', options: [opt('true')], want: true },
  { name: '3 yes, spaces, case', options: [opt(' Yes ')], want: true },
  { name: '4 false', options: [opt('false')], want: false },
  { name: '5 last value wins', options: [opt('true'), opt('no')], want: false },
  { name: '6 other section', options: [opt('true', 'Service')], want: false },
])('wantsStopOnLeaseLoss case $name', ({ options, want }) => {
  expect(wantsStopOnLeaseLoss(options)).toBe(want);
});

const d = (desiredState: DesiredState): DesiredUnit => ({ desiredState, hash: 'h', text: 't' });

test.each([
  { name: '1 in contact: unchanged', cutOff: false, want: { 'a.service': d('launched'), 'b.service': d('launched') } },
  { name: '2 cut off: opted-in launched unit held loaded, others unchanged', cutOff: true, want: { 'a.service': d('loaded'), 'b.service': d('launched') } },
])('fenceDesired case $name', ({ cutOff, want }) => {
  const desired = new Map(Object.entries({ 'a.service': d('launched'), 'b.service': d('launched') }));
  expect(Object.fromEntries(fenceDesired(desired, new Set(['a.service', 'gone.service']), cutOff))).toEqual(want);
});

import { expect, test } from 'vitest';
import { fenceStops } from './fence-now.js';
import { REASON_CUT_OFF, REASON_UNCONFIRMED, type ContactState } from './lease-fence.js';
import type { CurrentUnit } from './plan.js';

const running: CurrentUnit = { hash: 'h', activeState: 'active', loadState: 'loaded' };
const current = new Map<string, CurrentUnit>([
  ['a.service', running],
  ['b.service', { hash: 'h', activeState: 'inactive', loadState: 'loaded' }],
  ['c.service', { hash: 'h', activeState: 'failed', loadState: 'loaded', launchedByAgent: true }],
  ['d.service', { ...running, foreign: true }],
  ['e.service', running],
]);
const optedIn = new Set(['e.service', 'a.service', 'b.service', 'c.service', 'd.service', 'gone.service']);

test.each([
  { name: '1 in contact: nothing', contact: 'in-contact' as ContactState, reason: undefined },
  { name: '2 cut off: the opted-in units it runs or launched, not a foreign one, not one down, in name order', contact: 'cut-off' as ContactState, reason: REASON_CUT_OFF },
  { name: '3 unconfirmed: the same, with its reason', contact: 'unconfirmed' as ContactState, reason: REASON_UNCONFIRMED },
])('fenceStops case $name', ({ contact, reason }) => {
  const units = reason === undefined ? [] : ['a.service', 'c.service', 'e.service'];
  expect(fenceStops(optedIn, current, contact)).toEqual(units.map((unit) => ({ kind: 'Stop', unit, reason })));
});

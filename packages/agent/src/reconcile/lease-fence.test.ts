import type { DesiredState, UnitOption } from '@flotilla/core';
import { expect, test } from 'vitest';
import type { TaskEffects } from './execute.js';
import { fenceReason, fenceStarts, FencedStartError, REASON_CUT_OFF, REASON_UNCONFIRMED, wantsStopOnLeaseLoss, type ContactState } from './lease-fence.js';
import { planTasks, type CurrentUnit, type DesiredUnit } from './plan.js';

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
const running: CurrentUnit = { hash: 'h', activeState: 'active', loadState: 'loaded' };

test.each([
  { name: '1 in contact: nothing held', contact: 'in-contact' as const, reason: undefined },
  { name: '2 cut off: opted-in launched unit stopped, others unchanged', contact: 'cut-off' as const, reason: REASON_CUT_OFF },
  { name: '3 back but unconfirmed: still stopped, its own reason', contact: 'unconfirmed' as const, reason: REASON_UNCONFIRMED },
])('fence case $name', ({ contact, reason }) => {
  expect(fenceReason(contact)).toBe(reason);
  const desired = new Map(Object.entries({ 'a.service': d('launched'), 'b.service': d('launched') }));
  const current = new Map(Object.entries({ 'a.service': running, 'b.service': running }));
  const plan = planTasks(desired, current, { fence: { contact, optedIn: new Set(['a.service', 'gone.service']) } });
  const held = reason === undefined ? [] : [{ unit: 'a.service', reason }];
  expect(plan).toEqual({ tasks: held.map(({ unit }) => ({ kind: 'Stop', unit, reason })), heldBack: held });
});

test.each([
  { name: '1 in contact: started', contact: 'in-contact' as ContactState, started: ['a.service', 'b.service'] },
  { name: '2 cut off since the plan: the opted-in unit is not started, the other is', contact: 'cut-off' as ContactState, started: ['b.service'] },
  { name: '3 not yet confirmed: the same', contact: 'unconfirmed' as ContactState, started: ['b.service'] },
])('fenceStarts case $name', async ({ contact, started }) => {
  const calls: string[] = [];
  const effect = async (unit: string) => void calls.push(unit);
  const effects: TaskEffects = { Unload: effect, Load: effect, Reload: effect, Stop: effect, Start: effect };
  const fenced = fenceStarts(effects, new Set(['a.service']), () => contact);
  const a = fenced.Start('a.service');
  if (started.includes('a.service')) await a;
  else await expect(a).rejects.toEqual(new FencedStartError('a.service', fenceReason(contact)!));
  await fenced.Start('b.service');
  await fenced.Stop('a.service'); // stops are never refused
  expect(calls).toEqual([...started, 'a.service']);
});

import type { DesiredState } from '@flotilla/core';
import { expect, test } from 'vitest';
import { HOLD_ALL, type Held } from '../assignments/inherited.js';
import { heldSystemdNames, REASON_HELD, unitsToRelease } from './inherited-hold.js';
import { planTasks, type CurrentUnit, type DesiredUnit } from './plan.js';

const want = (desiredState: DesiredState, hash = 'h1'): DesiredUnit => ({ desiredState, hash, text: `text of ${hash}` });
const have = (activeState: string, opts: Partial<CurrentUnit> = {}): CurrentUnit => ({ hash: 'h1', activeState, loadState: 'loaded', ...opts });
const held = (...units: string[]): Held => new Set(units);

interface Case {
  name: string;
  desired: Record<string, DesiredUnit>;
  current: Record<string, CurrentUnit>;
  held: Held;
  global?: string[];
  /** systemd name → desired state after the hold. */
  states: Record<string, DesiredState>;
  release: string[];
}

const cases: Case[] = [
  { name: '1 nothing held: unchanged', desired: { 'a.service': want('launched') }, current: {}, held: held(), states: { 'a.service': 'launched' }, release: [] },
  { name: '2 held, not loaded here: loaded only, released', desired: { 'a.service': want('launched') }, current: {}, held: held('a'), states: { 'a.service': 'loaded' }, release: ['a'] },
  { name: '3 held, stopped here (StopOnLeaseLoss held it): not started, released', desired: { 'a.service': want('launched') }, current: { 'a.service': have('inactive') }, held: held('a'), states: { 'a.service': 'loaded' }, release: ['a'] },
  { name: '4 held but running here: keeps running, not released', desired: { 'a.service': want('launched') }, current: { 'a.service': have('active') }, held: held('a'), states: { 'a.service': 'launched' }, release: [] },
  { name: '5 held, failed after the agent started it: no start needed, not released', desired: { 'a.service': want('launched') }, current: { 'a.service': have('failed', { launchedByAgent: true }) }, held: held('a'), states: { 'a.service': 'launched' }, release: [] },
  { name: '6 held, running an older text: not restarted from the inherited assignment, released', desired: { 'a.service': want('launched', 'h2') }, current: { 'a.service': have('active') }, held: held('a'), states: { 'a.service': 'loaded' }, release: ['a'] },
  { name: '7 held but desired loaded: nothing to start, not released', desired: { 'a.service': want('loaded') }, current: {}, held: held('a'), states: { 'a.service': 'loaded' }, release: [] },
  { name: '8 held global unit: never held', desired: { 'a.service': want('launched') }, current: {}, held: held('a'), global: ['a.service'], states: { 'a.service': 'launched' }, release: [] },
  { name: '9 before registration: everything held, nothing released', desired: { 'a.service': want('launched'), 'b.service': want('launched') }, current: { 'b.service': have('active') }, held: HOLD_ALL, states: { 'a.service': 'loaded', 'b.service': 'launched' }, release: [] },
  { name: '10 mixed: only the held, not running ones', desired: { 'a.service': want('launched'), 'b.service': want('launched'), 'c.service': want('launched') }, current: { 'b.service': have('activating') }, held: held('a', 'b'), states: { 'a.service': 'loaded', 'b.service': 'launched', 'c.service': 'launched' }, release: ['a'] },
];

test.each(cases)('hold of inherited units case $name', (c) => {
  const units = new Map(Object.keys(c.desired).map((name) => [name, name.replace('.service', '')]));
  const names = heldSystemdNames({ units, global: new Set(c.global ?? []), held: c.held });
  const plan = planTasks(new Map(Object.entries(c.desired)), new Map(Object.entries(c.current)), { held: names });
  const back = new Set(plan.heldBack.map((h) => h.unit));
  expect(plan.heldBack.every((h) => h.reason === REASON_HELD)).toBe(true);
  // No Start for a held-back unit, whatever else the plan does.
  expect(plan.tasks.filter((t) => t.kind === 'Start' && back.has(t.unit))).toEqual([]);
  const states = Object.fromEntries(Object.entries(c.desired).map(([n, d]) => [n, back.has(n) ? 'loaded' : d.desiredState]));
  expect({ states, release: unitsToRelease(plan.heldBack, { units, held: c.held }) }).toEqual({ states: c.states, release: c.release });
});

test('only units held back as inherited are released (a fenced unit is still ours)', () => {
  const units = new Map([['a.service', 'a'], ['b.service', 'b']]);
  const heldBack = [{ unit: 'a.service', reason: REASON_HELD }, { unit: 'b.service', reason: 'machine cut off from etcd: StopOnLeaseLoss' }];
  expect(unitsToRelease(heldBack, { units, held: held('a', 'b') })).toEqual(['a']);
  expect(unitsToRelease(heldBack, { units, held: HOLD_ALL })).toEqual([]);
});

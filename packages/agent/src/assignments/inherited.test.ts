import { describe, expect, test } from 'vitest';
import { heldAfterEvent, heldAfterSnapshot, HOLD_ALL, isHeld, type Held } from './inherited.js';

const show = (held: Held) => (held === 'all' ? 'all' : [...held].sort());

describe('heldAfterSnapshot', () => {
  test.each([
    { name: '1 first registration snapshot holds what it lists', held: HOLD_ALL, units: ['a', 'b'], inherit: true, want: ['a', 'b'] },
    { name: '2 re-registration replaces the held set', held: new Set(['a', 'x']), units: ['b'], inherit: true, want: ['b'] },
    { name: '3 before any registration a resync keeps all held', held: HOLD_ALL, units: ['a'], inherit: false, want: 'all' },
    { name: '4 a later resync keeps held units it still lists, holds no new ones', held: new Set(['a', 'b']), units: ['a', 'c'], inherit: false, want: ['a'] },
    { name: '5 empty snapshot after registration holds nothing', held: HOLD_ALL, units: [], inherit: true, want: [] },
  ])('case $name', ({ held, units, inherit, want }) => {
    expect(show(heldAfterSnapshot(held, units, inherit))).toEqual(want);
  });
});

describe('heldAfterEvent', () => {
  test.each([
    { name: '1 delete of a held unit releases the hold', held: new Set(['a', 'b']), event: { type: 'delete' as const, key: 'a' }, want: ['b'] },
    { name: '2 put of a held unit (desired-state rewrite) keeps it held', held: new Set(['a']), event: { type: 'put' as const, key: 'a' }, want: ['a'] },
    { name: '3 put of another unit: a new assignment, not held', held: new Set(['a']), event: { type: 'put' as const, key: 'n' }, want: ['a'] },
    { name: '4 before registration nothing is released', held: HOLD_ALL, event: { type: 'delete' as const, key: 'a' }, want: 'all' },
  ])('case $name', ({ held, event, want }) => {
    expect(show(heldAfterEvent(held, event))).toEqual(want);
  });
});

test('isHeld', () => {
  expect([isHeld(HOLD_ALL, 'a'), isHeld(new Set(['a']), 'a'), isHeld(new Set(['a']), 'b')]).toEqual([true, true, false]);
});

import { describe, expect, test } from 'vitest';
import { unit } from '../../test-support/builders.js';
import { globsConflict, unitsConflict } from './conflicts.js';

describe('unitsConflict (both directions)', () => {
  test.each([
    { name: 'a declares b', a: unit('a.service').conflicts('b.*'), b: unit('b.service'), want: true },
    { name: 'b declares a', a: unit('a.service'), b: unit('b.service').conflicts('a.service'), want: true },
    { name: 'self-match ignored', a: unit('conflict.0.service').conflicts('conflict.*.service'), b: unit('conflict.0.service').conflicts('conflict.*.service'), want: false },
    { name: 'siblings of one template', a: unit('web@1.service').conflicts('web@*.service'), b: unit('web@2.service').conflicts('web@*.service'), want: true },
    { name: 'no match', a: unit('a.service').conflicts('x.*'), b: unit('b.service').conflicts('y.*'), want: false },
    { name: 'malformed glob matches nothing', a: unit('a.service').conflicts('[b'), b: unit('[b'), want: false },
  ])('$name', ({ a, b, want }) => {
    const [ua, ub] = [a.build(), b.build()];
    expect(unitsConflict(ua, ub)).toBe(want);
    expect(unitsConflict(ub, ua)).toBe(want);
    const globs = (u: typeof ua) => ({ name: u.name, conflicts: u.options.map((o) => o.value) });
    expect(globsConflict(globs(ua), globs(ub))).toBe(want);
  });
});

import { describe, expect, test } from 'vitest';
import { matchUnitGlob } from './glob.js';

describe('matchUnitGlob (Go path.Match)', () => {
  test.each([
    { pattern: 'web.service', name: 'web.service', want: true },
    { pattern: 'web.*', name: 'web.service', want: true },
    { pattern: 'web.*', name: 'webXservice', want: false },
    { pattern: 'conflict.*.service', name: 'conflict.0.service', want: true },
    { pattern: '*', name: 'a/b', want: false },
    { pattern: 'a?c.service', name: 'abc.service', want: true },
    { pattern: 'web@[0-9].service', name: 'web@5.service', want: true },
    { pattern: 'web@[^0-9].service', name: 'web@5.service', want: false },
    { pattern: 'web@[!0-9].service', name: 'web@5.service', want: true }, // Go negates with ^ only: ! is a literal
    { pattern: 'a\\*', name: 'a*', want: true },
    { pattern: 'a\\*', name: 'ab', want: false },
    { pattern: '[a-]', name: 'a', want: false },
    { pattern: '[]a]', name: 'a', want: false },
    { pattern: '[a', name: 'a', want: false },
    { pattern: 'a\\', name: 'a', want: false },
    { pattern: '[z-a]', name: 'm', want: false },
    { pattern: 'x-y.service', name: 'x-y.service', want: true },
    { pattern: '[\\]]', name: ']', want: true },
  ])('$pattern ~ $name → $want', ({ pattern, name, want }) => {
    expect(matchUnitGlob(pattern, name)).toBe(want);
  });
});

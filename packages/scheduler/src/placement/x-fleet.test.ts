import { describe, expect, test } from 'vitest';
import { unitNameInfo } from '../unit-name.js';
import { globMatches } from './glob.js';
import { replaceSpecifiers, splitQuoted } from './x-fleet.js';

describe('globMatches (Go path.Match)', () => {
  test.each([
    { name: 'star', pattern: 'web.*.service', input: 'web.1.service', want: true },
    { name: 'star does not cross /', pattern: 'a*', input: 'a/b', want: false },
    { name: 'question mark', pattern: 'web.?.service', input: 'web.12.service', want: false },
    { name: 'class range', pattern: 'web.[0-3].service', input: 'web.2.service', want: true },
    { name: 'negated class', pattern: 'web.[^0-3].service', input: 'web.2.service', want: false },
    { name: 'dots are literal', pattern: 'a.b', input: 'axb', want: false },
    { name: 'escaped star', pattern: 'a\\*', input: 'a*', want: true },
    { name: 'unclosed class never matches', pattern: 'web.[0-3', input: 'web.[0-3', want: false },
    { name: 'trailing backslash never matches', pattern: 'a\\', input: 'a\\', want: false },
  ])('$name', ({ pattern, input, want }) => {
    expect(globMatches(pattern, input)).toBe(want);
  });
});

describe('splitQuoted', () => {
  test.each([
    { name: 'plain value kept whole', value: 'region=eu west', want: ['region=eu west'] },
    { name: 'quoted values split', value: '"region=eu" "disk=ssd"', want: ['region=eu', 'disk=ssd'] },
    { name: 'spaces inside quotes kept', value: '"a=b c" "d=e"', want: ['a=b c', 'd=e'] },
    { name: 'single quote char', value: '"', want: ['"'] },
  ])('$name', ({ value, want }) => {
    expect(splitQuoted(value)).toEqual(want);
  });
});

describe('specifiers and unit names', () => {
  test.each([
    { name: 'instance', value: '%i', unit: 'pin@abc.service', want: 'abc' },
    { name: 'all four', value: '%n|%N|%p|%i', unit: 'web@1.service', want: 'web@1.service|web@1|web|1' },
    { name: 'no instance', value: 'x%iy', unit: 'web.service', want: 'xy' },
  ])('$name', ({ value, unit, want }) => {
    expect(replaceSpecifiers(value, unit)).toBe(want);
  });

  test.each([
    { name: 'template', unit: 'foo@.service', want: true },
    { name: 'instance', unit: 'foo@1.service', want: false },
    { name: 'plain', unit: 'foo.service', want: false },
  ])('isTemplate: $name', ({ unit, want }) => {
    expect(unitNameInfo(unit).isTemplate).toBe(want);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { option } from '../testing/unit-builders.js';
import { canonicalText, shortHash, unitHash } from './canonical.js';

describe('canonicalText', () => {
  test.each([
    { name: 'empty', options: [], want: '' },
    { name: 'one section', options: [option('Unit', 'A', '1'), option('Unit', 'B', '2')], want: '[Unit]\nA=1\nB=2\n' },
    { name: 'blank line between sections, none trailing', options: [option('Unit', 'A', '1'), option('Service', 'B', '2')], want: '[Unit]\nA=1\n\n[Service]\nB=2\n' },
    { name: 'sections in order of first appearance', options: [option('Unit', 'A', '1'), option('Service', 'B', '2'), option('Unit', 'C', '3')], want: '[Unit]\nA=1\nC=3\n\n[Service]\nB=2\n' },
  ])('$name', ({ options, want }) => {
    expect(canonicalText(options)).toBe(want);
  });
});

describe('unitHash', () => {
  test('SHA1 hex of the canonical text', () => {
    const options = [option('Unit', 'A', '1'), option('Service', 'B', '2')];
    const expected = createHash('sha1').update('[Unit]\nA=1\n\n[Service]\nB=2\n').digest('hex');
    expect(unitHash(options)).toBe(expected);
    expect(unitHash(options)).toMatch(/^[0-9a-f]{40}$/);
  });

  test.each([
    { name: 'value differs', a: [option('Unit', 'A', '1')], b: [option('Unit', 'A', '2')], same: false },
    { name: 'interleaved sections regroup', a: [option('Unit', 'A', '1'), option('Service', 'B', '2'), option('Unit', 'C', '3')], b: [option('Unit', 'A', '1'), option('Unit', 'C', '3'), option('Service', 'B', '2')], same: true },
    { name: 'option order within a section matters', a: [option('Unit', 'A', '1'), option('Unit', 'B', '2')], b: [option('Unit', 'B', '2'), option('Unit', 'A', '1')], same: false },
  ])('$name', ({ a, b, same }) => {
    expect(unitHash(a) === unitHash(b)).toBe(same);
  });

  test('short hash is 7 chars', () => {
    expect(shortHash('0123456789abcdef')).toBe('0123456');
  });
});

import { describe, expect, test } from 'vitest';
import { addMember, holds, members, removeMember, type OneOrMany } from './one-or-many.js';

describe('one-or-many index', () => {
  test('grows from one string to a set and back, and empties', () => {
    const index = new Map<string, OneOrMany>();
    addMember(index, 'u', 'm1');
    addMember(index, 'u', 'm1');
    expect(index.get('u')).toBe('m1');
    addMember(index, 'u', 'm2');
    addMember(index, 'u', 'm3');
    expect([...members(index.get('u'))].sort()).toEqual(['m1', 'm2', 'm3']);
    expect(holds(index.get('u'), 'm2')).toBe(true);
    removeMember(index, 'u', 'm2');
    removeMember(index, 'u', 'm9');
    expect(holds(index.get('u'), 'm2')).toBe(false);
    removeMember(index, 'u', 'm1');
    expect(index.get('u')).toBe('m3');
    removeMember(index, 'u', 'm1');
    expect(index.get('u')).toBe('m3');
    removeMember(index, 'u', 'm3');
    expect(index.has('u')).toBe(false);
    expect([...members(index.get('u'))]).toEqual([]);
  });
});

import { describe, expect, test } from 'vitest';
import { OverlayMap } from './overlay-map.js';

type Step = ['set', string, number] | ['delete', string] | ['clear'];

describe('OverlayMap', () => {
  test.each<{ name: string; steps: Step[] }>([
    { name: 'new keys', steps: [['set', 'c', 3], ['set', 'd', 4]] },
    { name: 'changed and deleted base keys', steps: [['set', 'a', 10], ['delete', 'b']] },
    { name: 'deleted, then set again', steps: [['delete', 'a'], ['set', 'a', 5]] },
    { name: 'new key deleted', steps: [['set', 'c', 3], ['delete', 'c'], ['delete', 'zz']] },
    { name: 'cleared, then set', steps: [['clear'], ['set', 'b', 7]] },
  ])('$name: reads like a copied Map, the base never changes', ({ steps }) => {
    const base = new Map([['a', 1], ['b', 2]]);
    const overlay = new OverlayMap(base);
    const copy = new Map(base);
    for (const step of steps) {
      if (step[0] === 'set') expect(overlay.set(step[1], step[2])).toBe(overlay), copy.set(step[1], step[2]);
      else if (step[0] === 'delete') expect(overlay.delete(step[1])).toBe(copy.delete(step[1]));
      else overlay.clear(), copy.clear();
    }
    const sorted = (m: Map<string, number>) => [...m].sort(([x], [y]) => (x < y ? -1 : 1));
    expect({ entries: sorted(overlay), size: overlay.size, keys: [...overlay.keys()].sort(), values: [...overlay.values()].sort() }).toEqual({
      entries: sorted(copy),
      size: copy.size,
      keys: [...copy.keys()].sort(),
      values: [...copy.values()].sort(),
    });
    for (const key of ['a', 'b', 'c', 'd']) expect([overlay.has(key), overlay.get(key)]).toEqual([copy.has(key), copy.get(key)]);
    expect(base).toEqual(new Map([['a', 1], ['b', 2]]));
  });
});

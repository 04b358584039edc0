import { describe, expect, test } from 'vitest';
import { mapInParallel } from './in-parallel.js';

describe('mapInParallel', () => {
  test('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapInParallel([5, 1, 4, 2, 3], 2, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  test('rejects with the failure; no items is no calls', async () => {
    await expect(mapInParallel([1, 2], 4, async (n) => { if (n === 2) throw new Error('two'); return n; })).rejects.toThrow('two');
    expect(await mapInParallel([], 4, async () => { throw new Error('never'); })).toEqual([]);
  });
});

/**
 * The chaos suite's only source of randomness: a seeded generator, so that one seed gives one fault schedule and a
 * failing run replays with `--seed` (docs/testbed.md, "Chaos suite"). mulberry32 (Tommy Ettinger's 32-bit
 * generator, public domain): 32 bits of state, good enough spread for picking faults, and the same numbers on
 * every platform because it uses only 32-bit integer arithmetic (Math.imul).
 */

export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** One of `items` (which may not be empty). */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A key of `weights`, each with probability weight / sum; keys with weight 0 never come out. */
  weighted<K extends string>(weights: Readonly<Partial<Record<K, number>>>): K;
}

/** Seeds are unsigned 32-bit integers (what `--seed` accepts). */
export const MAX_SEED = 0xffff_ffff;

export function createPrng(seed: number): Prng {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new RangeError(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`bad range ${min}..${max}`);
    return min + Math.floor(next() * (max - min + 1));
  };
  return {
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    chance: (p) => next() < p,
    weighted: (weights) => {
      // Object key order is insertion order, so the same weights table always maps a draw to the same key.
      const entries = Object.entries(weights).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0);
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      if (total <= 0) throw new RangeError('weighted pick with no positive weight');
      let draw = next() * total;
      for (const [key, weight] of entries) {
        draw -= weight;
        if (draw < 0) return key as never;
      }
      return entries[entries.length - 1]![0] as never;
    },
  };
}


import { describe, expect, test } from 'vitest';
import { WATCH_REOPEN_BACKOFF } from './defaults.js';
import { faultHandling, watchBackoff } from './fault-policy.js';

/** The durations etcd3's WatchManager waits: it calls next() before its first wait (microsoft/etcd3 src/watch.ts). */
type Step = ReturnType<typeof watchBackoff>;

function waits(first: Step, count: number): number[] {
  const out: number[] = [];
  let step = first.next(undefined);
  for (let i = 0; i < count; i++) {
    out.push(step.duration);
    step = step.next(undefined);
  }
  return out;
}

describe('watch reconnect backoff', () => {
  test.each<[string, () => number, number[]]>([
    ['lowest draw: half of each step', () => 0, [100, 200, 400, 800, 1000, 1000]],
    ['middle draw: three quarters', () => 0.5, [150, 300, 600, 1200, 1500, 1500]],
    ['highest draw: the capped exponential itself', () => 1 - 1e-9, [199, 399, 799, 1599, 1999, 1999]],
  ])('%s', (_name, random, expected) => {
    expect(waits(watchBackoff(WATCH_REOPEN_BACKOFF, random), 6)).toEqual(expected);
  });

  test('a step is immutable: asking twice gives the same duration', () => {
    const draws = [0, 0.5, 0.9];
    const first = watchBackoff(WATCH_REOPEN_BACKOFF, () => draws.shift() ?? 0);
    expect(first.duration).toBe(50);
    const second = first.next(undefined);
    expect([second.duration, second.duration]).toEqual([150, 150]);
  });

  test('without jitter it is the old capped doubling', () => {
    expect(waits(watchBackoff({ baseMs: 100, maxMs: 2000 }), 6)).toEqual([200, 400, 800, 1600, 2000, 2000]);
  });

  test('faultHandling hands etcd3 a jittered backoff within the policy', () => {
    const backoff = faultHandling(3).watchBackoff as Step;
    const spread = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const [first] = waits(backoff, 1) as [number];
      expect(first).toBeGreaterThanOrEqual(100);
      expect(first).toBeLessThanOrEqual(200);
      spread.add(first);
    }
    expect(spread.size).toBeGreaterThan(1);
  });
});

import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Backoff, backoffDelay, sleep, withDeadline, type BackoffPolicy } from './timing.js';

const fixed = (value: number) => () => value;

describe('backoffDelay', () => {
  const policy = (jitter?: BackoffPolicy['jitter']): BackoffPolicy => ({ baseMs: 100, maxMs: 2000, ...(jitter ? { jitter } : {}) });

  test.each<[string, number, BackoffPolicy, number, number]>([
    ['first retry is the base', 0, policy(), 0.5, 100],
    ['doubles per attempt', 3, policy(), 0.5, 800],
    ['capped at max', 5, policy(), 0.5, 2000],
    ['a huge attempt stays at the cap (no Infinity)', 5000, policy(), 0.5, 2000],
    ['a negative attempt counts as the first', -2, policy(), 0.5, 100],
    ['explicit none ignores the random source', 2, policy('none'), 0.99, 400],
    ['full jitter: random 0 gives 0', 2, policy('full'), 0, 0],
    ['full jitter: random 0.5 gives half the cap', 2, policy('full'), 0.5, 200],
    ['full jitter: random just under 1 stays under the cap', 5, policy('full'), 0.9999, 1999],
    ['equal jitter: random 0 gives half the cap', 2, policy('equal'), 0, 200],
    ['equal jitter: random 0.5 gives three quarters', 2, policy('equal'), 0.5, 300],
    ['equal jitter: capped delay, random just under 1', 9, policy('equal'), 0.9999, 1999],
  ])('%s', (_name, attempt, p, random, expected) => {
    expect(backoffDelay(attempt, p, fixed(random))).toBe(expected);
  });

  test.each<[BackoffPolicy['jitter'], number, number]>([
    ['full', 0, 1600],
    ['equal', 800, 1600],
  ])('%s jitter with Math.random stays in [%d, %d]', (jitter, low, high) => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(4, policy(jitter));
      expect(delay).toBeGreaterThanOrEqual(low);
      expect(delay).toBeLessThanOrEqual(high);
    }
  });
});

describe('Backoff', () => {
  test('next() walks the attempts, reset() starts over', () => {
    const b = new Backoff({ baseMs: 250, maxMs: 2000 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([250, 500, 1000, 2000, 2000]);
    b.reset();
    expect(b.next()).toBe(250);
  });

  test('jitter draws from the given random source, one draw per delay', () => {
    const draws = [0, 0.5, 1 - 1e-9];
    const b = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 'equal' }, () => draws.shift() as number);
    expect([b.next(), b.next(), b.next()]).toEqual([50, 150, 399]);
  });
});

describe('sleep and withDeadline (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('sleep resolves after its time, not before', async () => {
    let done = false;
    void sleep(1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('an abort ends the sleep at once and clears its timer', async () => {
    const abort = new AbortController();
    let done = false;
    void sleep(60_000, abort.signal).then(() => (done = true));
    abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('an already aborted signal resolves without a timer', async () => {
    const abort = new AbortController();
    abort.abort();
    await sleep(60_000, abort.signal);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('withDeadline passes the value through and clears its timer', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, () => new Error('late'))).resolves.toBe(7);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('withDeadline passes the rejection through and clears its timer', async () => {
    await expect(withDeadline(Promise.reject(new Error('broken')), 1000, () => new Error('late'))).rejects.toThrow('broken');
    expect(vi.getTimerCount()).toBe(0);
  });

  test("withDeadline rejects with the caller's error at the deadline, not before", async () => {
    class LateError extends Error {}
    const onTimeout = vi.fn(() => new LateError('no answer within 1000 ms'));
    const outcome = withDeadline(new Promise(() => {}), 1000, onTimeout).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(999);
    expect(onTimeout).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(LateError);
    expect((err as Error).message).toBe('no answer within 1000 ms');
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });
});

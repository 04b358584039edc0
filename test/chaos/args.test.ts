import { describe, expect, test } from 'vitest';
import { DEFAULT_ARGS, parseChaosArgs } from './args.js';

describe('parseChaosArgs', () => {
  test.each([
    { argv: [], want: DEFAULT_ARGS },
    { argv: ['--events', '30', '--seed', '12345', '--machines', '4'], want: { events: 30, seed: 12345, machines: 4, quietEvery: 10 } },
    { argv: ['--seed=0', '--quiet-every=0'], want: { ...DEFAULT_ARGS, seed: 0, quietEvery: 0 } },
    { argv: ['--seed', '4294967295'], want: { ...DEFAULT_ARGS, seed: 4294967295 } },
  ])('$argv', ({ argv, want }) => {
    expect(parseChaosArgs(argv)).toEqual(want);
  });

  test.each([
    { argv: ['--events'], error: '--events needs a value' },
    { argv: ['--events', '0'], error: '--events: expected an integer in 1..5000, got "0"' },
    { argv: ['--machines', '2'], error: '--machines: expected an integer in 3..12, got "2"' },
    { argv: ['--seed', '-3'], error: '--seed: expected an integer in 0..4294967295, got "-3"' },
    { argv: ['--seed', '1e3'], error: '--seed: expected an integer in 0..4294967295, got "1e3"' },
    { argv: ['--sed', '3'], error: 'unknown argument "--sed"' },
  ])('$argv is refused', ({ argv, error }) => {
    expect(() => parseChaosArgs(argv)).toThrow(error);
  });
});

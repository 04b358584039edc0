import { describe, expect, test } from 'vitest';
import { hasRestartCounter, unitRuntimeOf, type UnitRuntime } from './runtime.js';

describe('unitRuntimeOf', () => {
  test.each<{ name: string; nRestarts: unknown; ts: unknown; want: UnitRuntime }>([
    { name: 'variants with bigint values', nRestarts: { signature: 'u', value: 3 }, ts: { signature: 't', value: 1_700_000_000_123_456n }, want: { restarts: 3, since: 1_700_000_000_123 } },
    { name: 'plain numbers', nRestarts: 0, ts: 2_000_999, want: { restarts: 0, since: 2_000 } },
    { name: 'timestamp 0 means never changed', nRestarts: 1, ts: 0n, want: { restarts: 1 } },
    { name: 'not a service: no counter read', nRestarts: undefined, ts: 5_000n, want: { since: 5 } },
    { name: 'garbage is dropped', nRestarts: 'x', ts: { value: 'y' }, want: {} },
  ])('$name', ({ nRestarts, ts, want }) => {
    expect(unitRuntimeOf(nRestarts, ts)).toEqual(want);
  });
});

describe('hasRestartCounter', () => {
  test.each([
    { name: 'service', unit: 'web.service', want: true },
    { name: 'timer', unit: 'web.timer', want: false },
    { name: 'socket', unit: 'web.socket', want: false },
  ])('$name', ({ unit, want }) => {
    expect(hasRestartCounter(unit)).toBe(want);
  });
});

import { describe, expect, test } from 'vitest';
import { readEventRetention } from './retention-config.js';

describe('readEventRetention', () => {
  test.each<{ name: string; env: Record<string, string>; want: unknown }>([
    { name: 'unset: registry defaults', env: {}, want: undefined },
    { name: 'empty values are unset', env: { FLOTILLA_EVENT_RETENTION_COUNT: '', FLOTILLA_EVENT_RETENTION_AGE: '' }, want: undefined },
    { name: 'count only', env: { FLOTILLA_EVENT_RETENTION_COUNT: '5000' }, want: { maxEvents: 5000 } },
    { name: 'plain seconds', env: { FLOTILLA_EVENT_RETENTION_AGE: '90' }, want: { maxAgeMs: 90_000 } },
    { name: 'minutes', env: { FLOTILLA_EVENT_RETENTION_AGE: '30m' }, want: { maxAgeMs: 1_800_000 } },
    { name: 'hours and count', env: { FLOTILLA_EVENT_RETENTION_AGE: '12h', FLOTILLA_EVENT_RETENTION_COUNT: '10' }, want: { maxEvents: 10, maxAgeMs: 43_200_000 } },
    { name: 'days, fractional', env: { FLOTILLA_EVENT_RETENTION_AGE: '1.5d' }, want: { maxAgeMs: 129_600_000 } },
  ])('$name', ({ env, want }) => {
    expect(readEventRetention(env)).toEqual(want);
  });

  test.each([
    { name: 'count zero', env: { FLOTILLA_EVENT_RETENTION_COUNT: '0' }, want: 'FLOTILLA_EVENT_RETENTION_COUNT: expected a whole number of entries (at least 1), got "0"' },
    { name: 'count fraction', env: { FLOTILLA_EVENT_RETENTION_COUNT: '2.5' }, want: 'FLOTILLA_EVENT_RETENTION_COUNT: expected a whole number of entries (at least 1), got "2.5"' },
    { name: 'unknown unit', env: { FLOTILLA_EVENT_RETENTION_AGE: '3w' }, want: 'FLOTILLA_EVENT_RETENTION_AGE: expected a duration of at least 1s like 90s, 30m, 12h or 7d, got "3w"' },
    { name: 'below a second', env: { FLOTILLA_EVENT_RETENTION_AGE: '0s' }, want: 'FLOTILLA_EVENT_RETENTION_AGE: expected a duration of at least 1s like 90s, 30m, 12h or 7d, got "0s"' },
  ])('$name is refused', ({ env, want }) => {
    expect(() => readEventRetention(env)).toThrow(want);
  });
});

describe('readDaemonConfig carries the retention', () => {
  test.each<{ name: string; env: Record<string, string>; want: unknown }>([
    { name: 'unset: no key at all', env: {}, want: undefined },
    { name: 'set', env: { FLOTILLA_EVENT_RETENTION_COUNT: '50', FLOTILLA_EVENT_RETENTION_AGE: '2h' }, want: { maxEvents: 50, maxAgeMs: 7_200_000 } },
  ])('$name', async ({ env, want }) => {
    const { readDaemonConfig } = await import('./config.js');
    expect(readDaemonConfig(env).eventRetention).toEqual(want);
  });
});

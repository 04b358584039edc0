import { expect, test } from 'vitest';
import { isFlotillaError } from '@flotilla/core';
import { parseDrainOptions, type DrainOptions } from './drain.js';

function outcome(raw: Record<string, unknown>): DrainOptions | string {
  try {
    return parseDrainOptions(raw);
  } catch (err) {
    if (!isFlotillaError(err)) throw err;
    return err.message;
  }
}

test.each<[string, Record<string, unknown>, DrainOptions | string]>([
  ['no options: no deadline, follow 5m', {}, { block: true, timeoutMs: 300_000 }],
  ['--deadline 5m: follow the deadline + 1m', { deadline: '5m' }, { deadlineMs: 300_000, block: true, timeoutMs: 360_000 }],
  ['--deadline 1h30m', { deadline: '1h30m' }, { deadlineMs: 5_400_000, block: true, timeoutMs: 5_460_000 }],
  ['--deadline 90s --timeout 10m', { deadline: '90s', timeout: '10m' }, { deadlineMs: 90_000, block: true, timeoutMs: 600_000 }],
  ['--timeout in plain seconds', { timeout: '30' }, { block: true, timeoutMs: 30_000 }],
  ['--no-block', { block: false, deadline: '5m' }, { deadlineMs: 300_000, block: false, timeoutMs: 360_000 }],
  ['bad --deadline', { deadline: '5 min please' }, 'invalid value "5 min please" for --deadline: expected a time span like 90s, 5m or 1h30m'],
  ['zero --deadline', { deadline: '0s' }, 'invalid value "0s" for --deadline: expected a time span like 90s, 5m or 1h30m'],
  ['bad --timeout', { timeout: 'soon' }, 'invalid value "soon" for --timeout: expected a time span like 90s, 5m or 1h30m'],
])('%s', (_name, raw, want) => {
  expect(outcome(raw)).toEqual(want);
});

import { describe, expect, test } from 'vitest';
import type { UnitOption } from '../model.js';
import { loadUnitFile } from './unit-file.js';
import { DEFAULT_UPDATE_STRATEGY, updateStrategyOf } from './update-keys.js';

const x = (name: string, value: string): UnitOption => ({ section: 'X-Flotilla', name, value });

describe('update strategy keys', () => {
  test.each([
    ['none', [], {}],
    ['MaxParallel', [x('MaxParallel', '3')], { maxParallel: 3 }],
    ['spans', [x('MinHealthyTime', '1s'), x('HealthyDeadline', '1min30s'), x('ProgressDeadline', '500ms')], { minHealthyTimeMs: 1000, healthyDeadlineMs: 90_000, progressDeadlineMs: 500 }],
    ['bare number is seconds', [x('MinHealthyTime', '2')], { minHealthyTimeMs: 2000 }],
    ['MinHealthyTime 0 allowed', [x('MinHealthyTime', '0')], { minHealthyTimeMs: 0 }],
    ['canary and flags', [x('Canary', '1'), x('AutoPromote', 'yes'), x('AutoRevert', 'true')], { canary: 1, autoPromote: true, autoRevert: true }],
    ['HistoryLimit', [x('HistoryLimit', '3')], { historyLimit: 3 }],
    ['other keys ignored', [x('Port', '80'), x('HealthCheck', 'http://127.0.0.1/'), x('ServiceName', 'web'), x('Replicas', '3')], {}],
  ])('%s', (_name, options, expected) => {
    expect(updateStrategyOf(options)).toEqual({ ...DEFAULT_UPDATE_STRATEGY, ...expected });
  });

  test.each([
    [[x('MaxParallel', '0')], 'MaxParallel=0: expected a whole number from 1 to 1000', 0],
    [[x('Port', '80'), x('MinHealthyTime', 'abc')], 'MinHealthyTime=abc: not a time span (e.g. 500ms, 10s, 1min30s)', 1],
    [[x('HealthyDeadline', '0s')], 'HealthyDeadline=0s: must be more than 0', 0],
    [[x('AutoRevert', 'maybe')], 'AutoRevert=maybe: expected yes or no', 0],
    [[x('MaxParalel', '2')], 'unknown update strategy key MaxParalel= (did you mean MaxParallel=?)', 0],
    [[x('maxparallel', '2')], 'unknown update strategy key maxparallel= (did you mean MaxParallel=?)', 0],
    [[x('UpdateStagger', '2')], 'unknown update strategy key UpdateStagger= (did you mean MaxParallel=?)', 0],
  ])('%j → %s', (options, problem, index) => {
    expect(updateStrategyOf(options)).toEqual({ problem, index });
  });

  test('a bad strategy key in a file names the file, line and key, and loading fails', () => {
    const text = '[Service]\nExecStart=/bin/true\n\n[X-Flotilla]\nMaxParallel=2\nMinHealthyTime=soon\n';
    expect(() => loadUnitFile('app@.service', text, 'units/app@.service')).toThrow(
      'units/app@.service:6:1: MinHealthyTime=soon: not a time span (e.g. 500ms, 10s, 1min30s) (key MinHealthyTime)',
    );
  });

  test('an unknown update-like key in a file names its line', () => {
    const text = '[Service]\nExecStart=/bin/true\n[X-Flotilla]\nCanaryCount=1\n';
    expect(() => loadUnitFile('app@.service', text, 'units/app@.service')).toThrow(/units\/app@\.service:4:1: unknown update strategy key CanaryCount= \(did you mean Canary=\?\) \(key CanaryCount\)/);
  });
});

import { describe, expect, test } from 'vitest';
import type { ContainerStatus } from './engine-client.js';
import { parsePrepareArgs } from './prepare-args.js';
import { orphansOf } from './prepare.js';
import { pullDecision, pullDelayMs, recordPull, type PullRecord } from './pull-backoff.js';

const POLICY = { baseMs: 1000, maxMs: 8000 };
const failed = (failures: number, lastAttemptAt: number, image = 'img:1'): PullRecord => ({ image, failures, lastAttemptAt, lastError: 'not found' });

describe('pull backoff', () => {
  test.each([
    { failures: 0, delay: 0 },
    { failures: 1, delay: 1000 },
    { failures: 2, delay: 2000 },
    { failures: 4, delay: 8000 },
    { failures: 50, delay: 8000 },
  ])('after $failures failures the next pull waits $delay ms', ({ failures, delay }) => {
    expect(pullDelayMs(failures, POLICY)).toBe(delay);
  });

  test.each([
    { name: 'never tried', record: undefined, now: 0, decision: { kind: 'pull' } },
    { name: 'last pull succeeded', record: { image: 'img:1', failures: 0, lastAttemptAt: 100 }, now: 100, decision: { kind: 'pull' } },
    { name: 'another image failed before', record: failed(3, 100, 'old:1'), now: 100, decision: { kind: 'pull' } },
    { name: 'inside the backoff', record: failed(2, 100), now: 2099, decision: { kind: 'wait', untilMs: 2100, lastError: 'not found', failures: 2 } },
    { name: 'backoff over', record: failed(2, 100), now: 2100, decision: { kind: 'pull' } },
  ])('$name', ({ record, now, decision }) => {
    expect(pullDecision(record, 'img:1', now, POLICY)).toEqual(decision);
  });

  test.each([
    { name: 'first failure', before: undefined, error: 'x', after: { image: 'img:1', failures: 1, lastAttemptAt: 5, lastError: 'x' } },
    { name: 'one more failure', before: failed(2, 1), error: 'y', after: { image: 'img:1', failures: 3, lastAttemptAt: 5, lastError: 'y' } },
    { name: 'failure of a new image restarts the count', before: failed(2, 1, 'old:1'), error: 'z', after: { image: 'img:1', failures: 1, lastAttemptAt: 5, lastError: 'z' } },
    { name: 'success clears', before: failed(2, 1), error: undefined, after: { image: 'img:1', failures: 0, lastAttemptAt: 5 } },
  ])('recordPull: $name', ({ before, error, after }) => {
    expect(recordPull(before, 'img:1', 5, error)).toEqual(after);
  });
});

describe('orphansOf', () => {
  const c = (name: string, unit?: string): ContainerStatus => ({ id: name, name, state: 'running', running: true, exitCode: 0, ...(unit ? { unit } : {}) });
  test.each([
    { name: 'unit gone → orphan', containers: [c('a', 'a.container')], existing: [], orphans: ['a'] },
    { name: 'unit present → kept', containers: [c('a', 'a.container')], existing: ['a.container'], orphans: [] },
    { name: 'the unit being started is never its own orphan', containers: [c('s', 'self.container')], existing: [], orphans: [] },
    { name: 'no unit label → not ours to judge', containers: [c('x')], existing: [], orphans: [] },
  ])('$name', ({ containers, existing, orphans }) => {
    expect(orphansOf(containers, 'self.container', new Set(existing)).map((o) => o.name)).toEqual(orphans);
  });
});

describe('parsePrepareArgs', () => {
  const full = ['prepare', '--engine=docker', '--unit=a.container', '--container=c', '--image=i', '--machine=m', '--units-dir=/d'];
  test('all arguments', () => {
    expect(parsePrepareArgs(full)).toEqual({ engine: 'docker', unit: 'a.container', container: 'c', image: 'i', machine: 'm', 'units-dir': '/d' });
  });
  test.each([
    { name: 'no verb', argv: full.slice(1), error: /^usage: prepare --engine=/ },
    { name: 'missing image', argv: full.filter((a) => !a.startsWith('--image')), error: 'missing --image=' },
    { name: 'unknown engine', argv: [...full, '--engine=rkt'], error: 'unknown engine "rkt"' },
    { name: 'stray argument', argv: [...full, 'x'], error: 'unexpected argument "x"' },
  ])('refuses $name', ({ argv, error }) => {
    expect(() => parsePrepareArgs(argv)).toThrow(error);
  });
});

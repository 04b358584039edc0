import { describe, expect, test } from 'vitest';
import type { TaskResult } from './execute.js';
import type { Task, TaskKind } from './plan.js';
import { splits, startsLeft } from './pass-split.js';

const t = (kind: TaskKind, unit: string): Task => ({ kind, unit, reason: 'test' });
const ok = (task: Task): TaskResult => ({ task, ok: true, durationMs: 0 });
const bad = (task: Task, error: unknown): TaskResult => ({ task, ok: false, error, durationMs: 0 });
const UNIT_FAULT = new Error('unit fault');
const GONE = new Error('systemd gone');
const unitFault = (err: unknown) => err === UNIT_FAULT;

describe('splits', () => {
  test.each<[string, Task[], boolean]>([
    ['loads then starts', [t('Load', 'a'), t('Start', 'a')], true],
    ['starts only', [t('Start', 'a')], false],
    ['no starts', [t('Unload', 'a'), t('Stop', 'b')], false],
    ['nothing', [], false],
  ])('%s', (_, tasks, expected) => expect(splits(tasks)).toBe(expected));
});

describe('startsLeft: the second half, as one executeTasks run would have gone on', () => {
  const la = t('Load', 'a'), lb = t('Load', 'b'), reload = t('Reload', ''), sa = t('Start', 'a'), sb = t('Start', 'b'), sc = t('Start', 'c');
  const tasks = [la, lb, reload, sa, sb, sc];
  const early = [la, lb, reload];
  test.each<[string, TaskResult[], Task[]]>([
    ['all went well: every start', [ok(la), ok(lb), ok(reload)], [sa, sb, sc]],
    ["a unit's own failure: only its start is dropped", [ok(la), bad(lb, UNIT_FAULT), ok(reload)], [sa, sc]],
    ['systemd gone: no start', [ok(la), bad(lb, GONE)], []],
    ['a failed reload: no start', [ok(la), ok(lb), bad(reload, UNIT_FAULT)], []],
    ['a task skipped (not run): its unit does not start', [ok(la), ok(reload)], [sa, sc]],
  ])('%s', (_, results, expected) => expect(startsLeft(tasks, early, results, unitFault)).toEqual(expected));
});

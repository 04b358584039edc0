import pino from 'pino';
import { expect, test } from 'vitest';
import { executeTasks, type TaskEffects } from './execute.js';
import type { Task } from './plan.js';

/** Effects that record calls and fail for the units named in `failing`. */
function recordingEffects(failing: string[] = []) {
  const calls: string[] = [];
  const effect = (kind: string) => async (unit: string) => {
    calls.push(`${kind} ${unit}`.trim());
    if (failing.includes(unit)) throw new Error(`${kind} ${unit} broke`);
  };
  const effects: TaskEffects = { Unload: effect('Unload'), Load: effect('Load'), Reload: effect('Reload'), Stop: effect('Stop'), Start: effect('Start') };
  return { calls, effects };
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, logger };
}

const task = (kind: Task['kind'], unit: string): Task => ({ kind, unit, reason: `why ${kind}` });

test('runs all tasks in order and logs each with unit, kind, reason, ok', async () => {
  const { calls, effects } = recordingEffects();
  const { lines, logger } = capturingLogger();
  const results = await executeTasks([task('Load', 'a.service'), task('Reload', ''), task('Start', 'a.service')], effects, logger);
  expect(calls).toEqual(['Load a.service', 'Reload', 'Start a.service']);
  expect(results.map((r) => [r.task.kind, r.ok])).toEqual([['Load', true], ['Reload', true], ['Start', true]]);
  expect(lines.map((l) => [l.unit, l.kind, l.reason, l.ok])).toEqual([
    ['a.service', 'Load', 'why Load', true],
    [undefined, 'Reload', 'why Reload', true],
    ['a.service', 'Start', 'why Start', true],
  ]);
});

test('stops at the first failure and reports it', async () => {
  const { calls, effects } = recordingEffects(['b.service']);
  const { lines, logger } = capturingLogger();
  const results = await executeTasks([task('Load', 'a.service'), task('Load', 'b.service'), task('Start', 'a.service')], effects, logger);
  expect(calls).toEqual(['Load a.service', 'Load b.service']);
  expect(results.map((r) => [r.task.unit, r.ok])).toEqual([['a.service', true], ['b.service', false]]);
  expect(results[1]?.error).toEqual(new Error('Load b.service broke'));
  const failed = lines.find((l) => l.ok === false);
  expect(failed).toMatchObject({ unit: 'b.service', kind: 'Load', level: 50, err: { message: 'Load b.service broke' } });
  expect(lines.at(-1)).toMatchObject({ skipped: 1 });
});

test('concurrent groups: same-kind runs go N at a time, results in task order, a failed group stops the rest', async () => {
  const { effects } = recordingEffects(['c.service']);
  const { logger } = capturingLogger();
  let running = 0;
  let peak = 0;
  const slow = (inner: (u: string) => Promise<void>) => async (u: string) => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setImmediate(r));
    running--;
    return inner(u);
  };
  const wrapped: TaskEffects = { ...effects, Load: slow(effects.Load), Start: slow(effects.Start) };
  const tasks = ['a', 'b', 'c', 'd', 'e'].map((u) => task('Load', `${u}.service`)).concat([task('Start', 'a.service')]);
  const results = await executeTasks(tasks, wrapped, logger, undefined, { concurrency: { Load: 2 } });
  expect(peak).toBe(2);
  // Groups [a,b] [c,d] [e] [Start a]: c fails, so its group (c, d) completes and nothing after it runs.
  expect(results.map((r) => [r.task.unit, r.ok])).toEqual([['a.service', true], ['b.service', true], ['c.service', false], ['d.service', true]]);
});

test("a failure of the unit's own (unitFault) skips that unit's later tasks only; the others go on", async () => {
  const { calls, effects } = recordingEffects(['b.service']);
  const { logger } = capturingLogger();
  const tasks = [task('Load', 'a.service'), task('Load', 'b.service'), task('Load', 'c.service'), task('Reload', ''), task('Start', 'a.service'), task('Start', 'b.service'), task('Start', 'c.service')];
  const results = await executeTasks(tasks, effects, logger, undefined, { unitFault: (err) => err instanceof Error && err.message.startsWith('Load') });
  expect(calls).toEqual(['Load a.service', 'Load b.service', 'Load c.service', 'Reload', 'Start a.service', 'Start c.service']);
  expect(results.filter((r) => !r.ok).map((r) => r.task.unit)).toEqual(['b.service']);
});

test('any other failure still stops the batch', async () => {
  const { calls, effects } = recordingEffects(['b.service']);
  const { logger } = capturingLogger();
  await executeTasks([task('Load', 'b.service'), task('Load', 'c.service')], effects, logger, undefined, { unitFault: () => false });
  expect(calls).toEqual(['Load b.service']);
});

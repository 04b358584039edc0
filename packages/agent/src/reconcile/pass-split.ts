/**
 * A pass runs its plan in two halves when it has Starts (reconciler.ts): everything but the Starts first, then,
 * if nothing new came meanwhile, the Starts. These decide what is left for the second half as one run of
 * executeTasks would have (execute.ts): a unit whose earlier task failed or was skipped does not start, and a
 * failure that is not the unit's own (systemd or the bus gone, a failed Reload) starts nothing. Pure.
 */
import type { TaskResult } from './execute.js';
import type { Task } from './plan.js';

/** Whether running the plan in two halves can pay: it has Starts and something to do before them. */
export function splits(tasks: readonly Task[]): boolean {
  return tasks.some((t) => t.kind === 'Start') && tasks.some((t) => t.kind !== 'Start');
}

/** The Starts of `tasks` still to run after `early` ran with `results`. */
export function startsLeft(tasks: readonly Task[], early: readonly Task[], results: readonly TaskResult[], unitFault: (err: unknown) => boolean): Task[] {
  const failed = results.filter((r) => !r.ok);
  if (failed.some((r) => r.task.unit === '' || !unitFault(r.error))) return [];
  const done = new Set(results.filter((r) => r.ok).map((r) => r.task));
  const blocked = new Set([...failed.map((r) => r.task.unit), ...early.filter((t) => !done.has(t)).map((t) => t.unit)]);
  return tasks.filter((t) => t.kind === 'Start' && !blocked.has(t.unit));
}

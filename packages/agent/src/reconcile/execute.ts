/**
 * The one executor: runs planned tasks in order, stops at the first failure (the next reconcile pass plans
 * again from what is then true), logs every result, and returns one result per task tried.
 */
import type { Logger } from 'pino';
import type { Task, TaskKind } from './plan.js';

/** What each kind of task does; the agent wires these to systemd and the units directory. */
export type TaskEffects = Record<TaskKind, (unit: string) => Promise<void>>;

export interface TaskResult {
  task: Task;
  ok: boolean;
  error?: unknown;
  durationMs: number;
}

export async function executeTasks(
  tasks: readonly Task[],
  effects: TaskEffects,
  logger: Logger,
  onTaskDone?: (result: TaskResult) => void | Promise<void>,
): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  for (const task of tasks) {
    const result = await runOne(task, effects);
    results.push(result);
    logResult(logger, result);
    await onTaskDone?.(result);
    if (!result.ok) {
      const skipped = tasks.length - results.length;
      if (skipped > 0) logger.warn({ skipped }, 'task failed; skipping the rest of the batch until the next reconcile');
      break;
    }
  }
  return results;
}

async function runOne(task: Task, effects: TaskEffects): Promise<TaskResult> {
  const started = performance.now();
  try {
    await effects[task.kind](task.unit);
    return { task, ok: true, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { task, ok: false, error, durationMs: Math.round(performance.now() - started) };
  }
}

function logResult(logger: Logger, { task, ok, error, durationMs }: TaskResult): void {
  const fields = { unit: task.unit === '' ? undefined : task.unit, kind: task.kind, reason: task.reason, ok, durationMs };
  if (ok) logger.info(fields, `task ${task.kind} done`);
  else logger.error({ ...fields, err: error }, `task ${task.kind} failed`);
}

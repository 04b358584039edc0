/**
 * The one executor: runs planned tasks in order, stops at the first failure (the next reconcile pass plans
 * again from what is then true), logs every result, and returns one result per task tried. A failure that
 * `opts.unitFault` says belongs to that unit alone (anything but systemd or the bus being gone: systemd/errors.ts
 * isUnitFault) does not stop the batch: only that unit's later tasks are skipped, so one bad unit never holds up
 * a machine's others (fleet stopped the whole batch; docs/agent.md, "Executor").
 *
 * A run of consecutive tasks of one kind may go `concurrency[kind]` at a time (e.g. Load and Start: systemd
 * queues the calls anyway, so pipelining saves a D-Bus round trip per unit). Results still come back in task
 * order, and a failure anywhere in a group stops everything after that group.
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

export interface ExecuteOptions {
  /** Tasks of a kind run this many at a time (default 1: strictly one after another). */
  concurrency?: Partial<Record<TaskKind, number>>;
  /** True for an error that concerns the task's unit only (not systemd or the bus as a whole). */
  unitFault?: (error: unknown) => boolean;
}

export async function executeTasks(
  tasks: readonly Task[],
  effects: TaskEffects,
  logger: Logger,
  onTaskDone?: (result: TaskResult) => void | Promise<void>,
  opts: ExecuteOptions = {},
): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  const faulty = new Set<string>();
  for (const group of groups(tasks, opts.concurrency ?? {})) {
    const runnable = group.filter((task) => !faulty.has(task.unit));
    if (runnable.length < group.length) logger.warn({ units: group.filter((t) => faulty.has(t.unit)).map((t) => t.unit), kind: group[0]!.kind }, 'skipping the tasks of units whose earlier task failed');
    const groupResults = await Promise.all(runnable.map((task) => runOne(task, effects)));
    for (const result of groupResults) {
      results.push(result);
      logResult(logger, result);
      await onTaskDone?.(result);
    }
    const failed = groupResults.filter((r) => !r.ok);
    const ownFaults = failed.filter((r) => r.task.unit !== '' && opts.unitFault?.(r.error) === true);
    for (const r of ownFaults) faulty.add(r.task.unit);
    if (failed.length > ownFaults.length) {
      const skipped = tasks.length - results.length;
      if (skipped > 0) logger.warn({ skipped }, 'task failed; skipping the rest of the batch until the next reconcile');
      break;
    }
  }
  return results;
}

/** Consecutive tasks of one kind, cut into groups of at most that kind's concurrency. */
function groups(tasks: readonly Task[], concurrency: Partial<Record<TaskKind, number>>): Task[][] {
  const out: Task[][] = [];
  for (const task of tasks) {
    const last = out.at(-1);
    const limit = Math.max(1, concurrency[task.kind] ?? 1);
    if (last !== undefined && last[0]!.kind === task.kind && last.length < limit) last.push(task);
    else out.push([task]);
  }
  return out;
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

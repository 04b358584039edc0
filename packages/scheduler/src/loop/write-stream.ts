/**
 * A pass's writes, started before its plan is done: the planner hands out decisions it has made final (plan.ts,
 * PlanStep) and they are written while it plans the rest, so etcd works during the seconds a big first plan takes
 * instead of after them (docs/scheduler.md, "Writing while planning"). Each push is written in order, in
 * executeWrites' chunks; a write that fails or loses the term stops the stream, and what comes after is dropped.
 */
import { executeWrites, type ExecutionOutcome, type PreparedWrites, type WriteContext } from './execute.js';

export class WriteStream {
  private readonly queued: PreparedWrites[] = [];
  private closed = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly written: Promise<ExecutionOutcome>;

  constructor(private readonly ctx: WriteContext) {
    this.written = this.pump().catch((error: unknown) => {
      this.stopped = true;
      return { kind: 'failed', applied: 0, error };
    });
  }

  /** Writes `writes` after everything pushed before (none of it is written twice: executeWrites takes it out). */
  push(writes: PreparedWrites): void {
    if (this.stopped || this.closed || writes.decisions.length === 0) return;
    this.queued.push(writes);
    this.wakeUp();
  }

  /** No more pushes: resolves once everything pushed is written, or the stream stopped. */
  close(): Promise<ExecutionOutcome> {
    this.closed = true;
    this.wakeUp();
    return this.written;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async pump(): Promise<ExecutionOutcome> {
    let total: ExecutionOutcome = { kind: 'done', applied: 0 };
    for (;;) {
      const next = this.takeQueued();
      if (next === undefined) {
        if (this.closed) return total;
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      total = combineOutcomes(total, await executeWrites(this.ctx, next));
      if (total.kind !== 'done' && total.kind !== 'conflict') {
        this.stopped = true;
        this.queued.length = 0;
        return total;
      }
    }
  }

  /** Everything pushed so far, as one set of writes (fewer, fuller transactions than one call per push). */
  private takeQueued(): PreparedWrites | undefined {
    const parts = this.queued.splice(0);
    if (parts.length <= 1) return parts[0];
    return { decisions: parts.flatMap((p) => p.decisions), changes: parts.flatMap((p) => p.changes), layout: parts[0]!.layout };
  }
}

/** The outcome of writing `earlier` then `later` (`earlier` finished: done or conflict). */
export function combineOutcomes(earlier: ExecutionOutcome, later: ExecutionOutcome): ExecutionOutcome {
  const applied = earlier.applied + later.applied;
  if (later.kind === 'aborted' || later.kind === 'failed' || later.kind === 'leadership-lost') return { ...later, applied };
  const conflicts = conflictsOf(earlier) + conflictsOf(later);
  const revision = laterRevision(revisionOf(earlier), revisionOf(later));
  const written = revision === undefined ? {} : { revision };
  return conflicts > 0 ? { kind: 'conflict', applied, conflicts, ...written } : { kind: 'done', applied, ...written };
}

function conflictsOf(outcome: ExecutionOutcome): number {
  return outcome.kind === 'conflict' ? outcome.conflicts : 0;
}

function revisionOf(outcome: ExecutionOutcome): string | undefined {
  return outcome.kind === 'done' || outcome.kind === 'conflict' ? outcome.revision : undefined;
}

function laterRevision(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return BigInt(b) > BigInt(a) ? b : a;
}

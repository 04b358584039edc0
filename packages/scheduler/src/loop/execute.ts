/**
 * Carries out a plan's decisions in order with fenced registry writes, logging each one. Decisions build on
 * each other (the plan saw earlier ones), so the first failure ends the batch; the next pass re-plans from a
 * fresh snapshot.
 */
import { ConflictError, LeadershipLostError, type ClusterRegistry, type ClusterSnapshot, type Fence } from '@flotilla/core';
import type { Logger } from 'pino';
import type { Decision } from '../plan.js';

export type ExecutionOutcome =
  | { kind: 'done'; applied: number }
  /** Aborted between decisions (stop, lost leadership or the pass deadline). */
  | { kind: 'aborted'; applied: number }
  /** Someone changed the unit or its schedule since the snapshot: re-plan. */
  | { kind: 'conflict'; applied: number; error: ConflictError }
  | { kind: 'leadership-lost'; applied: number; error: LeadershipLostError }
  | { kind: 'failed'; applied: number; error: unknown };

export interface ExecuteContext {
  registry: ClusterRegistry;
  snapshot: ClusterSnapshot;
  fence: Fence;
  logger: Logger;
  signal: AbortSignal;
}

export async function executeDecisions(ctx: ExecuteContext, decisions: readonly Decision[]): Promise<ExecutionOutcome> {
  let applied = 0;
  for (const decision of decisions) {
    if (ctx.signal.aborted) return { kind: 'aborted', applied };
    try {
      await apply(ctx, decision);
    } catch (error) {
      return failure(ctx.logger, decision, applied, error);
    }
    applied++;
    ctx.logger.info(
      { kind: decision.kind, unit: decision.unit, machine: decision.machineId, reason: decision.reason },
      `${decision.kind === 'assign' ? 'assigned' : 'unassigned'} ${decision.unit}`,
    );
  }
  return { kind: 'done', applied };
}

async function apply(ctx: ExecuteContext, decision: Decision): Promise<void> {
  if (decision.kind === 'unassign') return ctx.registry.unassign(decision.unit, decision.machineId, ctx.fence);
  const unit = ctx.snapshot.units.find((u) => u.name === decision.unit);
  const revision = ctx.snapshot.unitRevisions.get(decision.unit);
  // The plan only assigns units of this snapshot; a miss here is a bug, reported as a failed pass.
  if (!unit || revision === undefined) throw new Error(`unit ${decision.unit} is not in the snapshot it was planned from`);
  return ctx.registry.assign(unit, revision, decision.machineId, ctx.fence);
}

function failure(logger: Logger, decision: Decision, applied: number, error: unknown): ExecutionOutcome {
  const fields = { kind: decision.kind, unit: decision.unit, machine: decision.machineId, reason: decision.reason, err: error };
  if (error instanceof LeadershipLostError) {
    logger.warn(fields, `leadership lost while applying ${decision.kind} of ${decision.unit}`);
    return { kind: 'leadership-lost', applied, error };
  }
  if (error instanceof ConflictError) {
    logger.info(fields, `${decision.kind} of ${decision.unit} conflicted; re-planning`);
    return { kind: 'conflict', applied, error };
  }
  logger.warn(fields, `${decision.kind} of ${decision.unit} failed; retrying on the next pass`);
  return { kind: 'failed', applied, error };
}

/**
 * Carries out a plan's decisions as one `applySchedule` call: batched, fenced transactions (removals first).
 * Each applied decision is logged; decisions whose compares failed (someone changed the unit or its schedule
 * since the snapshot) come back as conflicts and the next pass re-plans them.
 */
import { assignmentInLine, LeadershipLostError, type ClusterSnapshot, type Fence, type RegistryLayout, type ScheduleChange, type SchedulingRegistry, type UnitRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import type { Decision } from '../plan.js';

export type ExecutionOutcome =
  /** `revision`: the highest revision written, if anything was. */
  | { kind: 'done'; applied: number; revision?: string }
  /** Aborted before writing (stop, lost leadership or the pass deadline). */
  | { kind: 'aborted'; applied: number }
  /** Some decisions conflicted with changes made since the snapshot: re-plan. */
  | { kind: 'conflict'; applied: number; conflicts: number; revision?: string }
  | { kind: 'leadership-lost'; applied: number; error: LeadershipLostError }
  | { kind: 'failed'; applied: number; error: unknown };

export interface ExecuteContext extends WriteContext {
  snapshot: ClusterSnapshot;
  /** The snapshot's units by name, when the caller has them (the leader's live state); else built from it. */
  units?: ReadonlyMap<string, UnitRecord>;
}

/** What writing needs once the decisions are turned into changes (no view of the cluster). */
export interface WriteContext {
  registry: Pick<SchedulingRegistry, 'applySchedule'>;
  fence: Fence;
  logger: Logger;
  signal: AbortSignal;
  /** Called with each chunk's decisions right before they are written in `layout` (the leader expects their echo). */
  beforeChunk?: (decisions: readonly Decision[], layout: RegistryLayout) => void;
}

/** A plan's decisions in write order (removals first) and the changes they write, each with the unit record and
 * revision the plan saw. `executeWrites` takes them out chunk by chunk: a prepared set is written once. */
export interface PreparedWrites {
  decisions: Decision[];
  changes: ScheduleChange[];
  /** The registry layout the view was at: what the changes are written in (core's layout.ts). */
  layout: RegistryLayout;
}

const PAST_TENSE: Record<Decision['kind'], string> = {
  assign: 'assigned',
  unassign: 'unassigned',
  'assign-global': 'assigned global unit',
  'unassign-global': 'unassigned global unit',
  refresh: 'brought in line the assignment of',
};

/**
 * Decisions per `applySchedule` call. Between calls the event loop gets a turn (election keepalives, the
 * cluster watch) and a stop or a lost term is noticed; each call still packs its changes into batched, fenced
 * transactions with its own bound on transactions in flight. Removals are applied before additions across
 * the chunks, as within one call.
 */
export const APPLY_CHUNK = 2048;

export async function executeDecisions(ctx: ExecuteContext, decisions: readonly Decision[]): Promise<ExecutionOutcome> {
  return executeWrites(ctx, prepareWrites(ctx.snapshot, ctx.units, decisions));
}

/**
 * Turns decisions into changes from the view they were planned from. Done before any write, so that the leader
 * can release its view (and apply the watch's events, its own echoes among them) while it writes, instead of
 * holding 225,000 echoes of a 100,000-unit pass until the end (docs/benchmarks.md, "Leader memory, third pass").
 */
export function prepareWrites(snapshot: ClusterSnapshot, units: ReadonlyMap<string, UnitRecord> | undefined, decisions: readonly Decision[]): PreparedWrites {
  const byName = units ?? new Map(snapshot.units.map((u) => [u.name, u]));
  const ordered = [...decisions.filter(isRemoval), ...decisions.filter((d) => !isRemoval(d))];
  return { decisions: ordered, changes: changesOf(snapshot, byName, ordered), layout: snapshot.layout ?? 1 };
}

/**
 * Writes `writes` a chunk at a time, taking each chunk out of its arrays first: what is written is garbage while
 * the rest is (a 100,000-unit pass's decisions and changes are ~14 MiB; docs/benchmarks.md, "Leader memory, fourth
 * pass").
 */
export async function executeWrites(ctx: WriteContext, writes: PreparedWrites): Promise<ExecutionOutcome> {
  const { decisions, changes, layout } = writes;
  const total = decisions.length;
  if (total === 0) return { kind: 'done', applied: 0 };
  if (ctx.signal.aborted) return { kind: 'aborted', applied: 0 };
  let applied = 0;
  let conflicts = 0;
  let revision: string | undefined;
  for (let first = true; decisions.length > 0; first = false) {
    if (!first) {
      await new Promise((resolve) => setImmediate(resolve));
      if (ctx.signal.aborted) return { kind: 'aborted', applied };
    }
    const chunk = decisions.splice(0, APPLY_CHUNK);
    const chunkChanges = changes.splice(0, APPLY_CHUNK);
    ctx.beforeChunk?.(chunk, layout);
    let result;
    try {
      result = await ctx.registry.applySchedule(chunkChanges, ctx.fence, layout);
    } catch (error) {
      if (error instanceof LeadershipLostError) {
        ctx.logger.warn({ err: error, decisions: total, applied }, 'leadership lost while applying the plan');
        return { kind: 'leadership-lost', applied, error };
      }
      ctx.logger.warn({ err: error, decisions: total, applied }, 'applying the plan failed; retrying on the next pass');
      return { kind: 'failed', applied, error };
    }
    logResults(ctx, chunk, chunkChanges, result.conflicts);
    applied += result.applied;
    conflicts += result.conflicts.length;
    if (result.revision !== undefined && (revision === undefined || BigInt(result.revision) > BigInt(revision))) revision = result.revision;
  }
  const written = revision === undefined ? {} : { revision };
  if (conflicts > 0) return { kind: 'conflict', applied, conflicts, ...written };
  return { kind: 'done', applied, ...written };
}

function isRemoval(d: Decision): boolean {
  return d.kind === 'unassign' || d.kind === 'unassign-global';
}

function logResults(ctx: WriteContext, decisions: readonly Decision[], changes: readonly ScheduleChange[], conflicts: readonly ScheduleChange[]): void {
  if (!ctx.logger.isLevelEnabled('info')) return; // 100,000 decisions: do not even build the lines
  const conflicted = new Set(conflicts.map(changeKey));
  for (const [i, decision] of decisions.entries()) {
    const fields = { kind: decision.kind, unit: decision.unit, machine: decision.machineId, reason: decision.reason };
    if (conflicted.has(changeKey(changes[i] as ScheduleChange))) ctx.logger.info(fields, `${decision.kind} of ${decision.unit} conflicted; re-planning`);
    else ctx.logger.info(fields, `${PAST_TENSE[decision.kind]} ${decision.unit}`);
  }
}

function changeKey(change: ScheduleChange): string {
  const unit = typeof change.unit === 'string' ? change.unit : change.unit.name;
  return `${change.kind} ${unit} ${change.machineId}`;
}

/** Decisions name units; changes carry the unit record and the revision the plan saw. */
export function toChanges(snapshot: ClusterSnapshot, decisions: readonly Decision[]): ScheduleChange[] {
  return changesOf(snapshot, new Map(snapshot.units.map((u) => [u.name, u])), decisions);
}

function changesOf(snapshot: ClusterSnapshot, units: ReadonlyMap<string, UnitRecord>, decisions: readonly Decision[]): ScheduleChange[] {
  const unitAt = (name: string): { unit: UnitRecord; unitModRevision: string } => {
    const unit = units.get(name);
    const unitModRevision = snapshot.unitRevisions.get(name);
    // The plan only assigns units of this snapshot; a miss here is a bug, reported as a failed pass.
    if (!unit || unitModRevision === undefined) throw new Error(`unit ${name} is not in the snapshot it was planned from`);
    return { unit, unitModRevision };
  };
  return decisions.map((d): ScheduleChange => {
    if (d.kind === 'unassign' || d.kind === 'unassign-global') return { kind: d.kind, unit: d.unit, machineId: d.machineId };
    // One literal with every field (no spread): a pass holds 100,000s of these while it writes.
    const { unit, unitModRevision } = unitAt(d.unit);
    if (d.kind === 'refresh') {
      const stored = snapshot.laggingAssignments.get(d.unit) ?? { unit: unit.name, machineId: d.machineId, hash: unit.hash, desiredState: unit.desiredState };
      return { kind: 'refresh', unit, unitModRevision, machineId: d.machineId, assignment: assignmentInLine(stored, unit) };
    }
    return { kind: d.kind, unit, unitModRevision, machineId: d.machineId };
  });
}

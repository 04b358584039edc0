/**
 * One term as leader: follow the cluster (one snapshot, then watch events into a cache), run passes (plan
 * from the cache → apply in fenced batches → wait until the watch has delivered those writes) until
 * leadership is lost or the scheduler stops, then resign. A lost leadership stops acting at once: the term's
 * signal aborts, and every write is fenced anyway.
 */
import type { ClusterRegistry, LeaderElection, Leadership } from '@flotilla/core';
import type { Logger } from 'pino';
import { planAsync } from './plan-async.js';
import { executeDecisions, type ExecutionOutcome } from './execute.js';
import { PassTrigger } from './pass-trigger.js';
import { withDeadline } from './timing.js';
import { UnplaceableReporter } from './unplaceable-reporter.js';
import { ClusterLogWriter } from './cluster-log.js';
import { ClusterFollower } from './follower.js';
import { RebalanceClock } from './rebalance-clock.js';
import { PendingMoves } from './pending-moves.js';
import { splitMoves } from '../stop-before-start.js';
import type { PlacementConfig } from '../placement/types.js';

export interface TermOptions {
  registry: ClusterRegistry & LeaderElection;
  logger: Logger;
  intervalMs: number;
  minGapMs: number;
  /** A pass stops issuing writes after this long (fleet aborts a reconcile after one lease TTL). */
  passDeadlineMs: number;
  /** Deadline for closing the watch and resigning. */
  cleanupTimeoutMs: number;
  /** Aborts when the scheduler stops. */
  stopSignal: AbortSignal;
  placement: PlacementConfig;
  /** Full re-read of the cluster at least this often (safety net under the watch). */
  resyncIntervalMs: number;
  /** Moves for balance: at most `maxMoves` per `intervalMs`; absent = off. */
  rebalance?: { maxMoves: number; intervalMs: number };
  /** A moved unit is placed again once its old machine stopped it, or after this long regardless. */
  moveStopTimeoutMs: number;
}

/** How often a leader with moves in flight checks whether their old copies stopped. */
const MOVE_POLL_MS = 250;

export type TermEnd = 'stopped' | 'lost';

export async function leadTerm(opts: TermOptions, leadership: Leadership): Promise<TermEnd> {
  const term = new AbortController();
  let lost = false;
  let resigning = false;
  leadership.onLost((err) => {
    // Resigning also ends leadership (and fires onLost): that one is expected.
    if (resigning) return opts.logger.info('leadership released');
    lost = true;
    opts.logger.warn({ err }, 'leadership lost');
    term.abort();
  });
  const stopTerm = () => term.abort();
  opts.stopSignal.addEventListener('abort', stopTerm, { once: true });
  if (opts.stopSignal.aborted) term.abort(); // stopped while the campaign was resolving
  const trigger = new PassTrigger({ intervalMs: opts.intervalMs, minGapMs: opts.minGapMs });
  const follower = new ClusterFollower({
    registry: opts.registry,
    logger: opts.logger,
    timeoutMs: opts.cleanupTimeoutMs,
    resyncIntervalMs: opts.resyncIntervalMs,
    onChange: () => trigger.nudge(),
  });
  const reporter = new UnplaceableReporter(opts.logger);
  const clusterLog = new ClusterLogWriter(opts.registry, opts.logger);
  const balance = new RebalanceClock(opts.rebalance);
  const moves = new PendingMoves({ deadlineMs: opts.moveStopTimeoutMs, logger: opts.logger, getStates: (u) => opts.registry.getStates(u) });
  try {
    while (await trigger.next(term.signal)) {
      const outcome = await runPass(opts, leadership, term.signal, reporter, follower, clusterLog, balance, moves);
      if (outcome.kind === 'leadership-lost') {
        lost = true;
        break;
      }
      if (outcome.kind === 'conflict') trigger.nudge();
      // Unit states are not watched: while moves wait for their old copies to stop, look again soon.
      if (moves.size > 0) setTimeout(() => trigger.nudge(), MOVE_POLL_MS).unref();
    }
  } finally {
    opts.stopSignal.removeEventListener('abort', stopTerm);
    await follower.close();
    resigning = true;
    await resign(opts, leadership);
  }
  return lost && !opts.stopSignal.aborted ? 'lost' : 'stopped';
}

async function runPass(
  opts: TermOptions,
  leadership: Leadership,
  termSignal: AbortSignal,
  reporter: UnplaceableReporter,
  follower: ClusterFollower,
  clusterLog: ClusterLogWriter,
  balance: RebalanceClock,
  moves: PendingMoves,
): Promise<ExecutionOutcome> {
  const signal = AbortSignal.any([termSignal, AbortSignal.timeout(opts.passDeadlineMs)]);
  try {
    const snapshot = await follower.current();
    // Planning is bounded by the term only: 100,000 units can take longer than one election TTL.
    const rebalance = balance.due();
    const held = await moves.held(snapshot);
    const planned = await planAsync(snapshot, opts.placement, rebalance ? { rebalance, held } : { held }, termSignal);
    if (!planned) return { kind: 'aborted', applied: 0 };
    const { plan, moves: started } = splitMoves(snapshot, planned);
    if (plan.decisions.length > 0) balance.active();
    reporter.report(plan.unplaceable);
    const ctx = { registry: opts.registry, snapshot, fence: leadership.fence, logger: opts.logger, signal };
    const outcome = await executeDecisions(ctx, plan.decisions);
    // Whatever the outcome: a move whose unassign was not written is still scheduled, and dropped next pass.
    moves.add(started);
    clusterLog.afterPass(snapshot, plan, outcome.kind === 'done');
    // Plan again only from a cache that includes this pass's own writes.
    if ('revision' in outcome) await follower.caughtUp(outcome.revision, opts.passDeadlineMs);
    if (outcome.kind === 'failed') follower.invalidate('a pass failed');
    return outcome;
  } catch (error) {
    follower.invalidate('a pass failed');
    opts.logger.warn({ err: error }, 'scheduling pass failed; retrying on the next pass');
    return { kind: 'failed', applied: 0, error };
  }
}

async function resign(opts: TermOptions, leadership: Leadership): Promise<void> {
  try {
    await withDeadline(leadership.resign(), opts.cleanupTimeoutMs, () => new Error('resign timed out'));
  } catch (err) {
    opts.logger.warn({ err }, 'resigning leadership failed; the election lease will expire');
  }
}

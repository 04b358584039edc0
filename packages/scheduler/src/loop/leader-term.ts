/**
 * One term as leader: follow the cluster (one snapshot, then watch events into a cache), run passes (plan
 * from the cache → apply in fenced batches → wait until the watch has delivered those writes) until
 * leadership is lost or the scheduler stops, then resign. A lost leadership stops acting at once: the term's
 * signal aborts, and every write is fenced anyway.
 */
import { withDeadline, type Leadership, type RegistryLayout } from '@flotilla/core';
import type { Logger } from 'pino';
import { planAsync } from './plan-async.js';
import { prepareWrites, type ExecutionOutcome } from './execute.js';
import { WriteStream } from './write-stream.js';
import { PassTrigger } from './pass-trigger.js';
import { LayoutMover } from './layout-mover.js';
import { UnplaceableReporter } from './unplaceable-reporter.js';
import { ClusterLogWriter } from './cluster-log.js';
import { ClusterFollower } from './follower.js';
import { RebalanceClock } from './rebalance-clock.js';
import { PendingMoves } from './pending-moves.js';
import { drainInProgress } from '../drain.js';
import { DirtyTracker } from './dirty-tracker.js';
import { ServiceKeeper } from './service-keeper.js';
import { DeployDriver } from './deploy-driver.js';
import { splitMoves, type SplitPlan } from '../stop-before-start.js';
import type { PlacementConfig } from '../placement/types.js';
import type { Decision } from '../plan.js';
import type { SchedulerRegistry } from '../scheduler-registry.js';

export interface TermOptions {
  registry: SchedulerRegistry;
  logger: Logger;
  intervalMs: number;
  minGapMs: number;
  /** How long a pass waits for the watch to bring its own writes back (plus 1 ms per 10 writes). */
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
  /** Passes plan only what events made dirty; a plan of everything at least this often (safety net). */
  fullPassIntervalMs: number;
  /** Units placed between two steps of a plan (plan.ts, PlanOptions.stepUnits); absent = the planner's default. */
  planStepUnits?: number;
}

/** How often a leader with moves in flight checks whether their old copies stopped. */
const MOVE_POLL_MS = 250;
/** How soon a running deployment is looked at again: instance health comes from polled unit states. */
const DEPLOY_POLL_MS = 250;
/** How often a leader with a drain waiting (for room elsewhere, or its deadline) plans again. */
const DRAIN_POLL_MS = 1000;

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
  const dirty = new DirtyTracker(opts.fullPassIntervalMs);
  const keeper = new ServiceKeeper(opts.registry, opts.logger, opts.intervalMs);
  const deployer = new DeployDriver(opts.registry, opts.logger, opts.intervalMs);
  const follower = new ClusterFollower({
    registry: opts.registry,
    logger: opts.logger,
    timeoutMs: opts.cleanupTimeoutMs,
    resyncIntervalMs: opts.resyncIntervalMs,
    onChange: () => trigger.nudge(),
    onEvent: (event, prior) => {
      dirty.onEvent(event, prior);
      keeper.onEvent(event);
    },
    onResync: () => {
      dirty.markFull();
      keeper.markDirty();
    },
  });

  const layoutMover = new LayoutMover(opts.registry, opts.logger);
  const reporter = new UnplaceableReporter(opts.logger);
  const clusterLog = new ClusterLogWriter(opts.registry, opts.logger);
  const balance = new RebalanceClock(opts.rebalance);
  const moves = new PendingMoves({
    deadlineMs: opts.moveStopTimeoutMs,
    logger: opts.logger,
    getStates: (u) => opts.registry.getStates(u),
    listStates: () => opts.registry.listStates(),
  });
  try {
    const pass: PassParts = { reporter, follower, clusterLog, balance, moves, dirty, adopted: false, draining: false };
    while (await trigger.next(term.signal)) {
      // Services' counts first (their own fenced writes): the instances it creates are placed by a later pass. A
      // changed count is seen by the periodic wake-up (intervalMs), instance changes by the cluster watch.
      const kept = await keeper.keep(() => follower.units(), leadership.fence);
      if (kept === 'lost') {
        lost = true;
        break;
      }
      if (kept === 'conflict' || kept === 'failed') trigger.nudge();
      // Deployments next (docs/deployments.md): while one runs, instance health is polled, not watched.
      const deployed = await deployer.drive(() => follower.current(), leadership.fence);
      if (deployed === 'lost') {
        lost = true;
        break;
      }
      if (deployed === 'conflict') trigger.nudge();
      else if (deployed !== 'idle') setTimeout(() => trigger.nudge(), DEPLOY_POLL_MS).unref();
      // The registry's layout, between passes (layout-mover.ts).
      if ((await layoutMover.step(follower, leadership.fence)) === 'lost') {
        lost = true;
        break;
      }
      // Nothing happened that a plan could act on (the leader's own writes coming back included): skip the pass.
      if (dirty.idle && !follower.needsResync && moves.size === 0 && !pass.draining && balance.due() === undefined) continue;
      const outcome = await runPass(opts, leadership, term.signal, pass);
      if (outcome.kind === 'leadership-lost') {
        lost = true;
        break;
      }
      if (outcome.kind === 'conflict') trigger.nudge();
      // Unit states are not watched: while moves wait for their old copies to stop, look again soon; a drain waits
      // for its deadline and for room elsewhere, so it is looked at again too.
      if (moves.size > 0) setTimeout(() => trigger.nudge(), MOVE_POLL_MS).unref();
      else if (pass.draining) setTimeout(() => trigger.nudge(), DRAIN_POLL_MS).unref();
    }
  } finally {
    opts.stopSignal.removeEventListener('abort', stopTerm);
    await follower.close();
    resigning = true;
    await resign(opts, leadership);
  }
  return lost && !opts.stopSignal.aborted ? 'lost' : 'stopped';
}

interface PassParts {
  reporter: UnplaceableReporter;
  follower: ClusterFollower;
  clusterLog: ClusterLogWriter;
  balance: RebalanceClock;
  moves: PendingMoves;
  dirty: DirtyTracker;
  /** The previous leader's moves in flight have been derived (first pass of the term). */
  adopted: boolean;
  /** The last pass saw a machine draining with units still on it. */
  draining: boolean;
}

async function runPass(opts: TermOptions, leadership: Leadership, termSignal: AbortSignal, parts: PassParts): Promise<ExecutionOutcome> {
  const { follower, moves, dirty } = parts;
  const beforeChunk = (decisions: readonly Decision[], layout: RegistryLayout) => dirty.expectEchoes(decisions, layout);
  // The writes stop only with the term (stop, lost leadership); each transaction has its own request deadline.
  // A deadline on the whole pass cut big plans in two, and the rest was planned again from scratch: at 1,000,000
  // units a pass's writes take minutes (docs/scheduler.md, "The leader loop").
  const writes = new WriteStream({ registry: opts.registry, fence: leadership.fence, logger: opts.logger, signal: termSignal, beforeChunk });
  try {
    const prepared = await planPass(opts, termSignal, parts, writes);
    if (!prepared) {
      const { applied } = await writes.close();
      dirty.forgetEchoes();
      dirty.markFull();
      return { kind: 'aborted', applied };
    }
    const { logPass, started } = prepared;
    const outcome = await writes.close();
    // Whatever the outcome: a move whose unassign was not written is still scheduled, and dropped next pass.
    moves.add(started);
    logPass(outcome.kind === 'done');
    // Plan again only from a cache that includes this pass's own writes.
    // The watch brings every write back (100,000 placements are ~225,000 events): allow 1 ms per 10 of them.
    if ('revision' in outcome) await follower.caughtUp(outcome.revision, opts.passDeadlineMs + Math.ceil(outcome.applied / 10));
    dirty.forgetEchoes();
    if (outcome.kind !== 'done') dirty.markFull();
    if (outcome.kind === 'failed') follower.invalidate('a pass failed');
    return outcome;
  } catch (error) {
    await follower.release();
    await writes.close();
    dirty.forgetEchoes();
    dirty.markFull();
    follower.invalidate('a pass failed');
    opts.logger.warn({ err: error }, 'scheduling pass failed; retrying on the next pass');
    return { kind: 'failed', applied: 0, error };
  }
}

/**
 * A pass up to its writes: plans from the held view, hands `writes` what the plan settles while it plans (they are
 * written meanwhile) and the rest once planned, takes what the log entries need from the view, and releases it.
 * Undefined when the term ended while planning. Its own function so that nothing of the plan but the prepared
 * writes outlives it: the writes drop each chunk once written (execute.ts).
 */
async function planPass(
  opts: TermOptions,
  termSignal: AbortSignal,
  parts: PassParts,
  writes: WriteStream,
): Promise<{ logPass: (applied: boolean) => void; started: SplitPlan['moves'] } | undefined> {
  const { reporter, follower, clusterLog, balance, moves, dirty } = parts;
  // The live view and placement state, unchanged until released below (events wait): no O(units) copies.
  const { snapshot, base } = await follower.hold();
  // Taken in the same turn as the view: an event after it is in the next dirty set, never lost between.
  const dirtyScope = dirty.take();
  if (!parts.adopted) {
    await moves.adopt(snapshot);
    parts.adopted = true;
  }
  const pending = moves.units();
  // Planning is bounded by the term only: 100,000 units can take longer than one election TTL.
  const rebalance = balance.due();
  const held = await moves.held(snapshot);
  const scope = dirtyScope && { ...dirtyScope, units: new Set([...dirtyScope.units, ...pending]) };
  // Draining machines are looked at on every pass, with what is down because of moves (drain.ts).
  parts.draining = drainInProgress({ snapshot });
  const drain = parts.draining ? { drain: { busy: await moves.busy(snapshot, held), now: Date.now() } } : {};
  // Settled decisions are never part of a move (plan.ts, settledSoFar): splitMoves leaves them first in the plan.
  let handedOut = 0;
  const onSettled = (decisions: readonly Decision[]) => {
    handedOut += decisions.length;
    writes.push(prepareWrites(snapshot, base.units, decisions));
  };
  const planned = await planAsync(snapshot, opts.placement, { held, base, ...drain, ...(rebalance ? { rebalance } : {}), ...(scope ? { scope } : {}), ...(opts.planStepUnits ? { stepUnits: opts.planStepUnits } : {}) }, termSignal, onSettled);
  if (!planned) {
    await follower.release();
    return undefined;
  }
  const { plan, moves: started } = splitMoves(snapshot, planned);
  const looked = scope ? { planned: 'incremental', units: planned.considered?.size ?? 'every unscheduled' } : { planned: 'full' };
  opts.logger.debug({ ...looked, decisions: plan.decisions.length }, 'scheduling pass');
  // A round of moves is tried at most once per interval, whether or not it found one.
  if (plan.decisions.length > 0 || rebalance) balance.active();
  reporter.report(plan.unplaceable, plan.considered);
  // Everything the writes and the pass's log entries need from the view is taken now; then the view is released,
  // so events (this pass's own echoes too) are applied while it writes instead of waiting in memory.
  writes.push(prepareWrites(snapshot, base.units, plan.decisions.slice(handedOut)));
  const logPass = clusterLog.beforeWrites(snapshot, plan);
  await follower.release();
  return { logPass, started };
}

async function resign(opts: TermOptions, leadership: Leadership): Promise<void> {
  try {
    await withDeadline(leadership.resign(), opts.cleanupTimeoutMs, () => new Error('resign timed out'));
  } catch (err) {
    opts.logger.warn({ err }, 'resigning leadership failed; the election lease will expire');
  }
}

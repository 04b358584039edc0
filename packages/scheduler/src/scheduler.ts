/**
 * The scheduler service: campaigns for leadership, and while elected runs leader terms (see leader-term.ts).
 * Losing leadership sends it back to campaigning; stop() aborts the campaign or the term and resigns.
 */
import { backoffDelay, sleep, withDeadline } from '@flotilla/core';
import type { Logger } from 'pino';
import { leadTerm, type TermOptions } from './loop/leader-term.js';
import type { SchedulerRegistry } from './scheduler-registry.js';
import { defaultPlacementConfig } from './placement/place.js';

export interface SchedulerOptions {
  registry: SchedulerRegistry;
  /** Who campaigns: the machine id of the fleetd running this scheduler. */
  candidateId: string;
  /** Election lease TTL in seconds. */
  ttlSec: number;
  /** Periodic pass interval; default 2000 ms (fleet's engine_reconcile_interval). */
  intervalMs?: number;
  /** Least time between two passes woken by events; default 50 ms. */
  minGapMs?: number;
  /** Placement score: 'spread' (default) or 'binpack'. */
  score?: string;
  /** Full re-read of the cluster at least this often; default 60000 ms (the watch keeps it current between). */
  resyncIntervalMs?: number;
  /** Moves for balance: at most `maxMoves` (default 10) per round, a round only after `intervalMs` (default 30000)
   * without any decision; `false` switches it off. */
  rebalance?: { maxMoves?: number; intervalMs?: number } | false;
  /** A moved unit is placed again once its old machine reports it stopped, or after this long anyway; default 30000 ms. */
  moveStopTimeoutMs?: number;
  /** Passes plan only what watch events made dirty; a plan of every unit at least this often; default 30000 ms. */
  fullPassIntervalMs?: number;
  /** Units a plan places between two turns of the event loop, and between two handouts of its settled decisions to
   * the writes (docs/scheduler.md, "Writing while planning"); default 2,000 (plan.ts, PLAN_STEP_UNITS). */
  planStepUnits?: number;
  /** Deadline for the leader loop to wind down in stop(); default 5000 ms. */
  stopTimeoutMs?: number;
  logger: Logger;
}

export interface Scheduler {
  /** Stops campaigning or leading, resigns leadership; resolves within stopTimeoutMs. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** A new quiet interval before rebalancing (a daemon reload); the running term's clock reads it on its next
   * pass. No-op when rebalancing is off. */
  setRebalanceInterval(intervalMs: number): void;
}

const CAMPAIGN_RETRY_BASE_MS = 250;
const CAMPAIGN_RETRY_MAX_MS = 5000;

export async function startScheduler(opts: SchedulerOptions): Promise<Scheduler> {
  const stopping = new AbortController();
  const logger = opts.logger.child({ candidate: opts.candidateId });
  let leader = false;
  const term: TermOptions = {
    registry: opts.registry,
    logger,
    intervalMs: opts.intervalMs ?? 2000,
    minGapMs: opts.minGapMs ?? 50,
    passDeadlineMs: opts.ttlSec * 1000,
    cleanupTimeoutMs: Math.min(opts.stopTimeoutMs ?? 5000, 2000),
    stopSignal: stopping.signal,
    placement: defaultPlacementConfig(opts.score),
    resyncIntervalMs: opts.resyncIntervalMs ?? 60_000,
    moveStopTimeoutMs: opts.moveStopTimeoutMs ?? 30_000,
    fullPassIntervalMs: opts.fullPassIntervalMs ?? 30_000,
    ...(opts.planStepUnits === undefined ? {} : { planStepUnits: opts.planStepUnits }),
    ...(opts.rebalance === false ? {} : { rebalance: { maxMoves: opts.rebalance?.maxMoves ?? 10, intervalMs: opts.rebalance?.intervalMs ?? 30_000 } }),
  };
  const running = campaignLoop(opts, term, (value) => {
    leader = value;
  });
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
  return {
    isLeader: () => leader,
    setRebalanceInterval: (intervalMs) => {
      if (term.rebalance) term.rebalance.intervalMs = intervalMs;
    },
    async stop() {
      stopping.abort();
      await withDeadline(running, stopTimeoutMs, () => new Error(`scheduler did not stop within ${stopTimeoutMs} ms`)).catch(
        (err: unknown) => logger.warn({ err }, 'scheduler stop timed out'),
      );
    },
  };
}

async function campaignLoop(opts: SchedulerOptions, term: TermOptions, setLeader: (v: boolean) => void): Promise<void> {
  const { logger, stopSignal } = term;
  let failures = 0;
  while (!stopSignal.aborted) {
    let leadership;
    try {
      leadership = await opts.registry.campaign(opts.candidateId, opts.ttlSec, stopSignal);
    } catch (err) {
      if (stopSignal.aborted) break;
      const delay = backoffDelay(failures++, { baseMs: CAMPAIGN_RETRY_BASE_MS, maxMs: CAMPAIGN_RETRY_MAX_MS });
      logger.warn({ err, retryInMs: delay }, 'campaign failed');
      await sleep(delay, stopSignal);
      continue;
    }
    failures = 0;
    setLeader(true);
    leadership.onLost(() => setLeader(false));
    logger.info({ fence: leadership.fence }, 'elected scheduler leader');
    try {
      const end = await leadTerm(term, leadership);
      logger.info({ end }, end === 'lost' ? 'leader term ended: leadership lost; campaigning again' : 'leader term ended');
    } catch (err) {
      logger.error({ err }, 'leader term failed; campaigning again');
    } finally {
      setLeader(false);
    }
  }
}

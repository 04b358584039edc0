/**
 * One term as leader: watch the registry, run passes (snapshot → plan → execute) until leadership is lost
 * or the scheduler stops, then resign. A lost leadership stops acting at once: the term's signal aborts,
 * the executor checks it between decisions, and every write is fenced anyway.
 */
import type { ClusterRegistry, LeaderElection, Leadership } from '@flotilla/core';
import type { Logger } from 'pino';
import { planSchedule } from '../plan.js';
import { executeDecisions, type ExecutionOutcome } from './execute.js';
import { PassTrigger } from './pass-trigger.js';
import { withDeadline } from './timing.js';
import { UnplaceableReporter } from './unplaceable-reporter.js';
import { SchedulingWatch } from './watch.js';

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
}

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
  const watch = new SchedulingWatch(opts.registry, opts.logger, opts.cleanupTimeoutMs, () => trigger.nudge());
  const reporter = new UnplaceableReporter(opts.logger);
  try {
    while (await trigger.next(term.signal)) {
      await watch.ensure();
      const outcome = await runPass(opts, leadership, term.signal, reporter);
      if (outcome.kind === 'leadership-lost') {
        lost = true;
        break;
      }
      if (outcome.kind === 'conflict') trigger.nudge();
    }
  } finally {
    opts.stopSignal.removeEventListener('abort', stopTerm);
    await watch.close();
    resigning = true;
    await resign(opts, leadership);
  }
  return lost && !opts.stopSignal.aborted ? 'lost' : 'stopped';
}

async function runPass(opts: TermOptions, leadership: Leadership, termSignal: AbortSignal, reporter: UnplaceableReporter): Promise<ExecutionOutcome> {
  const signal = AbortSignal.any([termSignal, AbortSignal.timeout(opts.passDeadlineMs)]);
  try {
    const snapshot = await opts.registry.snapshot();
    const plan = planSchedule(snapshot);
    reporter.report(plan.unplaceable);
    const ctx = { registry: opts.registry, snapshot, fence: leadership.fence, logger: opts.logger, signal };
    return await executeDecisions(ctx, plan.decisions);
  } catch (error) {
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

/**
 * The health-check state machine of one unit, pure: the previous state, one probe outcome and the
 * time → the next state and whether to restart the unit now. `starting` until the first success; `unhealthy`
 * after `retries` failures in a row; a restart (when the policy allows) only once the back-off since the
 * previous health restart has passed, doubling per restart and reset by a success.
 */
import { backoffDelay, type UnitHealth } from '@flotilla/core';

export interface CheckPolicy {
  retries: number;
  restart: boolean;
  /** First back-off between two health restarts, doubled per restart up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export type ProbeOutcome = { ok: true } | { ok: false; message: string };

export interface CheckState {
  health: UnitHealth;
  /** Health restarts since the last success (drives the back-off). */
  restarts: number;
  /** No health restart before this time (ms since epoch). */
  restartNotBefore: number;
}

export interface CheckStep {
  state: CheckState;
  /** Set when the unit must be restarted now; the reason is logged. */
  restart?: string;
}

export const DEFAULT_HEALTH_BACKOFF = { backoffMs: 10_000, maxBackoffMs: 300_000 } as const;

/**
 * The state of a unit that has just become active (again): starting, nothing counted; but a unit that was
 * unhealthy (e.g. restarted for it) stays unhealthy, with its back-off, until a check passes.
 */
export function initialCheckState(now: number, carried?: CheckState): CheckState {
  if (carried?.health.status === 'unhealthy') return carried;
  return {
    health: { status: 'starting', checkedAt: now, failures: 0 },
    restarts: carried?.restarts ?? 0,
    restartNotBefore: carried?.restartNotBefore ?? 0,
  };
}

export function nextCheckState(prev: CheckState, outcome: ProbeOutcome, now: number, policy: CheckPolicy): CheckStep {
  if (outcome.ok) {
    return { state: { health: { status: 'healthy', checkedAt: now, failures: 0 }, restarts: 0, restartNotBefore: 0 } };
  }
  const failures = prev.health.failures + 1;
  const failing = failures >= policy.retries;
  const status = failing ? 'unhealthy' : prev.health.status;
  const state: CheckState = { ...prev, health: { status, checkedAt: now, failures, message: outcome.message } };
  if (!failing || !policy.restart || now < prev.restartNotBefore) return { state };
  const delay = backoffDelay(prev.restarts, { baseMs: policy.backoffMs, maxMs: policy.maxBackoffMs });
  return {
    state: { ...state, restarts: prev.restarts + 1, restartNotBefore: now + delay },
    restart: `${failures} health checks failed in a row (last: ${outcome.message})`,
  };
}

/**
 * What the health model reads from one published unit state: the actual state, the health check
 * result (the unit's own checks, else its container engine's), restarts and since-when. Pure.
 */
import type { UnitStateRecord } from '@flotilla/core';
import type { ActualState, CheckStatus } from './types.js';

export function actualOf(state: UnitStateRecord | undefined): ActualState {
  if (!state) return 'inactive';
  if (state.activeState === 'failed') return 'failed';
  return state.activeState === 'active' ? 'launched' : 'loaded';
}

const CHECK_VALUES: ReadonlySet<string> = new Set<CheckStatus>(['starting', 'healthy', 'unhealthy']);

/** Unhealthy if either source says so; otherwise the unit's own checks win over the engine's. */
export function checkOf(state: UnitStateRecord | undefined): CheckStatus | undefined {
  const own = state?.health?.status;
  const engine = state?.container?.health;
  const fromEngine = engine !== undefined && CHECK_VALUES.has(engine) ? (engine as CheckStatus) : undefined;
  if (own === 'unhealthy' || fromEngine === 'unhealthy') return 'unhealthy';
  return own ?? fromEngine;
}

/** Since when the unit is in its state: systemd's StateChangeTimestamp when published, else the observation. */
export function sinceOf(state: UnitStateRecord): number {
  return state.since ?? state.updatedAt;
}

/** Sum of the published restart counters; undefined when none of the states carries one. */
export function restartsOf(states: readonly (UnitStateRecord | undefined)[]): number | undefined {
  let sum: number | undefined;
  for (const s of states) if (s?.restarts !== undefined) sum = (sum ?? 0) + s.restarts;
  return sum;
}

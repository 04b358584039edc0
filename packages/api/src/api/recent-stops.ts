/**
 * fleetctl 1.0's `restart` against an agent that acts at once (docs/fleetctl-compat.md, "restart").
 *
 * fleetctl (coreos/fleet fleetctl/restart.go) PUTs desiredState `loaded`, looks at `GET /units/<n>` every 250 ms
 * until currentState is `launched`, and only then PUTs `launched`. fleet's currentState stayed `launched` until its
 * agent acted (registry/job_state.go), about 1 s after the PUT (registry/event.go sleeps 1 s after each watch
 * reply), so fleetctl's first look passed. Ours stops the unit within ~100 ms, and fleetctl would look forever.
 * So, for a non-global unit that a v1 PUT on this agent moved from `launched` to `loaded`:
 * - echo: for ECHO_MS after that PUT, `GET /units/<n>` on this agent reports `launched` where it would report
 *   `loaded`, as fleet did for that long. Lists, `/state`, `/v2` and the other agents never do; the next PUT or
 *   DELETE of the unit ends it.
 * - hold: a PUT of `launched` that follows while a machine still runs the unit waits (at most HOLD_MAX_MS) for
 *   the stop to take effect; the agent is level-triggered and would otherwise never see `loaded`, so the unit
 *   would not restart.
 * The rules are pure; RecentStops is the per-server memory they read (clock injected).
 */
import type { DesiredState, UnitStateRecord } from '@flotilla/core';
import type { CurrentState } from './json.js';

/** fleet's reaction time, which also leaves a slow first look (a --tunnel, a busy host) three ticks of slack. */
export const ECHO_MS = 1000;
/** Below our CLI's default 3 s --request-timeout (fleetctl's API driver sets none). */
export const HOLD_MAX_MS = 2000;
/** A stop older than this holds nothing (and is forgotten: the memory stays small). */
export const FORGET_MS = 30_000;

/** systemd ActiveStates of a unit that still runs: as the CLI's `stop` wait (cli/src/units/wait.ts). */
const RUNNING = new Set(['active', 'activating', 'deactivating', 'reloading']);

/** A v1 PUT that stops a running, non-global unit: what fleetctl's restart does first. */
export function isRestartStop(before: DesiredState, after: DesiredState, global: boolean): boolean {
  return !global && before === 'launched' && after === 'loaded';
}

/** What `GET /units/<n>` reports: `loaded` reads `launched` for ECHO_MS after a restart's stop. */
export function reportedCurrentState(derived: CurrentState, stoppedAt: number | undefined, now: number): CurrentState {
  if (derived !== 'loaded' || stoppedAt === undefined) return derived;
  return now - stoppedAt < ECHO_MS ? 'launched' : derived;
}

/** Whether a PUT of `launched` waits for a restart's stop: within FORGET_MS of it, while desired is still `loaded`. */
export function mustHoldStart(before: DesiredState, after: DesiredState, stoppedAt: number | undefined, now: number): boolean {
  return before === 'loaded' && after === 'launched' && stoppedAt !== undefined && now - stoppedAt < FORGET_MS;
}

/** The stop took effect: no machine reports the unit running. */
export function stopTookEffect(states: readonly UnitStateRecord[]): boolean {
  return !states.some((s) => RUNNING.has(s.activeState));
}

export class RecentStops {
  private readonly stops = new Map<string, number>();

  constructor(readonly now: () => number = Date.now) {}

  /** A desired-state change made through a v1 PUT: a restart's stop is remembered, any other change forgets. */
  changed(name: string, before: DesiredState, after: DesiredState, global: boolean): void {
    this.stops.delete(name);
    if (!isRestartStop(before, after, global)) return;
    const now = this.now();
    for (const [unit, at] of this.stops) if (now - at >= FORGET_MS) this.stops.delete(unit);
    this.stops.set(name, now);
  }

  /** The unit was created, replaced or destroyed. */
  forget(name: string): void {
    this.stops.delete(name);
  }

  stoppedAt(name: string): number | undefined {
    return this.stops.get(name);
  }

  report(name: string, derived: CurrentState): CurrentState {
    return reportedCurrentState(derived, this.stops.get(name), this.now());
  }
}

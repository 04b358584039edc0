/**
 * `[X-Fleet] StopOnLeaseLoss=true`: a unit that must never run twice. While its agent is cut off from etcd
 * (no contact for a third of the lease TTL, or the lease lost), the agent wants it stopped, so it is down before
 * the lease can expire and the scheduler place it elsewhere. Once contact is back, it stays stopped until a fresh
 * snapshot confirms the unit is still assigned here and the machine key outlived the cut-off; then the desired
 * state applies again (and the agent starts it). The planner applies the fence (plan.ts); this module says who
 * opted in and why a unit is held, and closes it once more at the moment of each start (`fenceStarts`). Pure.
 */
export { STOP_ON_LEASE_LOSS_KEY, wantsStopOnLeaseLoss } from '@flotilla/core';
import type { TaskEffects } from './execute.js';


/** The machine's contact with etcd, as the fence sees it. */
export type ContactState = 'in-contact' | 'cut-off' | 'unconfirmed';

export const REASON_CUT_OFF = 'machine cut off from etcd: StopOnLeaseLoss';
export const REASON_UNCONFIRMED = 'machine back in contact with etcd, assignment not yet confirmed: StopOnLeaseLoss';


/** Why an opted-in unit desired `launched` is held at `loaded` (stopped) in this state; undefined: it is not. */
export function fenceReason(contact: ContactState): string | undefined {
  if (contact === 'cut-off') return REASON_CUT_OFF;
  if (contact === 'unconfirmed') return REASON_UNCONFIRMED;
  return undefined;
}

/** A Start the fence refused when its turn came (the unit is left for the next pass). */
export class FencedStartError extends Error {
  constructor(readonly unit: string, readonly reason: string) {
    super(`not starting ${unit}: ${reason}`);
    this.name = 'FencedStartError';
  }
}

/**
 * The fence once more when an opted-in unit's Start runs: a pass plans before its Unloads and Stops, which may wait
 * for units to go down for seconds, and contact may be lost (or not yet confirmed again) by then. A refused Start
 * fails that unit's task only; the pass that the contact change asked for plans again.
 */
export function fenceStarts(effects: TaskEffects, optedIn: ReadonlySet<string>, contact: () => ContactState): TaskEffects {
  return {
    ...effects,
    Start: async (unit) => {
      const reason = optedIn.has(unit) ? fenceReason(contact()) : undefined;
      if (reason !== undefined) throw new FencedStartError(unit, reason);
      await effects.Start(unit);
    },
  };
}

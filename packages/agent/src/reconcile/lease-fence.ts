/**
 * `[X-Fleet] StopOnLeaseLoss=true`: a unit that must never run twice. While its agent is cut off from etcd
 * (no contact for a third of the lease TTL, or the lease lost), the agent wants it stopped, so it is down before
 * the lease can expire and the scheduler place it elsewhere. Once contact is back, it stays stopped until a fresh
 * snapshot confirms the unit is still assigned here and the machine key outlived the cut-off; then the desired
 * state applies again (and the agent starts it). The planner applies the fence (plan.ts); this module says who
 * opted in and why a unit is held. Pure.
 */
import type { UnitOption } from '@flotilla/core';

export const STOP_ON_LEASE_LOSS_KEY = 'StopOnLeaseLoss';
const TRUTHY = new Set(['true', 'yes', '1', 'on', 't']);

/** The machine's contact with etcd, as the fence sees it. */
export type ContactState = 'in-contact' | 'cut-off' | 'unconfirmed';

export const REASON_CUT_OFF = 'machine cut off from etcd: StopOnLeaseLoss';
export const REASON_UNCONFIRMED = 'machine back in contact with etcd, assignment not yet confirmed: StopOnLeaseLoss';

export function wantsStopOnLeaseLoss(options: readonly UnitOption[]): boolean {
  const values = options.filter((o) => o.section === 'X-Fleet' && o.name === STOP_ON_LEASE_LOSS_KEY);
  const last = values.at(-1)?.value.trim().toLowerCase();
  return last !== undefined && TRUTHY.has(last);
}

/** Why an opted-in unit desired `launched` is held at `loaded` (stopped) in this state; undefined: it is not. */
export function fenceReason(contact: ContactState): string | undefined {
  if (contact === 'cut-off') return REASON_CUT_OFF;
  if (contact === 'unconfirmed') return REASON_UNCONFIRMED;
  return undefined;
}

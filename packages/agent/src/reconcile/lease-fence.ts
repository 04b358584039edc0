/**
 * `[X-Fleet] StopOnLeaseLoss=true`: a unit that must never run twice. While its agent is cut off from etcd
 * (no contact for half the lease TTL, or the lease lost), the agent wants it stopped, so it is down before the
 * lease can expire and the scheduler place it elsewhere. Once contact is back and the unit is still assigned
 * here, the desired state applies again (and the agent starts it). Pure.
 */
import type { UnitOption } from '@flotilla/core';
import type { DesiredUnit } from './plan.js';

export const STOP_ON_LEASE_LOSS_KEY = 'StopOnLeaseLoss';
const TRUTHY = new Set(['true', 'yes', '1', 'on', 't']);

export function wantsStopOnLeaseLoss(options: readonly UnitOption[]): boolean {
  const values = options.filter((o) => o.section === 'X-Fleet' && o.name === STOP_ON_LEASE_LOSS_KEY);
  const last = values.at(-1)?.value.trim().toLowerCase();
  return last !== undefined && TRUTHY.has(last);
}

/** Desired state with every opted-in launched unit held at `loaded` (stopped) while cut off. */
export function fenceDesired(
  desired: ReadonlyMap<string, DesiredUnit>,
  optedIn: ReadonlySet<string>,
  cutOff: boolean,
): Map<string, DesiredUnit> {
  const out = new Map(desired);
  if (!cutOff) return out;
  for (const name of optedIn) {
    const want = out.get(name);
    if (want?.desiredState === 'launched') out.set(name, { ...want, desiredState: 'loaded' });
  }
  return out;
}

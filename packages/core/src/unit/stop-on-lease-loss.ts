/**
 * `[X-Fleet] StopOnLeaseLoss=true`: a unit that must never run twice, at the price of downtime. The agent stops
 * it while cut off from etcd (agent/src/reconcile/lease-fence.ts); the scheduler never places it elsewhere while
 * its old machine still reports it running (scheduler/src/stop-before-start.ts). docs/agent.md, "Never run twice".
 */
import type { UnitOption } from '../model.js';

export const STOP_ON_LEASE_LOSS_KEY = 'StopOnLeaseLoss';
const TRUTHY = new Set(['true', 'yes', '1', 'on', 't']);

/** The last `StopOnLeaseLoss=` of [X-Fleet] decides, read as systemd reads a boolean. */
export function wantsStopOnLeaseLoss(options: readonly UnitOption[]): boolean {
  const values = options.filter((o) => o.section === 'X-Fleet' && o.name === STOP_ON_LEASE_LOSS_KEY);
  const last = values.at(-1)?.value.trim().toLowerCase();
  return last !== undefined && TRUTHY.has(last);
}

/**
 * The StopOnLeaseLoss fence at the moment of the cut-off verdict, outside the pass queue (lease-fence.ts says
 * why units are fenced, plan.ts applies it in every pass). Passes never overlap, and one may be waiting on etcd
 * (its state publish has the request deadline, 5 s) when the verdict comes: the Stop must not wait behind it, or
 * the unit may still run when the lease expires and the scheduler starts it elsewhere. Pure.
 */
import { fenceReason, type ContactState } from './lease-fence.js';
import { isLaunched, type CurrentUnit, type Task } from './plan.js';

/** Stops for the opted-in units the agent runs (its own, launched or running), in name order; none in contact. */
export function fenceStops(optedIn: ReadonlySet<string>, current: ReadonlyMap<string, CurrentUnit>, contact: ContactState): Task[] {
  const reason = fenceReason(contact);
  if (reason === undefined) return [];
  return [...optedIn]
    .filter((unit) => {
      const have = current.get(unit);
      return have !== undefined && have.foreign !== true && isLaunched(have);
    })
    .sort()
    .map((unit) => ({ kind: 'Stop' as const, unit, reason }));
}

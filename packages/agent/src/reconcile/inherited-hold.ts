/**
 * The start side of the inherited-assignment rule (assignments/inherited.ts, docs/agent.md "Returning after a
 * lost lease"): a held, non-global unit that would have to be started here is held at `loaded` instead (the
 * planner does that, plan.ts, with REASON_HELD) and handed back to the scheduler (`release`). A unit already
 * running here keeps running: nothing new starts. Global units are never held (they belong on every machine;
 * they cannot run "twice"). This module maps registry names to the systemd names the planner works on and
 * back. Pure.
 */
import { isHeld, type Held } from '../assignments/inherited.js';

export const REASON_HELD = 'held: assignment may predate this registration (inherited), not yet confirmed';

export interface HoldInput {
  /** systemd name → registry unit name, for every desired unit. */
  units: ReadonlyMap<string, string>;
  /** systemd names of global units. */
  global: ReadonlySet<string>;
  held: Held;
}

/** systemd names of the desired units the planner may not start (PlanGuards.held). */
export function heldSystemdNames({ units, global, held }: HoldInput): Set<string> {
  const names = new Set<string>();
  for (const [name, unit] of units) if (!global.has(name) && isHeld(held, unit)) names.add(name);
  return names;
}

/** Registry names of the units the plan held back as inherited, to release (unassign from this machine); none
 * until a registration snapshot (`held` is 'all' before it: nothing is known to be inherited yet). `heldBack` is
 * the planner's (plan.ts `HeldBack`), typed by its shape so that plan.ts can import this module without a cycle. */
export function unitsToRelease(heldBack: readonly { unit: string; reason: string }[], { units, held }: Pick<HoldInput, 'units' | 'held'>): string[] {
  if (held === 'all') return [];
  return heldBack.filter((h) => h.reason === REASON_HELD).flatMap((h) => units.get(h.unit) ?? []);
}

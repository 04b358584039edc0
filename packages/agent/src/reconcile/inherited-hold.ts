/**
 * The start side of the inherited-assignment rule (assignments/inherited.ts, docs/agent.md "Returning after a
 * lost lease"): a held, non-global unit that would have to be started here is held at `loaded` instead and
 * handed back to the scheduler (`release`). A unit already running here keeps running: nothing new starts.
 * Global units are never held (they belong on every machine; they cannot run "twice"). Pure.
 */
import { isHeld, type Held } from '../assignments/inherited.js';
import { isLaunched, type CurrentUnit, type DesiredUnit } from './plan.js';

export interface HoldInput {
  desired: ReadonlyMap<string, DesiredUnit>;
  current: ReadonlyMap<string, CurrentUnit>;
  /** systemd name → registry unit name. */
  units: ReadonlyMap<string, string>;
  /** systemd names of global units. */
  global: ReadonlySet<string>;
  held: Held;
}

export interface HoldResult {
  desired: Map<string, DesiredUnit>;
  /** Registry names to release (unassign from this machine); empty until a registration snapshot. */
  release: string[];
}

export function holdInherited({ desired, current, units, global, held }: HoldInput): HoldResult {
  const out = new Map(desired);
  const release: string[] = [];
  for (const [name, want] of desired) {
    const unit = units.get(name);
    if (unit === undefined || global.has(name) || !isHeld(held, unit)) continue;
    if (want.desiredState !== 'launched') continue;
    const have = current.get(name);
    if (have !== undefined && have.hash === want.hash && isLaunched(have)) continue;
    out.set(name, { ...want, desiredState: 'loaded' });
    if (held !== 'all') release.push(unit);
  }
  return { desired: out, release };
}

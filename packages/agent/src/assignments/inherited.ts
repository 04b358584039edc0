/**
 * Which of this machine's assignments the agent may not start yet, because they may predate its current
 * registration (docs/agent.md, "Returning after a lost lease"). Pure.
 *
 * - Until the first snapshot read after a registration, every assignment is held (`'all'`): the machine key
 *   may be gone and the scheduler about to move whatever the mirror shows.
 * - A snapshot read after a registration (`inherit`) holds exactly the units it lists: any of them may have
 *   been written by a scheduler pass that knew only the machine's previous incarnation.
 * - A later snapshot (compaction, contact regained) keeps holding the held units it still lists.
 * - A delete releases the hold (a later put of that unit is a new assignment, written after the snapshot);
 *   a put of a held unit keeps it held (the CLI's desired-state rewrite is no sign the scheduler saw us).
 * - Losing the lease holds everything again.
 */
import type { WatchEvent } from '@flotilla/core';

export type Held = ReadonlySet<string> | 'all';

export const HOLD_ALL: Held = 'all';

export function isHeld(held: Held, unit: string): boolean {
  return held === 'all' || held.has(unit);
}

export function heldAfterSnapshot(held: Held, units: Iterable<string>, inherit: boolean): Held {
  if (inherit) return new Set(units);
  if (held === 'all') return held;
  const listed = new Set(units);
  return new Set([...held].filter((u) => listed.has(u)));
}

export function heldAfterEvent(held: Held, event: Pick<WatchEvent<unknown>, 'type' | 'key'>): Held {
  if (held === 'all' || event.type === 'put' || !held.has(event.key)) return held;
  const next = new Set(held);
  next.delete(event.key);
  return next;
}

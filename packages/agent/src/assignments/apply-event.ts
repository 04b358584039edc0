/** One watch event applied to the mirror of this machine's assignments (keys are unit names). Pure. */
import type { Assignment, WatchEvent } from '@flotilla/core';

/** Applies `event` in place; returns whether anything the reconciler cares about changed. */
export function applyAssignmentEvent(assignments: Map<string, Assignment>, event: WatchEvent<Assignment>): boolean {
  if (event.type === 'delete') return assignments.delete(event.key);
  const before = assignments.get(event.key);
  const after = event.value;
  assignments.set(event.key, after);
  return before === undefined || before.hash !== after.hash || before.desiredState !== after.desiredState;
}

/**
 * Why can these units not be placed? Runs the scheduler's own planner (pure `planSchedule`) on a fresh
 * snapshot and returns its reasons for the named units it could not place.
 */
import type { ClusterRegistry } from '@flotilla/core';
import type { Unplaceable } from '@flotilla/scheduler';

export async function explainUnplaceable(registry: ClusterRegistry, units: readonly string[]): Promise<Unplaceable[]> {
  const wanted = new Set(units);
  // Loaded on first use: only a start that waits long needs the planner.
  const { planSchedule } = await import('@flotilla/scheduler');
  const plan = planSchedule(await registry.snapshot());
  return plan.unplaceable.filter((u) => wanted.has(u.unit));
}

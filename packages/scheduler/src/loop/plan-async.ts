/**
 * Runs the pure planner in steps, giving the event loop a turn between them: planning 100,000 units takes
 * seconds, longer than an election keepalive interval, and a blocked loop would lose leadership mid-plan.
 */
import type { ClusterSnapshot } from '@flotilla/core';
import { planSteps, type Decision, type PlanOptions, type SchedulePlan } from '../plan.js';
import type { PlacementConfig } from '../placement/types.js';

/** `onSettled`: decisions the plan has made final before it ends (plan.ts, PlanStep), in order; the plan returned
 * still holds them, first. */
export async function planAsync(
  snapshot: ClusterSnapshot,
  config: PlacementConfig,
  opts: PlanOptions,
  signal: AbortSignal,
  onSettled?: (decisions: readonly Decision[]) => void,
): Promise<SchedulePlan | undefined> {
  const steps = planSteps(snapshot, config, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (step.value) onSettled?.(step.value);
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) return undefined;
  }
}

/**
 * Runs the pure planner in steps, giving the event loop a turn between them: planning 100,000 units takes
 * seconds, longer than an election keepalive interval, and a blocked loop would lose leadership mid-plan.
 */
import type { ClusterSnapshot } from '@flotilla/core';
import { planSteps, type PlanOptions, type SchedulePlan } from '../plan.js';
import type { PlacementConfig } from '../placement/types.js';

export async function planAsync(snapshot: ClusterSnapshot, config: PlacementConfig, opts: PlanOptions, signal: AbortSignal): Promise<SchedulePlan | undefined> {
  const steps = planSteps(snapshot, config, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) return undefined;
  }
}

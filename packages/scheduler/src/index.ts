export * from './placement/index.js';
export * from './plan.js';
export { startScheduler, type Scheduler, type SchedulerOptions } from './scheduler.js';
export type { SchedulerRegistry } from './scheduler-registry.js';
export { executeDecisions, type ExecutionOutcome, type ExecuteContext } from './loop/execute.js';
export { planUnits, type UnitPlan } from './plan-units.js';

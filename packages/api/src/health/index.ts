/** What other packages use of the health views (the CLI's `flotilla health`). */
export { buildHealth } from './model.js';
export { renderHealthSummary, describeEvent } from './summary.js';
export { readHealthInput, type OpsRegistry } from './source.js';
export type { HealthReport, HealthInput, ServiceHealth, UnitHealth, MachineHealth, Problem, ProblemKind, UnitHealthStatus } from './types.js';

export { startAgent, DEFAULT_RECONCILE_INTERVAL_MS, type AgentConfig, type AgentHandle } from './agent.js';
export { SystemdManager, UNKNOWN_UNIT_STATE, type SystemdManagerOptions, type UnitsChangedListener } from './systemd/manager.js';
export { SystemdError, translateDbusError, isNoSuchUnit, type SystemdErrorCode } from './systemd/errors.js';
export { UnitFiles, DEFAULT_UNITS_DIR, MANAGED_UNIT_SUFFIXES, isManagedUnitName, unitTextHash, type UnitFileEntry } from './unit-files.js';
export * from './reconcile/plan.js';
export { executeTasks, type TaskEffects, type TaskResult } from './reconcile/execute.js';
export * from './api/index.js';

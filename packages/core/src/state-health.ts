/**
 * What one published unit state says about serving, pure. Both health sources must agree: the agent's
 * `HealthCheck=` result (`state.health`, `starting` from the moment the unit is active) and, for a container unit,
 * the engine's own `HealthCmd=` result (`state.container.health`). A check still `starting` is not passing yet.
 * Stricter than the health API's summary (packages/api/src/health/unit-state.ts), where the unit's own check wins:
 * neither a rollout nor a load balancer should count on an instance one of its checks still doubts.
 */
import type { UnitStateRecord } from './model.js';

export type StateHealth = 'healthy' | 'failed' | 'waiting';

/**
 * Whether an instance may be sent traffic (its endpoint published: docs/discovery.md, "Only ready instances"):
 * active, and every check it has passing. Unlike `stateHealth` a container's engine state is not waited for, only
 * its `HealthCmd=` result when the engine reports one: that state is read a reconcile pass after systemd's `active`,
 * and a moved service without checks must be answered as soon as systemd runs it.
 */
export function readyForTraffic(st: Pick<UnitStateRecord, 'activeState' | 'health' | 'container'>): boolean {
  return st.activeState === 'active' && (st.health === undefined || st.health.status === 'healthy') && (st.container?.health === undefined || st.container.health === 'healthy');
}

/** Whether a rolling deployment counts the instance healthy, or failed (docs/deployments.md, "Healthy"). */
export function stateHealth(st: Pick<UnitStateRecord, 'activeState' | 'health' | 'container'>): StateHealth {
  if (st.activeState === 'failed' || st.health?.status === 'unhealthy' || st.container?.health === 'unhealthy') return 'failed';
  if (st.activeState !== 'active') return 'waiting';
  if (st.health !== undefined && st.health.status !== 'healthy') return 'waiting';
  const c = st.container;
  // No container summary (a plain unit, or the engine's answer left out on error): systemd's state decides.
  if (c === undefined) return 'healthy';
  // The service is active a moment before its container runs (pull, create); `unknown`: the engine did not answer.
  if (c.state !== 'running') return 'waiting';
  return c.health === undefined || c.health === 'healthy' ? 'healthy' : 'waiting';
}

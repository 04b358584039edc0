/**
 * Whether one published state of a deployed instance counts as healthy for the deployment gate, pure
 * (docs/deployments.md "Healthy"). Both health sources must agree: the agent's `HealthCheck=` result
 * (`state.health`) and, for a container unit, the engine's own `HealthCmd=` result (`state.container.health`,
 * published by the agent: packages/agent/src/unit-probes/state-extras.ts). A container whose check is still
 * `starting` is not healthy yet; `unhealthy` from either source fails the instance. Stricter than the health
 * API's summary (packages/api/src/health/unit-state.ts), where the unit's own check wins: a rollout must not go on
 * past an instance one of its checks still doubts.
 */
import type { UnitStateRecord } from '@flotilla/core';

export type InstanceHealth = 'healthy' | 'failed' | 'waiting';

export function stateHealth(st: Pick<UnitStateRecord, 'activeState' | 'health' | 'container'>): InstanceHealth {
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

/** An instance's health on `target` from all its published states (one per machine reporting it). */
export function instanceHealth(states: readonly UnitStateRecord[], target: string): InstanceHealth {
  const mine = states.filter((st) => st.hash === target).map(stateHealth);
  if (mine.includes('healthy')) return 'healthy';
  if (mine.includes('failed')) return 'failed';
  return 'waiting';
}

/**
 * What one published unit state says about serving, pure. Both health sources must agree: the agent's
 * `HealthCheck=` result (`state.health`, `starting` from the moment the unit is active) and, for a container unit,
 * the engine's own `HealthCmd=` result (`state.container.health`). A check still `starting` is not passing yet.
 * Stricter than the health API's summary (packages/api/src/health/unit-state.ts), where the unit's own check wins:
 * neither a rollout nor a load balancer should count on an instance one of its checks still doubts.
 */
import type { UnitOption, UnitStateRecord } from './model.js';
import { healthCheckConfig } from './unit/health-keys.js';

export type StateHealth = 'healthy' | 'failed' | 'waiting';

/** The checks a unit declares: its own `[X-Flotilla] HealthCheck=`, and a container's `[Container] HealthCmd=`. */
export interface DeclaredChecks {
  own: boolean;
  engine: boolean;
}

export const NO_CHECKS: DeclaredChecks = { own: false, engine: false };

/**
 * Read as the agent runs them: its own check when `healthCheckConfig` gives one (a config it cannot read is ignored
 * with a warning, packages/agent/src/unit-probes/monitor.ts, so it is no check here either); the engine's when
 * `HealthCmd=` is set and not `none` (packages/agent/src/containers/spec.ts). The last value of a key wins.
 */
export function declaredChecks(unitName: string, options: readonly UnitOption[]): DeclaredChecks {
  let own: boolean;
  try {
    own = healthCheckConfig(unitName, options) !== undefined;
  } catch {
    own = false;
  }
  let cmd = '';
  for (const o of options) if (o.section === 'Container' && o.name === 'HealthCmd') cmd = o.value.trim();
  return { own, engine: cmd !== '' && cmd !== 'none' };
}

/**
 * Whether an instance may be sent traffic (its endpoint published: docs/discovery.md, "Only ready instances"):
 * active, and every check it declares passing. A declared check with no result yet counts as `starting`: the
 * engine reports no `HealthCmd=` result until the container runs, a moment after systemd's `active`, and an
 * endpoint published in between would come and go. Unlike `stateHealth`, a container without checks is not waited
 * for (the engine's `running` comes that moment later too): a moved service without checks is answered as soon as
 * systemd runs it.
 */
export function readyForTraffic(st: Pick<UnitStateRecord, 'activeState' | 'health' | 'container'>, checks: DeclaredChecks = NO_CHECKS): boolean {
  if (st.activeState !== 'active') return false;
  const own = st.health?.status ?? (checks.own ? 'starting' : undefined);
  const engine = st.container?.health ?? (checks.engine ? 'starting' : undefined);
  return (own === undefined || own === 'healthy') && (engine === undefined || engine === 'healthy');
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

/**
 * The container part of a unit's state, ready for the state publisher: what the engine says about the unit's
 * container, and the last pull error while the image is missing. Published as `UnitStateRecord.container`
 * (`unit-container.ts`, docs/containers.md "Container state in the unit state").
 */
import type { ContainerEngineClient, ContainerStatus } from './engine-client.js';
import type { PullRecord } from './pull-backoff.js';
import type { PullStore } from './pull-store.js';
import type { ContainerEngineName } from './spec.js';

export interface ContainerUnitState {
  engine: ContainerEngineName;
  container: string;
  /** running, exited, created, … or `absent` (no container of that name) or `pull-failed`. */
  state: string;
  exitCode?: number;
  /** healthy, unhealthy, starting; absent without a health check. */
  health?: string;
  /** The engine's reason for the last failed pull while the image is missing. */
  pullError?: string;
}

/** Pure: the engine's view and the pull record → the published container state. */
export function containerUnitState(
  engine: ContainerEngineName,
  container: string,
  status: ContainerStatus | undefined,
  pull: PullRecord | undefined,
): ContainerUnitState {
  const base = { engine, container };
  if (status !== undefined) {
    return {
      ...base,
      state: status.state,
      ...(status.running ? {} : { exitCode: status.exitCode }),
      ...(status.health === undefined ? {} : { health: status.health }),
    };
  }
  if (pull !== undefined && pull.failures > 0) return { ...base, state: 'pull-failed', pullError: pull.lastError ?? 'unknown error' };
  return { ...base, state: 'absent' };
}

/** Reads both sources for one unit; an engine that does not answer throws ContainerEngineError. */
export async function readContainerState(
  unit: string,
  container: string,
  client: ContainerEngineClient,
  store: PullStore,
): Promise<ContainerUnitState> {
  const [status, pull] = await Promise.all([client.inspect(container), store.read(unit)]);
  return containerUnitState(client.engine, container, status, pull);
}

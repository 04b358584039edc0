/**
 * The agent's `StatePublisher.extras`: a container unit's engine state and any unit's health-check
 * result, both read when the publisher reads the unit's systemd state (driven by systemd's signals, no poll).
 */
import { readFile } from 'node:fs/promises';
import type { ContainerStateSummary, SystemdUnitState } from '@flotilla/core';
import type { Logger } from 'pino';
import { ContainerStates } from '../containers/unit-container.js';
import { CONTAINER_SUFFIX } from '../containers/render.js';
import type { ManagedUnit } from '../managed-units.js';
import type { StateExtras } from '../state-publisher.js';
import type { UnitFiles } from '../unit-files.js';
import { EngineFollowUp } from './engine-follow-up.js';
import { ProbeMonitor } from './monitor.js';

export interface UnitStateExtras {
  /** A plain value when known at once (a plain unit without checks), else a promise. */
  extras: (m: ManagedUnit, state: SystemdUnitState) => StateExtras | Promise<StateExtras>;
  /** Stops the health checks and the engine follow-ups (shutdown). */
  monitor: { close(): void };
}

export function unitStateExtras(deps: {
  files: UnitFiles;
  logger: Logger;
  isManaged: (unit: string) => boolean;
  restart: (systemdName: string) => Promise<void>;
  republish: (unit: string) => Promise<void>;
}): UnitStateExtras {
  const readUnitText = (systemdName: string) => readFile(deps.files.pathOf(systemdName), 'utf8');
  const containers = new ContainerStates();
  const lastRead = new Map<string, { key: string; container: ContainerStateSummary | undefined }>();
  const monitor = new ProbeMonitor({ logger: deps.logger, readUnitText, isManaged: deps.isManaged, restart: deps.restart, changed: deps.republish });
  const followUp = new EngineFollowUp({ isManaged: deps.isManaged, republish: deps.republish });
  const extras = (m: ManagedUnit, state: SystemdUnitState): StateExtras | Promise<StateExtras> =>
    // Most units are plain services without checks: no promise per unit and state read (every pass reads them all).
    !m.unit.endsWith(CONTAINER_SUFFIX) && monitor.unchecked(m) ? {} : read(m, state);
  const read = async (m: ManagedUnit, state: SystemdUnitState): Promise<StateExtras> => {
    const [container, health] = await Promise.all([
      m.unit.endsWith(CONTAINER_SUFFIX) ? containerOf(m, state) : undefined,
      monitor.observe(m, state),
    ]);
    return { ...(container === undefined ? {} : { container }), ...(health === undefined ? {} : { health }) };
  };
  // The engine is asked when the systemd state changed, or while the last answer disagreed with systemd (the
  // container runs a moment after the service is active): the reconcile pass's refresh then settles it, and a
  // steady unit costs no engine call.
  const containerOf = async (m: ManagedUnit, state: SystemdUnitState) => {
    const key = `${m.hash} ${state.loadState} ${state.activeState} ${state.subState}`;
    const last = lastRead.get(m.unit);
    if (last !== undefined && last.key === key && settled(state, last.container)) return last.container;
    const container = await readContainer(containers, readUnitText, m, deps.logger);
    for (const unit of lastRead.keys()) if (!deps.isManaged(unit)) lastRead.delete(unit);
    lastRead.set(m.unit, { key, container });
    // An active unit whose engine answer is not settled yet is asked again within a second, not a reconcile pass.
    followUp.note(m.unit, m.hash, state.activeState !== 'active' || settled(state, container));
    return container;
  };
  return {
    extras,
    monitor: {
      close: () => {
        monitor.close();
        followUp.close();
      },
    },
  };
}

/** Pure: whether the engine's answer matches systemd's state (active ⇔ running), so need not be asked again. */
export function settled(state: SystemdUnitState, container: ContainerStateSummary | undefined): boolean {
  if (container === undefined || container.state === 'unknown') return false;
  // The engine's HealthCmd result arrives after the container runs, with no systemd signal: `compose up` waits
  // for it (depends_on: service_healthy), so a starting check is asked again on each reconcile pass.
  if (container.health === 'starting') return false;
  return (state.activeState === 'active') === (container.state === 'running');
}

/** Best effort: an engine that does not answer leaves the field out rather than holding the systemd state back. */
async function readContainer(containers: ContainerStates, read: (n: string) => Promise<string>, m: ManagedUnit, logger: Logger) {
  try {
    return await containers.read(await read(m.systemdName));
  } catch (err) {
    logger.debug({ unit: m.unit, err }, 'reading container state failed');
    return { state: 'unknown', error: err instanceof Error ? err.message : String(err) };
  }
}

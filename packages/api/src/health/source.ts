/**
 * Reads what the health model needs from the registry: one snapshot, the published states, the leader, the
 * newest log entries, the services and their latest deployments, in parallel, under the registry's own deadlines.
 */
import type { OpsView } from '@flotilla/core';
import type { HealthInput } from './types.js';

/** What the ops views read (core's OpsView; EtcdRegistry is one). */
export type OpsRegistry = OpsView;

export const DEFAULT_EVENT_LIMIT = 200;

export async function readHealthInput(registry: OpsRegistry, now: () => number, eventLimit = DEFAULT_EVENT_LIMIT): Promise<HealthInput> {
  const [snapshot, states, leader, events, services, deployments] = await Promise.all([
    registry.snapshot(),
    registry.listStates(),
    registry.currentLeader(),
    registry.listEvents({ limit: eventLimit }),
    registry.listServices(),
    registry.listDeployments(),
  ]);
  return {
    now: now(),
    units: snapshot.units,
    machines: snapshot.machines,
    schedule: snapshot.schedule,
    globalAssignments: snapshot.globalAssignments,
    states,
    leader,
    events,
    services,
    deployments,
  };
}

/**
 * Reads what the health model needs from the registry: one snapshot, the published states, the leader and
 * the newest log entries, in parallel, under the registry's own deadlines.
 */
import type { ClusterEventLog, ClusterRegistry, LeaderElection } from '@flotilla/core';
import type { HealthInput } from './types.js';

/** What the ops views read: the registry, the election and the event log (EtcdRegistry is all three). */
export type OpsRegistry = ClusterRegistry & LeaderElection & ClusterEventLog;

export function isOpsRegistry(registry: ClusterRegistry): registry is OpsRegistry {
  const r = registry as Partial<OpsRegistry>;
  return typeof r.currentLeader === 'function' && typeof r.listEvents === 'function' && typeof r.watchHealthChanges === 'function';
}

export const DEFAULT_EVENT_LIMIT = 200;

export async function readHealthInput(registry: OpsRegistry, now: () => number, eventLimit = DEFAULT_EVENT_LIMIT): Promise<HealthInput> {
  const [snapshot, states, leader, events] = await Promise.all([
    registry.snapshot(),
    registry.listStates(),
    registry.currentLeader(),
    registry.listEvents({ limit: eventLimit }),
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
  };
}

/**
 * Everything the scheduler reads and writes in the registry: its role (snapshot, watch, fenced placement),
 * the election, the unit states its stop-before-start waits on, and its entries in the cluster event log.
 * EtcdRegistry and core's in-memory registry are it.
 */
import type { ClusterEventLog, DeploymentControl, LeaderElection, SchedulingRegistry, ServiceControl, UnitStateView } from '@flotilla/core';

export type SchedulerRegistry = SchedulingRegistry &
  ServiceControl &
  DeploymentControl &
  LeaderElection &
  Pick<UnitStateView, 'getStates' | 'listStates'> &
  Pick<ClusterEventLog, 'appendEvents'>;

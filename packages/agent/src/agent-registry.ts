/**
 * Everything the agent reads and writes in the registry: its own role (presence, assignments, states), plus the
 * unit texts it runs, the machine list (is this machine still registered?), handing a stopped unit back, the
 * endpoints of its active units and its `unit-failed` log entries. EtcdRegistry and core's in-memory registry are it.
 */
import type { AgentRegistry, ClusterEventLog, EndpointRegistry, MachineDirectory, SchedulingRegistry, UnitCatalog, UnitLookup } from '@flotilla/core';

export type AgentRegistryAccess = AgentRegistry &
  MachineDirectory &
  Pick<UnitCatalog, 'getUnit'> &
  UnitLookup &
  Pick<SchedulingRegistry, 'unassign'> &
  Pick<EndpointRegistry, 'publishEndpoint' | 'removeEndpoint'> &
  Pick<ClusterEventLog, 'appendEvent'>;

/**
 * What the CLI's verbs use of the registry: units, their states, the machines (cordon included) and a snapshot
 * for placement checks. Both drivers implement it: EtcdRegistry and the fleet API driver (api/api-registry.ts).
 * Only the etcd driver also offers the ops views' reads (`health` runs the health model on them).
 */
import type { DeploymentCatalog, ClusterView, MachineAdmin, MachineDirectory, OpsView, RegistryConnection, ServiceCatalog, UnitCatalog, UnitLookup, UnitStateView } from '@flotilla/core';

export type CliRegistry = UnitCatalog &
  UnitLookup &
  UnitStateView &
  MachineDirectory &
  Pick<MachineAdmin, 'setMachineCordon'> &
  Pick<ClusterView, 'snapshot'> &
  Pick<ServiceCatalog, 'scaleService' | 'listServices'> &
  DeploymentCatalog &
  RegistryConnection;

/** An open driver: `ops` is there with the etcd driver only (the API serves health itself, `/v2/health`). */
export interface CliConnection {
  registry: CliRegistry;
  ops?: OpsView;
}

/**
 * ClusterRegistry and LeaderElection on etcd v3 (through the port in etcd-port.ts, HTTP or gRPC; msgpackr
 * values). This class only wires the stores together; each store module holds one concern. See
 * docs/registry.md for keys, transactions and transports.
 */
import type { Assignment, DesiredState, MachineCordon, MachineRecord, ServiceRecord, UnitRecord, UnitSpec, UnitStateRecord } from '../model.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './defaults.js';
import { chooseTransport, leaseThreadTransport, openPort } from './transport.js';
import { RegistryContext } from './context.js';
import * as assignments from './assignment-store.js';
import * as clusterWatch from './cluster-watch.js';
import * as election from './election.js';
import * as endpoints from './endpoint-store.js';
import * as events from './event-store.js';
import { Keyspace } from './keyspace.js';
import * as metadata from './machine-metadata-store.js';
import * as machines from './machine-store.js';
import * as scheduling from './scheduling-store.js';
import { migrateLayout } from './layout-migration.js';
import type { RegistryLayout } from './layout.js';
import { checkedTxnOps } from './scheduling-store.js';
import * as services from './service-store.js';
import * as deployments from './deployment-store.js';
import type { DeploymentRecord, ServiceHistory } from '../deployment/record.js';
import * as states from './state-store.js';
import type {
  DeploymentCatalog,
  DeploymentControl,
  DeploymentWrite,
  StoredDeployment,
  EtcdTransport,
  ClusterEventLog,
  ClusterLogEvent,
  EventRetention,
  ClusterRegistry,
  ClusterSnapshot,
  EndpointRecord,
  EndpointRegistry,
  Fence,
  LeaderElection,
  Leadership,
  PresenceLease,
  RegisterMachineOptions,
  RegistryOptions,
  ApplyScheduleResult,
  ClusterEvent,
  MachineMetadataOp,
  ScheduleChange,
  WatchOptions,
  Subscription,
  WatchEvent,
  ServiceCatalog,
  ServiceControl,
  ServiceChange,
  ApplyServicesResult,
} from './types.js';
import * as units from './unit-store.js';
import { probe } from './probe.js';

export class EtcdRegistry implements ClusterRegistry, LeaderElection, ClusterEventLog, EndpointRegistry, ServiceCatalog, ServiceControl, DeploymentCatalog, DeploymentControl {
  private readonly subscriptions = new Set<Subscription>();

  private constructor(
    private readonly ctx: RegistryContext,
    /** The transports in use (docs/registry.md, "Transports"). */
    readonly transport: { transport: EtcdTransport; bulk: EtcdTransport },
  ) {}

  /** Connects and checks etcd answers within requestTimeoutMs (RegistryUnavailableError otherwise). */
  static async connect(options: RegistryOptions): Promise<EtcdRegistry> {
    if (options.endpoints.length === 0) throw new RangeError('EtcdRegistry.connect: no etcd endpoints given');
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const { transport, bulk } = chooseTransport(options);
    const port = await openPort(transport, options, timeoutMs);
    const leasePort = await openPort(transport, options, timeoutMs, true);
    const openBulk = async () => (bulk === transport ? port : openPort(bulk, options, timeoutMs));
    const leaseConnection = { transport: leaseThreadTransport(options), endpoints: options.endpoints, timeoutMs, ...(options.tls ? { tls: options.tls } : {}), ...(options.auth ? { auth: options.auth } : {}) };
    const ctx = new RegistryContext(port, new Keyspace(options.prefix), options.endpoints, timeoutMs, options.onCorruptRecord, leasePort, openBulk, leaseConnection);
    if (options.maxTxnOps !== undefined) ctx.placementTxnOps = checkedTxnOps(options.maxTxnOps);
    try {
      await probe(ctx);
    } catch (err) {
      ctx.close();
      throw err;
    }
    return new EtcdRegistry(ctx, { transport, bulk });
  }

  /** The key layout in use (for tools and tests that need raw keys). */
  get keyspace(): Keyspace {
    return this.ctx.keys;
  }

  submitUnit(spec: UnitSpec, opts?: { desiredState?: DesiredState; replace?: boolean }): Promise<UnitRecord> {
    return units.submitUnit(this.ctx, spec, opts);
  }
  submitUnits(specs: readonly UnitSpec[], opts?: { desiredState?: DesiredState }): Promise<UnitRecord[]> {
    return units.submitUnits(this.ctx, specs, opts);
  }
  getUnit(name: string): Promise<UnitRecord | undefined> {
    return units.getUnit(this.ctx, name);
  }
  getUnits(names: readonly string[]): Promise<(UnitRecord | undefined)[]> {
    return units.getUnits(this.ctx, names);
  }
  listUnits(): Promise<UnitRecord[]> {
    return units.listUnits(this.ctx);
  }
  setDesiredState(name: string, state: DesiredState): Promise<UnitRecord> {
    return units.setDesiredState(this.ctx, name, state);
  }
  destroyUnit(name: string): Promise<boolean> {
    return units.destroyUnit(this.ctx, name);
  }

  scaleService(template: string, count: number, templateSpec?: UnitSpec): Promise<ServiceRecord> {
    return services.scaleService(this.ctx, template, count, templateSpec);
  }
  getService(template: string): Promise<ServiceRecord | undefined> {
    return services.getService(this.ctx, template);
  }
  listServices(): Promise<ServiceRecord[]> {
    return services.listServices(this.ctx);
  }
  applyServiceChanges(changes: readonly ServiceChange[], fence: Fence): Promise<ApplyServicesResult> {
    return services.applyServiceChanges(this.ctx, changes, fence);
  }

  startDeployment(spec: UnitSpec, opts?: { rollback?: boolean }): Promise<DeploymentRecord> {
    return deployments.startDeployment(this.ctx, spec, opts);
  }
  promoteDeployment(template: string): Promise<DeploymentRecord> {
    return deployments.promoteDeployment(this.ctx, template);
  }
  getDeployment(template: string): Promise<DeploymentRecord | undefined> {
    return deployments.getDeployment(this.ctx, template);
  }
  listDeployments(): Promise<DeploymentRecord[]> {
    return deployments.listDeployments(this.ctx);
  }
  getHistory(template: string): Promise<ServiceHistory | undefined> {
    return deployments.getHistory(this.ctx, template);
  }
  readDeployments(): Promise<StoredDeployment[]> {
    return deployments.readDeployments(this.ctx);
  }
  applyDeploymentStep(write: DeploymentWrite, fence: Fence): Promise<boolean> {
    return deployments.applyDeploymentStep(this.ctx, write, fence);
  }

  registerMachine(machine: MachineRecord, ttlSec: number, opts?: RegisterMachineOptions): Promise<PresenceLease> {
    return machines.registerMachine(this.ctx, machine, ttlSec, opts);
  }
  listMachines(): Promise<MachineRecord[]> {
    return machines.listMachines(this.ctx);
  }
  updateMachine(machine: MachineRecord, lease: PresenceLease): Promise<void> {
    return machines.updateMachine(this.ctx, machine, lease);
  }

  snapshot(): Promise<ClusterSnapshot> {
    return scheduling.snapshot(this.ctx);
  }
  assign(unit: UnitRecord, unitModRevision: string, machineId: string, fence?: Fence): Promise<void> {
    return scheduling.assign(this.ctx, unit, unitModRevision, machineId, fence);
  }
  unassign(unitName: string, machineId: string, fence?: Fence): Promise<void> {
    return scheduling.unassign(this.ctx, unitName, machineId, fence);
  }
  watchScheduling(onEvent: () => void): Promise<Subscription> {
    return this.track(scheduling.watchScheduling(this.ctx, onEvent));
  }

  listAssignments(machineId: string): Promise<Assignment[]> {
    return assignments.listAssignments(this.ctx, machineId);
  }
  watchAssignments(machineId: string, onEvent: (event: WatchEvent<Assignment>) => void, opts?: WatchOptions): Promise<Subscription> {
    return this.track(assignments.watchAssignments(this.ctx, machineId, onEvent, opts));
  }
  assignmentsAt(machineId: string): Promise<{ assignments: Assignment[]; revision: string }> {
    return assignments.assignmentsAt(this.ctx, machineId);
  }
  watchCluster(onEvent: (event: ClusterEvent) => void, opts?: WatchOptions): Promise<Subscription> {
    return this.track(clusterWatch.watchCluster(this.ctx, onEvent, opts));
  }
  applySchedule(changes: ScheduleChange[], fence: Fence, layout?: RegistryLayout): Promise<ApplyScheduleResult> {
    return scheduling.applySchedule(this.ctx, changes, fence, layout);
  }
  migrateLayout(fence: Fence): Promise<{ layout: RegistryLayout; migrated: number }> {
    return migrateLayout(this.ctx, fence);
  }
  patchMachineMetadata(ops: MachineMetadataOp[]): Promise<void> {
    return metadata.patchMachineMetadata(this.ctx, ops);
  }
  setMachineCordon(machineId: string, cordon: MachineCordon | undefined): Promise<void> {
    return metadata.setMachineCordon(this.ctx, machineId, cordon);
  }

  publishState(state: UnitStateRecord, lease: PresenceLease): Promise<void> {
    return states.publishState(this.ctx, state, lease);
  }
  publishStates(records: UnitStateRecord[], lease: PresenceLease): Promise<void> {
    return states.publishStates(this.ctx, records, lease);
  }
  removeState(unitName: string, machineId: string): Promise<void> {
    return states.removeState(this.ctx, unitName, machineId);
  }
  listStates(): Promise<UnitStateRecord[]> {
    return states.listStates(this.ctx);
  }
  getStates(unitName: string): Promise<UnitStateRecord[]> {
    return states.getStates(this.ctx, unitName);
  }
  watchStates(unitName: string, onEvent: (event: WatchEvent<UnitStateRecord>) => void): Promise<Subscription> {
    return this.track(states.watchStates(this.ctx, unitName, onEvent));
  }

  publishEndpoint(endpoint: EndpointRecord, lease: PresenceLease): Promise<void> {
    return endpoints.publishEndpoint(this.ctx, endpoint, lease);
  }
  removeEndpoint(unitName: string, machineId: string): Promise<void> {
    return endpoints.removeEndpoint(this.ctx, unitName, machineId);
  }
  listEndpoints(): Promise<EndpointRecord[]> {
    return endpoints.listEndpoints(this.ctx);
  }
  watchEndpoints(onChange: () => void): Promise<Subscription> {
    return this.track(endpoints.watchEndpoints(this.ctx, onChange));
  }

  campaign(candidateId: string, ttlSec: number, signal: AbortSignal): Promise<Leadership> {
    return election.campaign(this.ctx, candidateId, ttlSec, signal);
  }
  currentLeader(): Promise<string | undefined> {
    return election.currentLeader(this.ctx);
  }

  appendEvent(event: Omit<ClusterLogEvent, 'id' | 'at'> & { at?: number }, retention?: EventRetention): Promise<ClusterLogEvent> {
    return events.appendEvent(this.ctx, event, retention);
  }
  appendEvents(list: readonly (Omit<ClusterLogEvent, 'id' | 'at'> & { at?: number })[], retention?: EventRetention): Promise<ClusterLogEvent[]> {
    return events.appendEvents(this.ctx, list, retention);
  }
  listEvents(opts?: { limit?: number }): Promise<ClusterLogEvent[]> {
    return events.listEvents(this.ctx, opts);
  }
  watchEvents(onEvent: (event: ClusterLogEvent) => void, opts?: WatchOptions): Promise<Subscription> {
    return this.track(events.watchEvents(this.ctx, onEvent, opts));
  }
  watchHealthChanges(onChange: () => void): Promise<Subscription> {
    return this.track(events.watchHealthChanges(this.ctx, onChange));
  }

  /** Cancels open watches, stops lease keepalives and closes the client. Leases are not revoked: machine keys
   * and states expire on their TTL (call PresenceLease.revoke() first for a clean exit). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    this.subscriptions.clear();
    for (const lease of this.ctx.leases) lease.release();
    this.ctx.leases.clear();
    this.ctx.close();
  }

  private async track(opening: Promise<Subscription>): Promise<Subscription> {
    const subscription = await opening;
    const tracked: Subscription = {
      close: async () => {
        this.subscriptions.delete(tracked);
        await subscription.close();
      },
    };
    this.subscriptions.add(tracked);
    return tracked;
  }
}

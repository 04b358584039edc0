/**
 * An in-memory registry for tests: every role of the registry (ClusterRegistry, LeaderElection, ClusterEventLog,
 * EndpointRegistry) with EtcdRegistry's semantics, checked by the same contract suite (registry-contract.ts):
 * content hashes, desired state mirrored into assignments, compare-guarded and fenced writes (ConflictError,
 * LeadershipLostError), one revision per transaction and watches that resume from a revision, leases whose keys
 * vanish with them, dynamic metadata and cordon merged into machines, and the bounded event log.
 * What etcd does on its own clock is done by hand here: `expireLease`, `expireLeadership`, `compact`. Revisions
 * and watches, the election and the event log are their own modules (memory/).
 * Errors are core's exported classes (the package entry), so code under test can tell them apart with instanceof.
 */
import {
  ConflictError,
  DeploymentInProgressError,
  isActiveDeployment,
  DuplicateMachineError,
  LeaseLostError,
  RegistryUnavailableError,
  SystemdNameTakenError,
  UnitExistsError,
  UnitNotFoundError,
  InvalidServiceError,
  declaredReplicas,
  assertServiceRequest,
  sameSystemdUnitSibling,
  assertValidUnitName,
  makeUnitRecord,
  newUnitRecord,
  rejectTemplateActivation,
  unitHash,
  validateUnitOptions,
  type ApplyScheduleResult,
  type Assignment,
  type ClusterEvent,
  type ClusterEventLog,
  type ClusterLogEvent,
  type ClusterRegistry,
  type ClusterSnapshot,
  type DesiredState,
  type EndpointRecord,
  type EndpointRegistry,
  type EventRetention,
  type Fence,
  type LeaderElection,
  type Leadership,
  type MachineCordon,
  type MachineMetadataOp,
  type MachineRecord,
  type NewClusterLogEvent,
  type PresenceLease,
  type RegisterMachineOptions,
  type ScheduleChange,
  type ServiceCatalog,
  type ServiceChange,
  type DeploymentCatalog,
  type DeploymentControl,
  type DeploymentRecord,
  type DeploymentWrite,
  type ServiceHistory,
  type StoredDeployment,
  type ServiceControl,
  type ServiceRecord,
  type ApplyServicesResult,
  type Subscription,
  type UnitRecord,
  type UnitSpec,
  type UnitStateRecord,
  type WatchEvent,
  type WatchOptions,
} from '@flotilla/core';
import { assignmentInStep } from '../registry/assignment-lag.js';
import type { RegistryLayout } from '../registry/layout.js';
import { CORDON_KEY, mergeMetadata, type DynamicMetadata } from '../registry/machine-metadata-store.js';
import { ChangeFeed, type Change } from './memory/change-feed.js';
import { MemoryElection } from './memory/election.js';
import { MemoryEventLog } from './memory/event-log.js';
import { MemoryDeployments } from './memory/deployments.js';

interface MemoryLease extends PresenceLease {
  alive: boolean;
  readonly lostListeners: ((err: Error) => void)[];
}

export class MemoryRegistry implements ClusterRegistry, LeaderElection, ClusterEventLog, EndpointRegistry, ServiceCatalog, ServiceControl, DeploymentCatalog, DeploymentControl {
  private readonly feed = new ChangeFeed();
  private readonly election = new MemoryElection(this.feed);
  private readonly log = new MemoryEventLog(this.feed);
  private readonly units = new Map<string, { record: UnitRecord; modRevision: number }>();
  private readonly schedule = new Map<string, string>();
  private readonly services = new Map<string, ServiceRecord>();
  private nextDeployment = 1;
  private readonly deployments = new MemoryDeployments({
    revision: () => this.feed.revision,
    unit: (name) => this.units.get(name)?.record,
    service: (template) => this.services.get(template),
    commit: (apply) => this.commit(apply),
    putUnit: (record) => this.putUnit(record),
    mirror: (record) => {
      for (const machineId of this.assignedTo(record.name)) this.putAssignment({ unit: record.name, machineId, hash: record.hash, desiredState: record.desiredState });
    },
    assignment: (machineId, unit) => this.assignments.get(machineId)?.get(unit),
    putAssignment: (a) => this.putAssignment(a),
    putService: (service) => this.putService(service),
    newId: (template) => `${template.replace(/@.*$/, '')}-${String(this.nextDeployment++).padStart(8, '0')}`,
  });
  /** machine id → unit → assignment. */
  private readonly assignments = new Map<string, Map<string, Assignment>>();
  private readonly machines = new Map<string, { record: MachineRecord; lease: MemoryLease }>();
  private readonly dynamic: DynamicMetadata = new Map();
  /** `unit/machine` → state and the lease it lives under. */
  private readonly states = new Map<string, { record: UnitStateRecord; leaseId: string }>();
  private readonly endpoints = new Map<string, { record: EndpointRecord; leaseId: string }>();
  private readonly leases = new Map<string, MemoryLease>();
  private nextLeaseId = 1;

  // ---- test controls ----
  /** Calls per method name (traffic checks, e.g. one snapshot per scheduling pass). */
  readonly calls = new Map<string, number>();
  /** While true, every call fails as if etcd were unreachable; `failedCalls` counts them. */
  down = false;
  failedCalls = 0;
  /** Errors thrown by the next placement writes (assign, unassign, each change of applySchedule), in order. */
  readonly failNextWrites: Error[] = [];
  /** Placement writes applied, as `assign <unit> <machine>`, `unassign …`, `assign-global …`, `unassign-global …`. */
  readonly writes: string[] = [];

  /** Calls `listener` after every change and every failed call; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    return this.feed.onChange(listener);
  }

  /** Resolves once `probe()` holds, re-checked on every change (deadline `timeoutMs`). */
  async until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (probe()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const off = this.onChange(() => probe() && finish());
      const finish = (err?: Error) => {
        clearTimeout(timer);
        off();
        err ? reject(err) : resolve();
      };
    });
  }

  /** etcd forgot the machine's lease (its TTL ran out): the keys under it vanish, the holder hears `onLost`. */
  expireLease(machineId: string): void {
    const m = this.machines.get(machineId);
    if (m) this.dropLease(m.lease, new LeaseLostError(m.lease.leaseId, 'expired (memory registry)'));
  }

  /** The election key vanished (its lease expired): the leader hears onLost, the next candidate is elected. */
  expireLeadership(): void {
    this.election.endTerm(new Error('election lease expired'));
  }

  /** Forgets the history: watches asked to start from an earlier revision are reset (`onReset`). */
  compact(): void {
    this.feed.compact();
  }

  /**
   * Another client writes the unit (replacing other content) with its desired state and places it on
   * `machineId`, in one transaction: what submit + schedule + start do. Works while `down` (that is this
   * client's link, not etcd's). Like a raw etcd write it does not validate: agent tests place names and types
   * the CLI refuses (over-long names, a test renderer's type) to see the agent cope.
   */
  assignUnit(machineId: string, spec: UnitSpec, desiredState: DesiredState): UnitRecord {
    const unit: UnitRecord = { ...spec, hash: unitHash(spec.options), desiredState, global: false };
    this.commit(() => {
      if (this.schedule.get(unit.name) !== machineId) this.unschedule(unit.name);
      this.putUnit(unit);
      if (!this.schedule.has(unit.name)) {
        this.schedule.set(unit.name, machineId);
        this.emit({ kind: 'cluster', event: { kind: 'schedule', type: 'put', unit: unit.name, machineId, revision: '' } });
      }
      this.putAssignment({ unit: unit.name, machineId, hash: unit.hash, desiredState, placed: true });
    });
    return unit;
  }

  /** Another client (the scheduler) takes the unit off `machineId`: schedule and assignment go, the unit stays. */
  unassignUnit(machineId: string, unit: string): void {
    this.commit(() => {
      if (this.schedule.get(unit) === machineId) {
        this.schedule.delete(unit);
        this.emit({ kind: 'cluster', event: { kind: 'schedule', type: 'delete', unit, revision: '' } });
      }
      this.deleteAssignment(unit, machineId);
    });
  }

  /** A live machine as stored (own metadata), with its lease. */
  machine(id: string): { record: MachineRecord; leaseId: string; takenOver: boolean } | undefined {
    const m = this.machines.get(id);
    return m && { record: m.record, leaseId: m.lease.leaseId, takenOver: m.lease.takenOver === true };
  }

  state(unit: string, machineId: string): UnitStateRecord | undefined {
    return this.states.get(`${unit}/${machineId}`)?.record;
  }

  /** unit → machine, from the schedule (global units have none). */
  scheduled(): Map<string, string> {
    return new Map(this.schedule);
  }

  /** Machines holding an assignment of `unit`, sorted. */
  assignedTo(unit: string): string[] {
    return [...this.assignments].filter(([, byUnit]) => byUnit.has(unit)).map(([id]) => id).sort();
  }

  leader(): string | undefined {
    return this.election.leader;
  }

  // ---- units ----
  async submitUnit(spec: UnitSpec, opts: { desiredState?: DesiredState; replace?: boolean } = {}): Promise<UnitRecord> {
    this.enter('submitUnit');
    const record = newUnitRecord(spec, opts.desiredState);
    const existing = this.units.get(spec.name)?.record;
    const sibling = sameSystemdUnitSibling(spec.name);
    if (!existing && sibling !== undefined && this.units.has(sibling)) throw new SystemdNameTakenError(spec.name, sibling);
    if (existing && existing.hash === record.hash) return existing;
    if (existing && !opts.replace) throw new UnitExistsError(spec.name, existing.hash, record.hash);
    const deploying = existing?.global === true ? this.deployments.get(spec.name) : undefined;
    if (deploying && isActiveDeployment(deploying)) throw new DeploymentInProgressError(spec.name, deploying.id, deploying.state);
    // fleet's replace: the record is overwritten and the unit is placed afresh.
    this.commit(() => {
      this.unschedule(spec.name);
      this.putUnit(record);
      const declared = declaredReplicas(record.name, record.options);
      if (declared !== undefined && !('problem' in declared)) this.putService({ template: record.name, count: declared.count });
    });
    return record;
  }

  async submitUnits(specs: readonly UnitSpec[], opts: { desiredState?: DesiredState } = {}): Promise<UnitRecord[]> {
    this.enter('submitUnits');
    const records = specs.map((spec) => newUnitRecord(spec, opts.desiredState));
    // All or nothing (one batch here): judge every unit against the store and the earlier specs, then write.
    const written = new Map<string, UnitRecord>();
    const result = records.map((record) => {
      const existing = written.get(record.name) ?? this.units.get(record.name)?.record;
      const sibling = sameSystemdUnitSibling(record.name);
      if (!existing && sibling !== undefined && (written.has(sibling) || this.units.has(sibling))) throw new SystemdNameTakenError(record.name, sibling);
      if (existing && existing.hash !== record.hash) throw new UnitExistsError(record.name, existing.hash, record.hash);
      if (!existing) written.set(record.name, record);
      return existing ?? record;
    });
    if (written.size > 0) this.commit(() => { for (const record of written.values()) this.putUnit(record); });
    return result;
  }

  async getUnit(name: string): Promise<UnitRecord | undefined> {
    this.enter('getUnit');
    assertValidUnitName(name);
    return this.units.get(name)?.record;
  }

  async getUnits(names: readonly string[]): Promise<(UnitRecord | undefined)[]> {
    this.enter('getUnits');
    for (const name of names) assertValidUnitName(name);
    return names.map((name) => this.units.get(name)?.record);
  }

  async listUnits(): Promise<UnitRecord[]> {
    this.enter('listUnits');
    return sortedValues(this.units).map((u) => u.record);
  }

  async setDesiredState(name: string, state: DesiredState, fence?: Fence): Promise<UnitRecord> {
    this.enter('setDesiredState');
    if (fence) this.election.checkFence(fence);
    assertValidUnitName(name);
    rejectTemplateActivation(name, state);
    const stored = this.units.get(name)?.record;
    if (!stored) throw new UnitNotFoundError(name);
    if (stored.desiredState === state) return stored;
    const updated: UnitRecord = { ...stored, desiredState: state };
    this.commit(() => {
      this.putUnit(updated);
      if (state === 'inactive') return this.unschedule(name);
      // Mirrored into every assignment of the unit in the same transaction; a pinned hash stays (as unit-store.ts).
      for (const machineId of this.assignedTo(name)) {
        const held = this.assignments.get(machineId)?.get(name)?.hash;
        const hash = held !== undefined && updated.pinned?.[held] !== undefined ? held : updated.hash;
        this.putAssignment({ unit: name, machineId, hash, desiredState: state, ...(this.schedule.get(name) === machineId ? { placed: true as const } : {}) });
      }
    });
    return updated;
  }

  async destroyUnit(name: string, fence?: Fence): Promise<boolean> {
    this.enter('destroyUnit');
    assertValidUnitName(name);
    if (fence) this.election.checkFence(fence);
    if (!this.units.has(name)) return false;
    this.commit(() => {
      this.unschedule(name);
      this.units.delete(name);
      // A destroyed template takes its service with it, as in EtcdRegistry.
      if (this.services.delete(name)) this.emit({ kind: 'service' });
      this.emit({ kind: 'cluster', event: { kind: 'unit', type: 'delete', name, revision: '' } });
    });
    return true;
  }

  // ---- services ----
  async scaleService(template: string, count: number, templateSpec?: UnitSpec): Promise<ServiceRecord> {
    this.enter('scaleService');
    assertServiceRequest(template, count);
    if (templateSpec && templateSpec.name !== template) throw new InvalidServiceError(`template spec ${templateSpec.name} is not ${template}`);
    if (templateSpec) validateUnitOptions(template, templateSpec.options);
    if (!this.units.has(template) && !templateSpec) throw new UnitNotFoundError(template);
    const service: ServiceRecord = { template, count };
    this.commit(() => {
      if (!this.units.has(template)) this.putUnit(makeUnitRecord(templateSpec as UnitSpec, 'inactive'));
      this.putService(service);
    });
    return service;
  }

  async getService(template: string): Promise<ServiceRecord | undefined> {
    this.enter('getService');
    return this.services.get(template);
  }

  async listServices(): Promise<ServiceRecord[]> {
    this.enter('listServices');
    return [...this.services.keys()].sort().map((k) => this.services.get(k) as ServiceRecord);
  }

  async applyServiceChanges(changes: readonly ServiceChange[], fence: Fence): Promise<ApplyServicesResult> {
    this.enter('applyServiceChanges');
    const result: ApplyServicesResult = { applied: 0, conflicts: [] };
    for (const change of changes) {
      this.checkWrite(fence);
      const unit = change.kind === 'create' ? change.unit.name : change.unit;
      const exists = this.units.has(unit);
      if (change.kind === 'create' ? exists : !exists) {
        result.conflicts.push(change);
        continue;
      }
      if (change.kind === 'create') this.commit(() => this.putUnit(change.unit));
      else if (change.kind === 'launch') await this.setDesiredState(unit, 'launched', fence);
      else await this.destroyUnit(unit, fence);
      result.applied++;
    }
    return result;
  }

  // ---- deployments (memory/deployments.ts) ----
  async startDeployment(spec: UnitSpec, opts?: { rollback?: boolean }): Promise<DeploymentRecord> {
    this.enter('startDeployment');
    return this.deployments.start(spec, opts);
  }

  async promoteDeployment(template: string): Promise<DeploymentRecord> {
    this.enter('promoteDeployment');
    return this.deployments.promote(template);
  }

  async getDeployment(template: string): Promise<DeploymentRecord | undefined> {
    this.enter('getDeployment');
    return this.deployments.get(template);
  }

  async listDeployments(): Promise<DeploymentRecord[]> {
    this.enter('listDeployments');
    return this.deployments.list();
  }

  async getHistory(template: string): Promise<ServiceHistory | undefined> {
    this.enter('getHistory');
    return this.deployments.history(template);
  }

  async readDeployments(): Promise<StoredDeployment[]> {
    this.enter('readDeployments');
    return this.deployments.read();
  }

  async applyDeploymentStep(write: DeploymentWrite, fence: Fence): Promise<boolean> {
    this.enter('applyDeploymentStep');
    this.checkWrite(fence);
    return this.deployments.apply(write);
  }

  // ---- machines ----
  async registerMachine(machine: MachineRecord, _ttlSec: number, opts: RegisterMachineOptions = {}): Promise<PresenceLease> {
    this.enter('registerMachine');
    const existing = this.machines.get(machine.id);
    // As etcd's take-over transaction: the key moves to the new lease only if the old lease still holds it.
    const takenOver = existing !== undefined && existing.lease.alive && opts.takeOverLeaseId === existing.lease.leaseId;
    if (existing && !takenOver) throw new DuplicateMachineError(machine.id);
    const lease = this.grantLease(takenOver);
    this.commit(() => this.putMachine(machine, lease));
    // The old lease is revoked after the move: only the predecessor's states go with it.
    if (existing && takenOver) this.dropLease(existing.lease);
    return lease;
  }

  async listMachines(): Promise<MachineRecord[]> {
    this.enter('listMachines');
    return this.mergedMachines();
  }

  async updateMachine(machine: MachineRecord, lease: PresenceLease): Promise<void> {
    this.enter('updateMachine');
    const stored = this.machines.get(machine.id);
    if (!stored || stored.lease.leaseId !== lease.leaseId) throw new LeaseLostError(lease.leaseId, `machine ${machine.id} is not under this lease`);
    this.commit(() => this.putMachine(machine, stored.lease));
  }

  async patchMachineMetadata(ops: MachineMetadataOp[]): Promise<void> {
    for (const op of ops) {
      if (op.machineId === '' || op.machineId.includes('/') || !/^[A-Za-z0-9_.-]+$/.test(op.key)) {
        throw new RangeError(`patchMachineMetadata: invalid machine id or key in ${JSON.stringify(op)}`);
      }
    }
    this.enter('patchMachineMetadata');
    if (ops.length === 0) return;
    this.commit(() => {
      for (const op of ops) {
        const byKey = this.dynamic.get(op.machineId) ?? new Map<string, string>();
        this.dynamic.set(op.machineId, byKey.set(op.key, op.value ?? ''));
      }
      for (const id of new Set(ops.map((o) => o.machineId))) {
        const m = this.machines.get(id);
        if (m) this.emit({ kind: 'cluster', event: { kind: 'machine', type: 'put', machine: mergeMetadata(m.record, this.dynamic), revision: '' } });
      }
    });
  }

  setMachineCordon(machineId: string, cordon: MachineCordon | undefined): Promise<void> {
    return this.patchMachineMetadata([{ machineId, key: CORDON_KEY, value: cordon ? JSON.stringify(cordon) : '' }]);
  }

  // ---- scheduling ----
  async snapshot(): Promise<ClusterSnapshot> {
    this.enter('snapshot');
    const units = sortedValues(this.units);
    const globalAssignments = new Map<string, Map<string, Assignment>>();
    const laggingAssignments = new Map<string, Assignment>();
    for (const [machineId, byUnit] of this.assignments) {
      for (const [unit, a] of byUnit) {
        if (this.schedule.get(unit) === machineId) {
          const record = this.units.get(unit)?.record;
          if (record && !assignmentInStep(a, record)) laggingAssignments.set(unit, a);
          continue;
        }
        const byMachine = globalAssignments.get(unit) ?? new Map<string, Assignment>();
        globalAssignments.set(unit, byMachine.set(machineId, a));
      }
    }
    return {
      units: units.map((u) => u.record),
      machines: this.mergedMachines(),
      schedule: new Map(this.schedule),
      unitRevisions: new Map(units.map((u) => [u.record.name, String(u.modRevision)])),
      globalAssignments,
      laggingAssignments,
      revision: String(this.feed.revision),
    };
  }

  async assign(unit: UnitRecord, unitModRevision: string, machineId: string, fence?: Fence): Promise<void> {
    this.enter('assign');
    this.assignNow(unit, unitModRevision, machineId, fence);
  }

  async unassign(unitName: string, machineId: string, fence?: Fence): Promise<void> {
    this.enter('unassign');
    this.unassignNow(unitName, machineId, fence);
  }

  /** Change by change (removals first), as EtcdRegistry's retry of a conflicting batch ends up doing. */
  async applySchedule(changes: ScheduleChange[], fence: Fence, layout: RegistryLayout = 1): Promise<ApplyScheduleResult> {
    this.enter('applySchedule');
    const result: ApplyScheduleResult = { applied: 0, conflicts: [] };
    // This registry has layout 1 only: writes meant for another layout fail their marker compare, as on etcd.
    if (layout !== 1) return { applied: 0, conflicts: [...changes] };
    const before = this.feed.revision;
    const removal = (c: ScheduleChange) => c.kind === 'unassign' || c.kind === 'unassign-global';
    for (const change of [...changes.filter(removal), ...changes.filter((c) => !removal(c))]) {
      try {
        this.applyOne(change, fence);
        result.applied++;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        result.conflicts.push(change);
      }
    }
    return this.feed.revision > before ? { ...result, revision: String(this.feed.revision) } : result;
  }

  /** One layout here (1): the schedule is a map beside the assignments, and nothing moves. */
  async migrateLayout(fence: Fence): Promise<{ layout: RegistryLayout; migrated: number }> {
    this.enter('migrateLayout');
    this.election.checkFence(fence);
    return { layout: 1, migrated: 0 };
  }

  async watchScheduling(onEvent: () => void): Promise<Subscription> {
    this.enter('watchScheduling');
    return this.watch(undefined, (change) => {
      if (change.kind === 'cluster' && change.event.kind !== 'assignment') onEvent();
    });
  }

  async watchCluster(onEvent: (event: ClusterEvent) => void, opts: WatchOptions = {}): Promise<Subscription> {
    this.enter('watchCluster');
    return this.watch(opts, (change, revision) => {
      if (change.kind === 'cluster') onEvent({ ...change.event, revision: String(revision) });
    });
  }

  // ---- assignments ----
  async listAssignments(machineId: string): Promise<Assignment[]> {
    this.enter('listAssignments');
    return this.assignmentsOf(machineId);
  }

  async assignmentsAt(machineId: string): Promise<{ assignments: Assignment[]; revision: string }> {
    this.enter('assignmentsAt');
    setImmediate(() => this.changed()); // tests wait for the caller to have taken the read in (the agent's synced)
    return { assignments: this.assignmentsOf(machineId), revision: String(this.feed.revision) };
  }

  async watchAssignments(machineId: string, onEvent: (event: WatchEvent<Assignment>) => void, opts: WatchOptions = {}): Promise<Subscription> {
    this.enter('watchAssignments');
    return this.watch(opts, (change, revision) => {
      if (change.kind !== 'cluster' || change.event.kind !== 'assignment') return;
      const e = change.event;
      if (e.type === 'put' && e.assignment.machineId === machineId) onEvent({ type: 'put', key: e.assignment.unit, value: e.assignment, revision: String(revision) });
      if (e.type === 'delete' && e.machineId === machineId) onEvent({ type: 'delete', key: e.unit, revision: String(revision) });
    });
  }

  // ---- unit states ----
  async publishState(state: UnitStateRecord, lease: PresenceLease): Promise<void> {
    this.enter('publishState');
    const held = this.liveLease(lease);
    this.commit(() => {
      this.states.set(`${state.unit}/${state.machineId}`, { record: state, leaseId: held.leaseId });
      this.emit({ kind: 'state', unit: state.unit, event: { type: 'put', key: state.machineId, value: state, revision: '' } });
    });
  }

  async publishStates(states: UnitStateRecord[], lease: PresenceLease): Promise<void> {
    this.enter('publishStates');
    const held = this.liveLease(lease);
    if (states.length === 0) return;
    this.commit(() => {
      for (const state of states) {
        this.states.set(`${state.unit}/${state.machineId}`, { record: state, leaseId: held.leaseId });
        this.emit({ kind: 'state', unit: state.unit, event: { type: 'put', key: state.machineId, value: state, revision: '' } });
      }
    });
  }

  async removeState(unitName: string, machineId: string): Promise<void> {
    this.enter('removeState');
    if (!this.states.has(`${unitName}/${machineId}`)) return;
    this.commit(() => this.deleteState(`${unitName}/${machineId}`));
  }

  async listStates(): Promise<UnitStateRecord[]> {
    this.enter('listStates');
    return sortedValues(this.states).map((s) => s.record);
  }

  async getStates(unitName: string): Promise<UnitStateRecord[]> {
    this.enter('getStates');
    return sortedValues(this.states).filter((s) => s.record.unit === unitName).map((s) => s.record);
  }

  async watchStates(unitName: string, onEvent: (event: WatchEvent<UnitStateRecord>) => void): Promise<Subscription> {
    this.enter('watchStates');
    return this.watch(undefined, (change, revision) => {
      if (change.kind === 'state' && change.unit === unitName) onEvent({ ...change.event, revision: String(revision) });
    });
  }

  // ---- endpoints ----
  async publishEndpoint(endpoint: EndpointRecord, lease: PresenceLease): Promise<void> {
    this.enter('publishEndpoint');
    const held = this.liveLease(lease);
    this.commit(() => {
      this.endpoints.set(`${endpoint.unit}/${endpoint.machineId}`, { record: endpoint, leaseId: held.leaseId });
      this.emit({ kind: 'endpoint' });
    });
  }

  async removeEndpoint(unitName: string, machineId: string): Promise<void> {
    this.enter('removeEndpoint');
    if (!this.endpoints.delete(`${unitName}/${machineId}`)) return;
    this.commit(() => this.emit({ kind: 'endpoint' }));
  }

  async listEndpoints(): Promise<EndpointRecord[]> {
    this.enter('listEndpoints');
    return sortedValues(this.endpoints).map((e) => e.record);
  }

  async watchEndpoints(onChange: () => void): Promise<Subscription> {
    this.enter('watchEndpoints');
    return this.watch(undefined, (change) => change.kind === 'endpoint' && onChange());
  }

  // ---- election ----
  campaign(candidateId: string, _ttlSec: number, signal: AbortSignal): Promise<Leadership> {
    this.count('campaign');
    return this.election.campaign(candidateId, signal);
  }

  async currentLeader(): Promise<string | undefined> {
    this.enter('currentLeader');
    return this.election.leader;
  }

  // ---- event log ----
  async appendEvent(event: NewClusterLogEvent, retention?: EventRetention): Promise<ClusterLogEvent> {
    const [stored] = await this.appendEvents([event], retention);
    return stored as ClusterLogEvent;
  }

  async appendEvents(list: readonly NewClusterLogEvent[], retention: EventRetention = {}): Promise<ClusterLogEvent[]> {
    this.enter('appendEvents');
    return this.log.append(list, retention);
  }

  async listEvents(opts: { limit?: number } = {}): Promise<ClusterLogEvent[]> {
    this.enter('listEvents');
    return this.log.list(opts.limit);
  }

  async watchEvents(onEvent: (event: ClusterLogEvent) => void, opts: WatchOptions = {}): Promise<Subscription> {
    this.enter('watchEvents');
    return this.watch(opts, (change) => change.kind === 'log' && onEvent(change.event));
  }

  async watchHealthChanges(onChange: () => void): Promise<Subscription> {
    this.enter('watchHealthChanges');
    return this.watch(undefined, () => onChange());
  }

  async close(): Promise<void> {
    this.feed.closeAll();
  }

  // ---- internals ----
  private count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  /** Counts the call and fails it while `down`. */
  private enter(method: string): void {
    this.count(method);
    if (!this.down) return;
    this.failedCalls++;
    setImmediate(() => this.changed());
    throw new RegistryUnavailableError(['memory://down']);
  }

  private changed(): void {
    this.feed.changed();
  }

  private commit(apply: () => void): void {
    this.feed.commit(apply);
  }

  private emit(change: Change): void {
    this.feed.emit(change);
  }

  private watch(opts: WatchOptions | undefined, deliver: (change: Change, revision: number) => void): Subscription {
    return this.feed.watch(opts, deliver);
  }

  private putUnit(record: UnitRecord): void {
    this.units.set(record.name, { record, modRevision: this.feed.revision });
    this.emit({ kind: 'cluster', event: { kind: 'unit', type: 'put', unit: record, modRevision: String(this.feed.revision), revision: '' } });
  }

  private putService(service: ServiceRecord): void {
    this.services.set(service.template, service);
    this.emit({ kind: 'service' });
  }

  private putMachine(record: MachineRecord, lease: MemoryLease): void {
    this.machines.set(record.id, { record, lease });
    this.emit({ kind: 'cluster', event: { kind: 'machine', type: 'put', machine: mergeMetadata(record, this.dynamic), revision: '' } });
  }

  private putAssignment(a: Assignment): void {
    const byUnit = this.assignments.get(a.machineId) ?? new Map<string, Assignment>();
    this.assignments.set(a.machineId, byUnit.set(a.unit, a));
    this.emit({ kind: 'cluster', event: { kind: 'assignment', type: 'put', assignment: a, revision: '' } });
  }

  private deleteAssignment(unit: string, machineId: string): void {
    if (!this.assignments.get(machineId)?.delete(unit)) return;
    this.emit({ kind: 'cluster', event: { kind: 'assignment', type: 'delete', unit, machineId, revision: '' } });
  }

  /** Drops the unit's schedule entry and every assignment of it. */
  private unschedule(unit: string): void {
    if (this.schedule.delete(unit)) this.emit({ kind: 'cluster', event: { kind: 'schedule', type: 'delete', unit, revision: '' } });
    for (const machineId of this.assignedTo(unit)) this.deleteAssignment(unit, machineId);
  }

  private deleteState(key: string): void {
    const s = this.states.get(key);
    if (!s) return;
    this.states.delete(key);
    this.emit({ kind: 'state', unit: s.record.unit, event: { type: 'delete', key: s.record.machineId, revision: '' } });
  }

  private assignmentsOf(machineId: string): Assignment[] {
    return [...(this.assignments.get(machineId)?.values() ?? [])];
  }

  private mergedMachines(): MachineRecord[] {
    return sortedValues(this.machines).map((m) => mergeMetadata(m.record, this.dynamic));
  }

  /** Injected failures first, then the fence: a write of a term that ended is refused. */
  private checkWrite(fence: Fence | undefined): void {
    const injected = this.failNextWrites.shift();
    if (injected) throw injected;
    if (fence) this.election.checkFence(fence);
  }

  private assignNow(unit: UnitRecord, unitModRevision: string, machineId: string, fence: Fence | undefined): void {
    this.checkWrite(fence);
    const stored = this.units.get(unit.name);
    if (!stored || String(stored.modRevision) !== unitModRevision || this.schedule.has(unit.name)) throw new ConflictError(`assign ${unit.name}`);
    this.commit(() => {
      this.schedule.set(unit.name, machineId);
      this.emit({ kind: 'cluster', event: { kind: 'schedule', type: 'put', unit: unit.name, machineId, revision: '' } });
      this.putAssignment({ unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState, placed: true });
    });
    this.writes.push(`assign ${unit.name} ${machineId}`);
  }

  private unassignNow(unitName: string, machineId: string, fence: Fence | undefined): void {
    this.checkWrite(fence);
    if (this.schedule.get(unitName) !== machineId) throw new ConflictError(`unassign ${unitName}`);
    this.commit(() => {
      this.schedule.delete(unitName);
      this.emit({ kind: 'cluster', event: { kind: 'schedule', type: 'delete', unit: unitName, revision: '' } });
      this.deleteAssignment(unitName, machineId);
    });
    this.writes.push(`unassign ${unitName} ${machineId}`);
  }

  private applyOne(change: ScheduleChange, fence: Fence): void {
    if (change.kind === 'assign') return this.assignNow(change.unit, change.unitModRevision, change.machineId, fence);
    if (change.kind === 'unassign') return this.unassignNow(change.unit, change.machineId, fence);
    this.checkWrite(fence);
    if (change.kind === 'unassign-global') {
      this.commit(() => this.deleteAssignment(change.unit, change.machineId));
      return void this.writes.push(`unassign-global ${change.unit} ${change.machineId}`);
    }
    if (change.kind === 'refresh') {
      const name = change.unit.name;
      const current = String(this.units.get(name)?.modRevision) === change.unitModRevision && this.schedule.get(name) === change.machineId;
      if (!current) throw new ConflictError(`refresh ${name}`);
      this.commit(() => this.putAssignment(change.assignment));
      return void this.writes.push(`refresh ${name} ${change.machineId}`);
    }
    const { unit, machineId } = change;
    if (String(this.units.get(unit.name)?.modRevision) !== change.unitModRevision) throw new ConflictError(`assign-global ${unit.name}`);
    this.commit(() => this.putAssignment({ unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState }));
    this.writes.push(`assign-global ${unit.name} ${machineId}`);
  }

  private grantLease(takenOver: boolean): MemoryLease {
    const lostListeners: ((err: Error) => void)[] = [];
    const lease: MemoryLease = {
      leaseId: String(this.nextLeaseId++),
      alive: true,
      takenOver,
      lostListeners,
      onLost: (listener) => void lostListeners.push(listener),
      revoke: async () => this.dropLease(lease),
      release: () => {},
    };
    this.leases.set(lease.leaseId, lease);
    return lease;
  }

  private liveLease(lease: PresenceLease): MemoryLease {
    const held = this.leases.get(lease.leaseId);
    if (!held?.alive) throw new LeaseLostError(lease.leaseId, 'lease not found');
    return held;
  }

  /** The lease ends: its machine key, states and endpoints vanish in one revision; `err` is told to the holder. */
  private dropLease(lease: MemoryLease, err?: Error): void {
    if (!lease.alive) return;
    lease.alive = false;
    this.commit(() => {
      for (const [id, m] of this.machines) {
        if (m.lease !== lease) continue;
        this.machines.delete(id);
        this.emit({ kind: 'cluster', event: { kind: 'machine', type: 'delete', id, revision: '' } });
      }
      for (const [key, s] of this.states) if (s.leaseId === lease.leaseId) this.deleteState(key);
      for (const [key, e] of this.endpoints) {
        if (e.leaseId !== lease.leaseId) continue;
        this.endpoints.delete(key);
        this.emit({ kind: 'endpoint' });
      }
      this.emit({ kind: 'other' });
    });
    if (err) for (const l of lease.lostListeners) l(err);
  }
}


/** Values in key order, as an etcd range returns them. */
function sortedValues<T>(map: ReadonlyMap<string, T>): T[] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/**
 * An in-memory ClusterRegistry with just what the agent uses, for tests. Changes emit 'change' so tests wait
 * on events, not sleeps. Leases can be expired by hand (`expireLease`) to play etcd losing the agent.
 */
import { EventEmitter } from 'node:events';
import { ConflictError, FlotillaError, unitHash } from '@flotilla/core';
import type {
  Assignment, ClusterRegistry, DesiredState, MachineRecord, PresenceLease, RegisterMachineOptions, Subscription, UnitRecord, UnitSpec,
  UnitStateRecord, WatchEvent,
} from '@flotilla/core';

interface FakeLease extends PresenceLease {
  alive: boolean;
  lost(err: Error): void;
}

export class FakeRegistry extends EventEmitter implements Partial<ClusterRegistry> {
  readonly units = new Map<string, UnitRecord>();
  readonly assignments = new Map<string, Assignment>(); // key: machineId/unit
  readonly machines = new Map<string, { record: MachineRecord; lease: FakeLease }>();
  readonly states = new Map<string, { record: UnitStateRecord; leaseId: string }>(); // key: unit/machineId
  private readonly watchers = new Map<string, Set<(e: WatchEvent<Assignment>) => void>>();
  private nextLease = 1;
  private revision = 1;
  /** Calls per method name (steady-state traffic checks). */
  readonly calls = new Map<string, number>();
  /** While true, every call fails as if etcd were unreachable; `failedCalls` counts them. */
  down = false;
  failedCalls = 0;

  asRegistry(): ClusterRegistry {
    return this as unknown as ClusterRegistry;
  }

  // ---- test controls ----
  /** Stores the unit and assigns it to `machineId` (what submit + schedule + start would do). */
  assignUnit(machineId: string, spec: UnitSpec, desiredState: DesiredState): UnitRecord {
    const hash = unitHash(spec.options);
    const unit: UnitRecord = { ...spec, hash, desiredState, global: false };
    this.units.set(spec.name, unit);
    const a: Assignment = { unit: spec.name, machineId, hash, desiredState };
    this.assignments.set(`${machineId}/${spec.name}`, a);
    this.notify(machineId, { type: 'put', key: spec.name, value: a, revision: String(++this.revision) });
    return unit;
  }

  unassignUnit(machineId: string, unit: string): void {
    this.assignments.delete(`${machineId}/${unit}`);
    this.notify(machineId, { type: 'delete', key: unit, revision: String(++this.revision) });
  }

  /** etcd forgot the lease (TTL ran out): keys under it vanish, the holder hears `onLost`. */
  expireLease(machineId: string): void {
    const m = this.machines.get(machineId);
    if (m) this.dropLease(m.lease, new FlotillaError('LEASE_LOST', 'lease expired'));
  }

  state(unit: string, machineId: string): UnitStateRecord | undefined {
    return this.states.get(`${unit}/${machineId}`)?.record;
  }

  /** Resolves once `probe()` holds, re-checked on every change (deadline `timeoutMs`). */
  async until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (probe()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => probe() && finish();
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.off('change', check);
        err ? reject(err) : resolve();
      };
      this.on('change', check);
    });
  }

  // ---- the ClusterRegistry methods the agent calls ----
  async registerMachine(machine: MachineRecord, _ttlSec: number, opts?: RegisterMachineOptions): Promise<PresenceLease> {
    const existing = this.machines.get(machine.id);
    // As etcd's take-over transaction: the key moves to the new lease only if the old lease still holds it.
    const takenOver = existing !== undefined && existing.lease.alive && opts?.takeOverLeaseId === existing.lease.leaseId;
    if (existing && !takenOver) throw new FlotillaError('DUPLICATE_MACHINE', `machine ${machine.id} exists`, { retryable: true });
    const listeners: ((err: Error) => void)[] = [];
    const lease: FakeLease = {
      leaseId: String(this.nextLease++),
      alive: true,
      takenOver,
      onLost: (l) => void listeners.push(l),
      lost: (err) => listeners.forEach((l) => l(err)),
      revoke: async () => this.dropLease(lease),
      release: () => {},
    };
    if (existing && takenOver) {
      // The old lease is revoked after the move: only the predecessor's states go with it.
      this.machines.set(machine.id, { record: machine, lease });
      this.dropLease(existing.lease);
    }
    this.machines.set(machine.id, { record: machine, lease });
    this.emit('change');
    return lease;
  }

  async listMachines(): Promise<MachineRecord[]> {
    this.count('listMachines');
    this.failIfDown();
    return [...this.machines.values()].map((m) => m.record);
  }

  /** The fake keeps no schedule: the assignment stands for it. */
  async unassign(unitName: string, machineId: string): Promise<void> {
    this.count('unassign');
    this.failIfDown();
    if (!this.assignments.has(`${machineId}/${unitName}`)) throw new ConflictError(`${unitName} is not scheduled on ${machineId}`);
    this.unassignUnit(machineId, unitName);
  }

  async getUnit(name: string): Promise<UnitRecord | undefined> {
    this.count('getUnit');
    this.failIfDown();
    return this.units.get(name);
  }

  async listAssignments(machineId: string): Promise<Assignment[]> {
    this.count('listAssignments');
    this.failIfDown();
    return [...this.assignments.values()].filter((a) => a.machineId === machineId);
  }

  async assignmentsAt(machineId: string): Promise<{ assignments: Assignment[]; revision: string }> {
    this.count('assignmentsAt');
    this.failIfDown();
    setImmediate(() => this.emit('change')); // tests wait for the agent's snapshot (stats().synced)
    return { assignments: [...this.assignments.values()].filter((a) => a.machineId === machineId), revision: String(this.revision) };
  }

  async watchAssignments(machineId: string, onEvent: (e: WatchEvent<Assignment>) => void): Promise<Subscription> {
    const set = this.watchers.get(machineId) ?? new Set();
    this.watchers.set(machineId, set.add(onEvent));
    return { close: async () => void set.delete(onEvent) };
  }

  async publishState(state: UnitStateRecord, lease: PresenceLease): Promise<void> {
    this.count('publishState');
    this.failIfDown();
    if (!(lease as FakeLease).alive) throw new FlotillaError('LEASE_LOST', 'lease not found');
    this.states.set(`${state.unit}/${state.machineId}`, { record: state, leaseId: lease.leaseId });
    this.emit('change');
  }

  async removeState(unitName: string, machineId: string): Promise<void> {
    this.states.delete(`${unitName}/${machineId}`);
    this.emit('change');
  }

  async close(): Promise<void> {}

  private count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  private failIfDown(): void {
    if (!this.down) return;
    this.failedCalls++;
    setImmediate(() => this.emit('change'));
    throw new FlotillaError('REGISTRY_UNAVAILABLE', 'etcd unreachable (fake)', { retryable: true });
  }

  private notify(machineId: string, event: WatchEvent<Assignment>): void {
    for (const w of this.watchers.get(machineId) ?? []) w(event);
    this.emit('change');
  }

  private dropLease(lease: FakeLease, err?: Error): void {
    if (!lease.alive) return;
    lease.alive = false;
    for (const [id, m] of this.machines) if (m.lease === lease) this.machines.delete(id);
    for (const [key, s] of this.states) if (s.leaseId === lease.leaseId) this.states.delete(key);
    if (err) lease.lost(err);
    this.emit('change');
  }
}

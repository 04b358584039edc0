/**
 * In-memory stand-in for the scheduling and election half of ClusterRegistry & LeaderElection, for fast
 * loop tests. Same contract as EtcdRegistry for what the scheduler uses: fenced, compare-guarded writes
 * that throw ConflictError / LeadershipLostError, an election with onLost. Everything else is absent.
 */
import {
  ConflictError,
  type ApplyScheduleResult,
  type ClusterEvent,
  type Assignment,
  type ScheduleChange,
  LeadershipLostError,
  type ClusterRegistry,
  type ClusterSnapshot,
  type Fence,
  type LeaderElection,
  type Leadership,
  type MachineRecord,
  type Subscription,
  type UnitRecord,
  type UnitStateRecord,
} from '@flotilla/core';

interface Term {
  candidate: string;
  fence: Fence;
  lostListeners: ((err: Error) => void)[];
}

interface Waiter {
  candidate: string;
  resolve: (l: Leadership) => void;
}

export class FakeRegistry {
  revision = 0;
  readonly units = new Map<string, { unit: UnitRecord; rev: number }>();
  readonly machines = new Map<string, MachineRecord>();
  readonly schedule = new Map<string, string>();
  /** Global units' assignments: unit → machine → assignment. */
  readonly globals = new Map<string, Map<string, Assignment>>();
  readonly writes: string[] = [];
  /** Published unit states, by unit (what getStates returns). */
  readonly states = new Map<string, UnitStateRecord[]>();
  /** Number of snapshot() calls: one per scheduling pass. */
  snapshots = 0;
  private watchers = new Set<(event: ClusterEvent) => void>();
  private term: Term | undefined;
  private waiters: Waiter[] = [];
  /** Errors thrown by the next assign/unassign calls, in order. */
  readonly failNextWrites: Error[] = [];

  asRegistry(): ClusterRegistry & LeaderElection {
    return this as unknown as ClusterRegistry & LeaderElection;
  }

  async getStates(unit: string): Promise<UnitStateRecord[]> {
    return this.states.get(unit) ?? [];
  }

  putUnit(unit: UnitRecord): void {
    const rev = ++this.revision;
    this.units.set(unit.name, { unit, rev });
    this.changed({ kind: 'unit', type: 'put', unit, modRevision: String(rev), revision: String(rev) });
  }

  putMachine(machine: MachineRecord): void {
    this.machines.set(machine.id, machine);
    this.changed({ kind: 'machine', type: 'put', machine, revision: String(++this.revision) });
  }

  removeMachine(id: string): void {
    this.machines.delete(id);
    this.changed({ kind: 'machine', type: 'delete', id, revision: String(++this.revision) });
  }

  leader(): string | undefined {
    return this.term?.candidate;
  }

  /** The election key vanishes (lease expired): the leader hears onLost, the next waiter is elected. */
  expireLeadership(): void {
    this.endTerm(new Error('election lease expired'));
  }

  async snapshot(): Promise<ClusterSnapshot> {
    this.snapshots++;
    const units = [...this.units.values()];
    return {
      units: units.map((u) => u.unit),
      machines: [...this.machines.values()],
      schedule: new Map(this.schedule),
      unitRevisions: new Map(units.map((u) => [u.unit.name, String(u.rev)])),
      globalAssignments: new Map([...this.globals].map(([unit, byMachine]) => [unit, new Map(byMachine)])),
      revision: String(this.revision),
    };
  }

  async assign(unit: UnitRecord, unitModRevision: string, machineId: string, fence?: Fence): Promise<void> {
    this.checkWrite(fence);
    const stored = this.units.get(unit.name);
    if (!stored || String(stored.rev) !== unitModRevision || this.schedule.has(unit.name)) {
      throw new ConflictError(`assign ${unit.name}`);
    }
    this.schedule.set(unit.name, machineId);
    this.wrote(`assign ${unit.name} ${machineId}`, { kind: 'schedule', type: 'put', unit: unit.name, machineId, revision: '' });
  }

  async unassign(unitName: string, machineId: string, fence?: Fence): Promise<void> {
    this.checkWrite(fence);
    if (this.schedule.get(unitName) !== machineId) throw new ConflictError(`unassign ${unitName}`);
    this.schedule.delete(unitName);
    this.wrote(`unassign ${unitName} ${machineId}`, { kind: 'schedule', type: 'delete', unit: unitName, revision: '' });
  }

  /** Same contract as EtcdRegistry.applySchedule: removals first, conflicts returned, lost fence thrown. */
  async applySchedule(changes: ScheduleChange[], fence: Fence): Promise<ApplyScheduleResult> {
    const result: ApplyScheduleResult = { applied: 0, conflicts: [] };
    const before = this.revision;
    const removal = (c: ScheduleChange) => c.kind === 'unassign' || c.kind === 'unassign-global';
    for (const change of [...changes.filter(removal), ...changes.filter((c) => !removal(c))]) {
      try {
        await this.applyOne(change, fence);
        result.applied++;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        result.conflicts.push(change);
      }
    }
    return this.revision > before ? { ...result, revision: String(this.revision) } : result;
  }

  private async applyOne(change: ScheduleChange, fence: Fence): Promise<void> {
    if (change.kind === 'assign') return this.assign(change.unit, change.unitModRevision, change.machineId, fence);
    if (change.kind === 'unassign') return this.unassign(change.unit, change.machineId, fence);
    this.checkWrite(fence);
    if (change.kind === 'unassign-global') {
      this.globals.get(change.unit)?.delete(change.machineId);
      const event: ClusterEvent = { kind: 'assignment', type: 'delete', unit: change.unit, machineId: change.machineId, revision: '' };
      return this.wrote(`unassign-global ${change.unit} ${change.machineId}`, event);
    }
    const { unit, machineId } = change;
    if (String(this.units.get(unit.name)?.rev) !== change.unitModRevision) throw new ConflictError(`assign-global ${unit.name}`);
    let byMachine = this.globals.get(unit.name);
    if (!byMachine) this.globals.set(unit.name, (byMachine = new Map()));
    const assignment: Assignment = { unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState };
    byMachine.set(machineId, assignment);
    this.wrote(`assign-global ${unit.name} ${machineId}`, { kind: 'assignment', type: 'put', assignment, revision: '' });
  }

  /** Events after the snapshot, delivered synchronously with each write (fromRevision is implied). */
  async watchCluster(onEvent: (event: ClusterEvent) => void): Promise<Subscription> {
    this.watchers.add(onEvent);
    return { close: async () => void this.watchers.delete(onEvent) };
  }

  campaign(candidateId: string, _ttlSec: number, signal: AbortSignal): Promise<Leadership> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { candidate: candidateId, resolve };
      signal.addEventListener('abort', () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new DOMException('campaign aborted', 'AbortError'));
      }, { once: true });
      this.waiters.push(waiter);
      this.promote();
    });
  }

  async currentLeader(): Promise<string | undefined> {
    return this.term?.candidate;
  }

  private checkWrite(fence: Fence | undefined): void {
    const injected = this.failNextWrites.shift();
    if (injected) throw injected;
    if (fence && (!this.term || this.term.fence.createRevision !== fence.createRevision)) {
      throw new LeadershipLostError(fence.key);
    }
  }

  private wrote(what: string, event: ClusterEvent): void {
    this.writes.push(what);
    this.changed({ ...event, revision: String(++this.revision) } as ClusterEvent);
  }

  private changed(event: ClusterEvent): void {
    for (const w of this.watchers) w(event);
  }

  private promote(): void {
    if (this.term) return;
    const next = this.waiters.shift();
    if (!next) return;
    const term: Term = { candidate: next.candidate, fence: { key: 'election/leader', createRevision: String(++this.revision) }, lostListeners: [] };
    this.term = term;
    next.resolve({
      fence: term.fence,
      onLost: (listener) => void term.lostListeners.push(listener),
      resign: async () => {
        if (this.term === term) this.endTerm(new Error('resigned'));
      },
    });
  }

  private endTerm(err: Error): void {
    const term = this.term;
    this.term = undefined;
    for (const l of term?.lostListeners ?? []) l(err);
    this.promote();
  }
}

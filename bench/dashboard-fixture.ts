/**
 * A synthetic cluster for the dashboard bench: N machines, M units spread over them with published states, an
 * elected leader and a log, held in memory behind the part of the registry the API server reads (OpsView and
 * ServedRegistry). `setActive(unit, state)` changes one unit's state and fires the health watch, as an etcd put
 * would. It keeps etcd's read cost out of the figures, so they show the server pipeline (model, diff, SSE) and the
 * browser.
 */
import type { ServedRegistry } from '@flotilla/api';
import type { ClusterLogEvent, ClusterSnapshot, DeploymentRecord, ServiceHistory, MachineRecord, OpsView, ServiceRecord, Subscription, UnitRecord, UnitStateRecord } from '@flotilla/core';

const readOnly = (): Promise<never> => Promise.reject(new Error('the synthetic cluster is read-only'));

export class SyntheticCluster implements OpsView, ServedRegistry {
  readonly machines: MachineRecord[];
  readonly units: UnitRecord[];
  private readonly states = new Map<string, UnitStateRecord>();
  private readonly schedule = new Map<string, string>();
  private readonly watchers = new Set<() => void>();
  private events: ClusterLogEvent[] = [];

  constructor(machineCount: number, unitCount: number, now = Date.now()) {
    this.machines = Array.from({ length: machineCount }, (_, i) => ({
      id: `m${String(i).padStart(4, '0')}`, hostname: `node-${i}`, ip: `10.${(i >> 8) & 255}.${i & 255}.1`,
      metadata: { region: `r${i % 4}`, disk: i % 2 ? 'ssd' : 'hdd' }, version: '0.1.0', startedAt: now - 3_600_000,
      capacity: { cpuMillis: 4000, memoryBytes: 8 << 30 },
    }));
    this.units = Array.from({ length: unitCount }, (_, i) => ({
      name: `app-${String(i).padStart(5, '0')}.service`, options: [], hash: 'h', desiredState: 'launched', global: false,
    }));
    this.units.forEach((u, i) => {
      const machineId = (this.machines[i % machineCount] as MachineRecord).id;
      this.schedule.set(u.name, machineId);
      this.states.set(u.name, { unit: u.name, machineId, hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: now - 60_000 });
    });
    this.events = this.units.slice(0, 200).map((u, i) => ({ id: String(i).padStart(20, '0'), kind: 'placed', at: now - 60_000 + i, unit: u.name, machineId: this.schedule.get(u.name) as string }));
  }

  setActive(unit: string, activeState: string): void {
    const s = this.states.get(unit);
    if (!s) throw new Error(`no unit ${unit}`);
    this.states.set(unit, { ...s, activeState, subState: activeState === 'active' ? 'running' : 'dead', updatedAt: Date.now() });
    for (const w of this.watchers) w();
  }

  // ---- what the ops views call (OpsRegistry's read side) ----
  async snapshot(): Promise<ClusterSnapshot> {
    return { units: this.units, machines: this.machines, schedule: new Map(this.schedule), unitRevisions: new Map(), globalAssignments: new Map(), laggingAssignments: new Map(), revision: '1' };
  }
  async listStates(): Promise<UnitStateRecord[]> {
    return [...this.states.values()];
  }
  async currentLeader(): Promise<string | undefined> {
    return this.machines[0]?.id;
  }
  async listEvents(): Promise<ClusterLogEvent[]> {
    return this.events;
  }
  async watchHealthChanges(onChange: () => void): Promise<Subscription> {
    this.watchers.add(onChange);
    return { close: async () => void this.watchers.delete(onChange) };
  }
  async watchCluster(): Promise<Subscription> {
    return { close: async () => undefined };
  }

  // ---- the fleet API routes' reads (the bench does not write) ----
  async listUnits(): Promise<UnitRecord[]> {
    return this.units;
  }
  async getUnit(name: string): Promise<UnitRecord | undefined> {
    return this.units.find((u) => u.name === name);
  }
  async listMachines(): Promise<MachineRecord[]> {
    return this.machines;
  }
  async getStates(unit: string): Promise<UnitStateRecord[]> {
    const s = this.states.get(unit);
    return s ? [s] : [];
  }
  async watchStates(): Promise<Subscription> {
    return { close: async () => undefined };
  }
  async listServices(): Promise<ServiceRecord[]> {
    return [];
  }
  scaleService = readOnly;
  startDeployment = readOnly;
  promoteDeployment = readOnly;
  async listDeployments(): Promise<DeploymentRecord[]> {
    return [];
  }
  async getDeployment(): Promise<DeploymentRecord | undefined> {
    return undefined;
  }
  async getHistory(): Promise<ServiceHistory | undefined> {
    return undefined;
  }
  submitUnit = readOnly;
  submitUnits = readOnly;
  setDesiredState = readOnly;
  destroyUnit = readOnly;
  patchMachineMetadata = readOnly;
  setMachineCordon = readOnly;
}

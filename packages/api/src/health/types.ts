/**
 * The health view's shapes (docs/ops.md): what `/v2/health` returns, what the dashboard draws and what
 * `flotilla health` summarises. Plain JSON values, no Maps, so the same object is the wire format.
 */
import type { Assignment, ClusterLogEvent, DeploymentProgress, DeploymentRecord, DesiredState, MachineCapacity, MachineCordon, MachineRecord, MachineSchedulingState, ServiceRecord, UnitRecord, UnitStateRecord } from '@flotilla/core';

/** Everything the model reads: one snapshot, the published states, the leader and the event log. */
export interface HealthInput {
  /** ms since epoch (the caller's clock; the model has none). */
  now: number;
  units: readonly UnitRecord[];
  machines: readonly MachineRecord[];
  /** unit → machine id (`schedule/`). */
  schedule: ReadonlyMap<string, string>;
  /** Global units' per-machine assignments. */
  globalAssignments: ReadonlyMap<string, ReadonlyMap<string, Assignment>>;
  states: readonly UnitStateRecord[];
  leader: string | undefined;
  events: readonly ClusterLogEvent[];
  /** Stored services (template + count) and every service's latest deployment; absent → no services listed. */
  services?: readonly ServiceRecord[];
  deployments?: readonly DeploymentRecord[];
}

/** A service (template and count) or a global unit, as the Services panel shows it (docs/ops.md). */
export interface ServiceHealth {
  /** The template (app@.service) or the global unit's name. */
  name: string;
  kind: 'service' | 'global';
  /** The service's count; a global unit's: the live machines it is assigned to. */
  desired: number;
  /** Instances (global: machines) whose unit is active. */
  running: number;
  /** The version the template (or global unit) record holds. */
  hash: string;
  /** Its latest deployment, if it ever had one. */
  deployment?: DeploymentProgress;
}

/**
 * ok: running as desired. inactive: desired inactive. pending: placed, not (yet) in the desired state.
 * failed: systemd says failed. unscheduled: wants to run, placed nowhere. lost: placed on a machine that is gone.
 * unhealthy: running as desired, but its health check (or its container's) says unhealthy.
 */
export type UnitHealthStatus = 'ok' | 'inactive' | 'pending' | 'failed' | 'unscheduled' | 'lost' | 'unhealthy';
/** The unit's health checks (`UnitStateRecord.health`) or its container engine's (`container.health`). */
export type CheckStatus = 'starting' | 'healthy' | 'unhealthy';
export type ActualState = 'launched' | 'loaded' | 'inactive' | 'failed';

export interface UnitHealth {
  name: string;
  desired: DesiredState;
  actual: ActualState;
  health: UnitHealthStatus;
  global: boolean;
  /** Where it is placed (not for global units). */
  machineId?: string;
  /** Global units: machines it is assigned to. */
  machines?: number;
  activeState?: string;
  subState?: string;
  /** ms since epoch of the last active-state change (systemd's StateChangeTimestamp; else the observation time). */
  since?: number;
  /** systemd's NRestarts on its machine (global units: the sum over its machines); absent when not published. */
  restarts?: number;
  /** Health check result, when the unit or its container has checks. */
  check?: CheckStatus;
}

export interface MachineHealth {
  id: string;
  status: 'up' | 'down';
  hostname?: string;
  ip?: string;
  metadata: Record<string, string>;
  /** up: the generation time (its lease is alive); down: when it was reported lost, if known. */
  lastSeen?: number;
  /** When this agent registered (up machines). */
  startedAt?: number;
  capacity?: MachineCapacity;
  /** What its placed units request (MemoryMax=/CPUQuota=); absent when they request nothing. */
  used?: MachineCapacity;
  /** Units placed on it (scheduled + global assignments). */
  units: number;
  apiUrl?: string;
  /** Up machines: schedulable, cordoned, draining or drained (docs/machine-lifecycle.md). */
  scheduling?: MachineSchedulingState;
  /** Up machines an operator cordoned or drains. */
  cordon?: MachineCordon;
}

export type ProblemKind = 'no-leader' | 'machine-lost' | 'unit-failed' | 'unit-unscheduled' | 'unit-lost' | 'unit-unhealthy';

export interface Problem {
  kind: ProblemKind;
  /** The unit or machine concerned ('' for no-leader). */
  subject: string;
  detail: string;
}

export interface HealthCounts {
  machines: { up: number; down: number };
  units: Record<UnitHealthStatus, number> & { total: number };
}

export interface HealthReport {
  generatedAt: number;
  /** attention when any problem is listed. */
  status: 'ok' | 'attention';
  leader: string | null;
  problems: Problem[];
  counts: HealthCounts;
  machines: MachineHealth[];
  units: UnitHealth[];
  /** Services and global units, by name (health/services.ts). */
  services: ServiceHealth[];
  events: ClusterLogEvent[];
}

/**
 * The cluster model: plain values shared by every package. Records are what the registry stores
 * (msgpackr-encoded) under the keys described in docs/registry.md.
 */

/** fleet's target states: inactive = not scheduled, loaded = unit file installed, launched = started. */
export type DesiredState = 'inactive' | 'loaded' | 'launched';
export const DESIRED_STATES: readonly DesiredState[] = ['inactive', 'loaded', 'launched'];

/** One `Name=Value` line of a unit file, as fleet's API v1 `UnitOption`. */
export interface UnitOption {
  section: string;
  name: string;
  value: string;
}

/** A unit as submitted: its name and its parsed options (order kept). */
export interface UnitSpec {
  name: string;
  options: UnitOption[];
}

/** `units/<name>`: a submitted unit with its desired state. `hash` is the SHA1 of the canonical text. */
/** A stored service (docs/services.md): a template in the registry and how many numbered instances
 * `TEMPLATE@1..count` the elected scheduler keeps launched. Key `services/<template>`. */
export interface ServiceRecord {
  /** The template's registry name, `app@.service`. */
  template: string;
  count: number;
}

export interface UnitRecord extends UnitSpec {
  hash: string;
  desiredState: DesiredState;
  /** `[X-Fleet] Global=true`: runs on every eligible machine, never placed by the scheduler. */
  global: boolean;
  /** A global unit being deployed: the options of the other versions machines' assignments may still name (their
   * version pins, docs/deployments.md "Global units"). The scheduler leaves such an assignment's hash alone and the
   * agent runs that version's text. */
  pinned?: Record<string, UnitOption[]>;
}

/** `machines/<id>`: a live machine, kept alive by the agent's lease. */
export interface MachineRecord {
  id: string;
  hostname: string;
  ip: string;
  metadata: Record<string, string>;
  /** Flotilla version of the agent. */
  version: string;
  /** ms since epoch when this agent registered. */
  startedAt: number;
  /** What the machine offers to units (scheduler never overcommits it). */
  capacity?: MachineCapacity;
  /** Base URL of this agent's HTTP API (e.g. http://10.0.0.5:54728), for status/journal and the dashboard. */
  apiUrl?: string;
  /** An operator's cordon (and drain), merged in from `machine-metadata/<id>/_flotilla.cordon` (never written by
   * the agent; survives the machine leaving and rejoining). Absent = schedulable. docs/machine-lifecycle.md */
  cordon?: MachineCordon;
  /** Set by the agent itself when it stops for good: it is unloading its units and hands each back to the
   * scheduler as soon as it is down, so no new unit may be placed here (docs/agent.md, "Stopping"). */
  leaving?: boolean;
  /** The highest registry layout this daemon can lead under (docs/registry.md, "One write per placement"); absent:
   * 1 (daemons before layout 2). The leader moves the cluster to layout 2 only when every live machine can lead it. */
  layout?: number;
}

/** `flotilla cordon`/`drain`: no new unit is placed on the machine; with `drain`, the scheduler moves its
 * non-global units off, one template instance at a time (docs/machine-lifecycle.md). */
export interface MachineCordon {
  /** ms since epoch. */
  since: number;
  drain?: MachineDrain;
}

export interface MachineDrain {
  /** ms since epoch when the drain was asked for. */
  startedAt: number;
  /** ms since epoch; past it, units that could not move yet are stopped and moved anyway. Absent = no deadline. */
  deadlineAt?: number;
}

/** What list-machines shows: `drained` = draining and no non-global unit scheduled there any more; `leaving` = its
 * agent is stopping for good (for the seconds its units take to stop). */
export type MachineSchedulingState = 'schedulable' | 'cordoned' | 'draining' | 'drained' | 'leaving';

/** The machine's scheduling state, given how many non-global units are scheduled on it. Pure. */
export function machineSchedulingState(machine: Pick<MachineRecord, 'cordon' | 'leaving'>, nonGlobalUnits: number): MachineSchedulingState {
  if (machine.leaving === true) return 'leaving';
  if (!machine.cordon) return 'schedulable';
  if (!machine.cordon.drain) return 'cordoned';
  return nonGlobalUnits > 0 ? 'draining' : 'drained';
}

export interface MachineCapacity {
  /** CPU capacity in milli-CPUs (1000 = one core). */
  cpuMillis: number;
  memoryBytes: number;
}

/** The registry's key layout (docs/registry.md, "One write per placement"): 1, a placement is a `schedule/` key
 * and its assignment; 2, the placed assignment alone. */
export type RegistryLayout = 1 | 2;

/** `assignments/<machineId>/<unit>`: what one machine must run; the agent watches only its own prefix. */
export interface Assignment {
  unit: string;
  machineId: string;
  hash: string;
  desiredState: DesiredState;
  /** Written by the leader's placement of a non-global unit: this assignment is where the unit is scheduled
   * (docs/registry.md, "One write per placement"). Absent on a global unit's assignments. Agents ignore it. */
  placed?: true;
}

/** systemd's view of a unit on one machine. */
export interface SystemdUnitState {
  loadState: string;
  activeState: string;
  subState: string;
}

/** `states/<unit>/<machineId>`: published by the agent under its lease. */
export interface UnitStateRecord extends SystemdUnitState {
  unit: string;
  machineId: string;
  hash: string;
  /** ms since epoch of the observation. */
  updatedAt: number;
  /** systemd's NRestarts: automatic restarts since the unit was (re)loaded. */
  restarts?: number;
  /** ms since epoch when ActiveState last changed (systemd's StateChangeTimestamp). */
  since?: number;
  /** Container units: what the engine reports. */
  container?: ContainerStateSummary;
  /** Result of the unit's health checks, when it declares any. */
  health?: UnitHealth;
}

export interface ContainerStateSummary {
  /** Engine state: created, running, exited, missing (no container), pulling, pull-failed... */
  state: string;
  exitCode?: number;
  /** The engine's own health status (HealthCmd), if any. */
  health?: string;
  /** Why the container is not running (e.g. the image pull error). */
  error?: string;
}

export interface UnitHealth {
  status: 'starting' | 'healthy' | 'unhealthy';
  /** ms since epoch of the last check. */
  checkedAt: number;
  /** Consecutive failed checks. */
  failures: number;
  message?: string;
}

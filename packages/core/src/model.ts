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
export interface UnitRecord extends UnitSpec {
  hash: string;
  desiredState: DesiredState;
  /** `[X-Fleet] Global=true`: runs on every eligible machine, never placed by the scheduler. */
  global: boolean;
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
}

export interface MachineCapacity {
  /** CPU capacity in milli-CPUs (1000 = one core). */
  cpuMillis: number;
  memoryBytes: number;
}

/** `assignments/<machineId>/<unit>`: what one machine must run; the agent watches only its own prefix. */
export interface Assignment {
  unit: string;
  machineId: string;
  hash: string;
  desiredState: DesiredState;
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
}

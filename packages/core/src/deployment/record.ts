/**
 * What a deployment stores (docs/deployments.md): `deployments/<template>` = the service's latest deployment,
 * `service-history/<template>` = its bounded version history. Types and shape checks for decoded values.
 */
import type { UnitOption } from '../model.js';
import { isUnitOption } from '../registry/record-guards.js';
import type { UpdateStrategy } from '../unit/update-keys.js';

export const DEPLOYMENT_STATES = ['running', 'waiting-promotion', 'reverting', 'succeeded', 'failed', 'reverted'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** States in which the deployment is still being driven: a second deployment of the service is refused. */
export const ACTIVE_DEPLOYMENT_STATES: readonly DeploymentState[] = ['running', 'waiting-promotion', 'reverting'];

export function isActiveDeployment(d: Pick<DeploymentRecord, 'state'>): boolean {
  return ACTIVE_DEPLOYMENT_STATES.includes(d.state);
}

/** An instance the deployment has put on its current target version. */
export interface DeploymentInstance {
  /** ms since epoch: when it was replaced (or first seen on the target). */
  startedAt: number;
  /** Since when it has been healthy without a break; absent while it is not. */
  healthyAt?: number;
  /** It stayed healthy for MinHealthyTime: it no longer counts against MaxParallel. Never reset. */
  done?: boolean;
  /** The deployment put it on the target (absent: it was on it already, or was created from the template). */
  replaced?: boolean;
}

export interface DeploymentRecord {
  id: string;
  template: string;
  fromHash: string;
  toHash: string;
  fromOptions: UnitOption[];
  toOptions: UnitOption[];
  strategy: UpdateStrategy;
  state: DeploymentState;
  /** Why it failed or reverted. */
  reason?: string;
  /** `deploy promote` (or AutoPromote=) let it past its canaries. */
  promoted: boolean;
  /** Started by `rollback`. */
  rollback: boolean;
  /** A global unit's deployment: instances are machines (by id), each moved by its assignment's hash. */
  global?: boolean;
  /** Instances on the current target (toHash, or fromHash while reverting), by name (machine id when global). */
  instances: Record<string, DeploymentInstance>;
  createdAt: number;
  updatedAt: number;
  /** Last time an instance became healthy for good (or the start): ProgressDeadline counts from it. */
  progressAt: number;
}

export const VERSION_RESULTS = ['running', 'healthy', 'failed', 'reverted'] as const;
export type VersionResult = (typeof VERSION_RESULTS)[number];

export interface ServiceVersion {
  hash: string;
  options: UnitOption[];
  /** ms since epoch it was deployed. */
  at: number;
  deploymentId?: string;
  result: VersionResult;
}

export interface ServiceHistory {
  template: string;
  /** Oldest first. */
  versions: ServiceVersion[];
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const isOptions = (v: unknown): v is UnitOption[] => Array.isArray(v) && v.every(isUnitOption);
const isInstance = (v: unknown): boolean => isObject(v) && typeof v.startedAt === 'number';

export function isDeploymentRecord(value: unknown): value is DeploymentRecord {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.template === 'string' &&
    typeof value.fromHash === 'string' &&
    typeof value.toHash === 'string' &&
    isOptions(value.fromOptions) &&
    isOptions(value.toOptions) &&
    isObject(value.strategy) &&
    DEPLOYMENT_STATES.includes(value.state as DeploymentState) &&
    typeof value.promoted === 'boolean' &&
    isObject(value.instances) &&
    Object.values(value.instances).every(isInstance) &&
    typeof value.createdAt === 'number' &&
    typeof value.progressAt === 'number'
  );
}

export function isServiceHistory(value: unknown): value is ServiceHistory {
  return (
    isObject(value) &&
    typeof value.template === 'string' &&
    Array.isArray(value.versions) &&
    value.versions.every((v) => isObject(v) && typeof v.hash === 'string' && isOptions(v.options) && typeof v.at === 'number' && VERSION_RESULTS.includes(v.result as VersionResult))
  );
}

/**
 * How far a deployment has got, pure (docs/deployments.md): the numbers `deploy`, `deployments`, the health report
 * and the dashboard show — batch k of n, instances healthy on the target, whether canaries wait for `promote`.
 */
import type { DeploymentRecord, DeploymentState } from './record.js';
import { isActiveDeployment } from './record.js';

export interface DeploymentProgress {
  id: string;
  state: DeploymentState;
  /** The version instances are being moved to: toHash, or fromHash while reverting. */
  target: string;
  fromHash: string;
  toHash: string;
  /** Batch being worked on (1-based) out of `batches` (MaxParallel at a time). */
  batch: number;
  batches: number;
  /** Instances that stayed healthy on the target for MinHealthyTime, out of `total`. */
  healthy: number;
  total: number;
  /** Its canaries are healthy and it waits for `deploy promote`. */
  waitingPromotion: boolean;
  active: boolean;
  rollback: boolean;
  global: boolean;
  reason?: string;
  createdAt: number;
  updatedAt: number;
}

/** `count`: the service's desired count (a global unit's: its machines), when known; else the instances recorded. */
export function deploymentProgress(d: DeploymentRecord, count?: number): DeploymentProgress {
  const started = Object.keys(d.instances).length;
  const total = count ?? started;
  const batches = Math.max(1, Math.ceil(total / d.strategy.maxParallel));
  return {
    id: d.id,
    state: d.state,
    target: d.state === 'reverting' ? d.fromHash : d.toHash,
    fromHash: d.fromHash,
    toHash: d.toHash,
    batch: Math.min(batches, Math.max(1, Math.ceil(started / d.strategy.maxParallel))),
    batches,
    healthy: Object.values(d.instances).filter((i) => i.done === true).length,
    total,
    waitingPromotion: d.state === 'waiting-promotion',
    active: isActiveDeployment(d),
    rollback: d.rollback,
    global: d.global === true,
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

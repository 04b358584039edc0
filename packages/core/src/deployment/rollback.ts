/**
 * Starting a rollback (docs/deployments.md "Rolling back"): `flotilla rollback` and the API's
 * `POST /v2/deployments/<template>/rollback` both call this, so they pick the same version and refuse the same
 * things. The target comes from the history (rollbackTarget); the start is an ordinary deployment with
 * `rollback: true`, gated by the same transaction (a deployment in progress is refused there too).
 */
import { DeploymentInProgressError, UnitNotFoundError } from '../errors.js';
import type { DeploymentCatalog, UnitCatalog } from '../registry/types.js';
import { isActiveDeployment, type DeploymentRecord, type ServiceVersion } from './record.js';
import { rollbackTarget } from './start.js';

export type RollbackRegistry = Pick<UnitCatalog, 'getUnit'> & Pick<DeploymentCatalog, 'getHistory' | 'getDeployment' | 'startDeployment'>;

export interface StartedRollback {
  deployment: DeploymentRecord;
  /** The history entry deployed. */
  target: ServiceVersion;
}

/** `template`: a service's template (app@.service) or a global unit's name. `to`: a hash prefix (else the newest
 * healthy version that is not current). Unknown → UnitNotFoundError; one running → DeploymentInProgressError
 * (checked first, so it is named rather than hidden behind a missing target); no target → NoRollbackTargetError. */
export async function startRollback(registry: RollbackRegistry, template: string, to?: string): Promise<StartedRollback> {
  const [history, current, running] = await Promise.all([registry.getHistory(template), registry.getUnit(template), registry.getDeployment(template)]);
  if (!current) throw new UnitNotFoundError(template);
  if (running && isActiveDeployment(running)) throw new DeploymentInProgressError(template, running.id, running.state);
  const target = rollbackTarget(template, history, current.hash, to);
  const deployment = await registry.startDeployment({ name: template, options: target.options }, { rollback: true });
  return { deployment, target };
}

/**
 * Starting, promoting and rolling back a deployment, pure (docs/deployments.md): what the one transaction that
 * starts a deployment writes — the template with the new options, the deployment record, the history — from what
 * it read. Both registries (etcd, memory) call these, so they refuse the same things.
 */
import { DeploymentInProgressError, InvalidDeploymentError, NoRollbackTargetError, NotPromotableError } from '../errors.js';
import type { ServiceRecord, UnitRecord, UnitSpec } from '../model.js';
import { unitNameInfo } from '../unit/name.js';
import { makeUnitRecord, newUnitRecord } from '../unit/record.js';
import { isStrategyProblem, updateStrategyOf } from '../unit/update-keys.js';
import { isActiveDeployment, type DeploymentRecord, type ServiceHistory, type ServiceVersion, type VersionResult } from './record.js';

export interface StartRequest {
  spec: UnitSpec;
  id: string;
  now: number;
  rollback?: boolean;
}

export interface StoredService {
  template: UnitRecord | undefined;
  service: ServiceRecord | undefined;
  current: DeploymentRecord | undefined;
  history: ServiceHistory | undefined;
}

export interface StartWrites {
  deployment: DeploymentRecord;
  template: UnitRecord;
  history: ServiceHistory;
}

export function planStart(req: StartRequest, stored: StoredService): StartWrites {
  const name = req.spec.name;
  if (stored.template?.global === true && !unitNameInfo(name).isTemplate) return planGlobalStart(req, stored.template, stored);
  if (!unitNameInfo(name).isTemplate) throw new InvalidDeploymentError(`${name} is not a template unit (NAME@.service) or a stored global unit: only services and global units are deployed`);
  const record = newUnitRecord(req.spec, 'inactive');
  if (!stored.template || !stored.service) throw new InvalidDeploymentError(`${name} is not a stored service`);
  if (record.global || stored.template.global) throw new InvalidDeploymentError(`${name} is a global template: deploy a stored global unit by its name`);
  if (stored.current && isActiveDeployment(stored.current)) throw new DeploymentInProgressError(name, stored.current.id, stored.current.state);
  return startWrites(req, stored, stored.template, record);
}

/** A global unit (docs/deployments.md "Global units"): the record gets the new options and keeps the old version's
 * as a pin, so every machine stays on it until the leader moves its assignment; its desired state is kept. */
function planGlobalStart(req: StartRequest, current: UnitRecord, stored: StoredService): StartWrites {
  const name = req.spec.name;
  const next = newUnitRecord(req.spec, current.desiredState);
  if (!next.global) throw new InvalidDeploymentError(`${name} is a global unit and the new version is not: a deployment does not change the kind of unit`, `destroy ${name} and start the new version`);
  if (stored.current && isActiveDeployment(stored.current)) throw new DeploymentInProgressError(name, stored.current.id, stored.current.state);
  const pinned = { ...(current.pinned ?? {}), [current.hash]: current.options };
  delete pinned[next.hash];
  const record: UnitRecord = Object.keys(pinned).length > 0 ? { ...next, pinned } : next;
  const writes = startWrites(req, stored, current, record);
  return { ...writes, deployment: { ...writes.deployment, global: true } };
}

function startWrites(req: StartRequest, stored: StoredService, from: UnitRecord, record: UnitRecord): StartWrites {
  const name = req.spec.name;
  const strategy = updateStrategyOf(record.options);
  // newUnitRecord validated the options, so a problem cannot be left; checked for the type.
  if (isStrategyProblem(strategy)) throw new InvalidDeploymentError(strategy.problem);
  const deployment: DeploymentRecord = {
    id: req.id,
    template: name,
    fromHash: from.hash,
    toHash: record.hash,
    fromOptions: from.options,
    toOptions: record.options,
    strategy,
    state: 'running',
    promoted: false,
    rollback: req.rollback === true,
    instances: {},
    createdAt: req.now,
    updatedAt: req.now,
    progressAt: req.now,
  };
  let history = stored.history ?? { template: name, versions: [] };
  // The version that ran before the first deployment becomes the first entry, so there is something to go back to.
  if (!history.versions.some((v) => v.hash === from.hash)) {
    history = withVersion(history, { hash: from.hash, options: from.options, at: req.now, result: 'healthy' }, strategy.historyLimit);
  }
  history = withVersion(history, { hash: record.hash, options: record.options, at: req.now, deploymentId: req.id, result: 'running' }, strategy.historyLimit);
  return { deployment, template: record, history };
}

/** Appends `version`, dropping the oldest entries beyond `limit`. */
export function withVersion(history: ServiceHistory, version: ServiceVersion, limit: number): ServiceHistory {
  const versions = [...history.versions, version];
  return { template: history.template, versions: versions.slice(Math.max(0, versions.length - limit)) };
}

/** Sets the result of the entry `deploymentId` wrote (the newest entry of that hash when it wrote none). */
export function withResult(history: ServiceHistory, deploymentId: string, hash: string, result: VersionResult): ServiceHistory {
  let index = history.versions.findIndex((v) => v.deploymentId === deploymentId && v.hash === hash);
  if (index === -1) index = history.versions.map((v) => v.hash).lastIndexOf(hash);
  if (index === -1) return history;
  const versions = history.versions.map((v, i) => (i === index ? { ...v, result } : v));
  return { ...history, versions };
}

/** The version `rollback` deploys: the one `to` names (a hash prefix), else the newest healthy one that is not current. */
export function rollbackTarget(template: string, history: ServiceHistory | undefined, currentHash: string, to?: string): ServiceVersion {
  const versions = [...(history?.versions ?? [])].reverse();
  if (to !== undefined) {
    const found = versions.filter((v) => v.hash.startsWith(to.toLowerCase()));
    if (found.length === 0 || to.length === 0) throw new NoRollbackTargetError(template, `no version ${to} in the history`);
    if (new Set(found.map((v) => v.hash)).size > 1) throw new NoRollbackTargetError(template, `${to} names more than one version; give more of the hash`);
    return found[0] as ServiceVersion;
  }
  const target = versions.find((v) => v.result === 'healthy' && v.hash !== currentHash);
  if (!target) throw new NoRollbackTargetError(template, 'no earlier healthy version in the history');
  return target;
}

/** The record `deploy promote` writes. */
export function planPromote(template: string, current: DeploymentRecord | undefined, now: number): DeploymentRecord {
  if (!current || !isActiveDeployment(current)) throw new NotPromotableError(template, 'no deployment is running');
  if (current.state === 'reverting') throw new NotPromotableError(template, `deployment ${current.id} is reverting`);
  if (current.strategy.canary === 0) throw new NotPromotableError(template, `deployment ${current.id} has no canaries`);
  if (current.promoted) throw new NotPromotableError(template, `deployment ${current.id} is already promoted`);
  return { ...current, promoted: true, state: 'running', updatedAt: now };
}

/** What a global unit's record becomes with a leader step (undefined: unchanged). A revert puts the old options
 * back and pins the new ones (machines on them are moved back one batch at a time); the end of the deployment
 * drops every pin, every machine then being on the record's version. */
export function nextGlobalRecord(unit: UnitRecord, step: { deployment: DeploymentRecord; revertTemplate: boolean }): UnitRecord | undefined {
  const d = step.deployment;
  if (step.revertTemplate) {
    const back = makeUnitRecord({ name: unit.name, options: d.fromOptions }, unit.desiredState);
    const pinned = { ...(unit.pinned ?? {}), [unit.hash]: unit.options };
    delete pinned[back.hash];
    return Object.keys(pinned).length > 0 ? { ...back, pinned } : back;
  }
  if ((d.state === 'succeeded' || d.state === 'reverted') && unit.pinned !== undefined) {
    const { pinned: _dropped, ...rest } = unit;
    return rest;
  }
  return undefined;
}

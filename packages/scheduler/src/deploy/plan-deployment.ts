/**
 * One step of a deployment, pure (docs/deployments.md): from the deployment record, the service's instances with
 * their version and published state, and the time, decide which instances to put on the target version now and
 * what the record becomes — instance health tracked, batches under MaxParallel, MinHealthyTime, HealthyDeadline,
 * ProgressDeadline, canaries waiting for promotion, a revert to the version that ran before, the end.
 * Nomad's rolling update (`update` block) is the model: a window of MaxParallel instances in flight.
 */
import type { DeploymentInstance, DeploymentRecord, UnitStateRecord, VersionResult } from '@flotilla/core';
import { instanceHealth } from './instance-health.js';

export interface InstanceView {
  name: string;
  /** The hash of its unit record: the version it is on. */
  hash: string;
  /** Its published states (one per machine reporting it). */
  states: readonly UnitStateRecord[];
}

export interface DeployInput {
  deployment: DeploymentRecord;
  /** The service's count: instances TEMPLATE@1..count. */
  count: number;
  /** The numbered instances 1..count that exist (missing ones are being created from the template). */
  instances: readonly InstanceView[];
  now: number;
}

export interface DeployStep {
  /** The record after this step (the same object when nothing changed). */
  deployment: DeploymentRecord;
  /** Instances to put on the target version now, in this order. */
  replace: string[];
  /** The template goes back to `fromOptions` (a revert starts). */
  revertTemplate: boolean;
  /** History results to record: the deployed version's result. */
  results: { hash: string; result: VersionResult }[];
  /** What happened, one line each (events and logs). */
  notes: string[];
}

export function planDeployment({ deployment: d, count, instances, now }: DeployInput): DeployStep {
  const step: DeployStep = { deployment: d, replace: [], revertTemplate: false, results: [], notes: [] };
  if (d.state === 'succeeded' || d.state === 'failed' || d.state === 'reverted') return step;
  const reverting = d.state === 'reverting';
  const target = reverting ? d.fromHash : d.toHash;
  const s = d.strategy;
  const tracked: Record<string, DeploymentInstance> = {};
  let progressAt = d.progressAt;
  const failures: string[] = [];
  // Instance number order; machine ids (a global unit's instances) by id.
  const sorted = [...instances].sort((a, b) => instanceNumber(a.name) - instanceNumber(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const inst of sorted) {
    if (inst.hash !== target) continue;
    const before = d.instances[inst.name] ?? { startedAt: now };
    const health = instanceHealth(inst.states, target);
    const next: DeploymentInstance = { startedAt: before.startedAt, ...(before.replaced === true ? { replaced: true } : {}) };
    if (health === 'healthy') next.healthyAt = before.healthyAt ?? now;
    next.done = before.done === true || (next.healthyAt !== undefined && now - next.healthyAt >= s.minHealthyTimeMs) || undefined;
    if (next.done === true && before.done !== true) progressAt = now;
    if (next.done !== true && health === 'failed') failures.push(`${inst.name} failed`);
    else if (next.done !== true && now - next.startedAt > s.healthyDeadlineMs) failures.push(`${inst.name} not healthy within HealthyDeadline (${s.healthyDeadlineMs} ms)`);
    tracked[inst.name] = stripUndefined(next);
  }
  let next: DeploymentRecord = { ...d, instances: tracked, progressAt };
  if (failures.length === 0 && now - progressAt > s.progressDeadlineMs) failures.push(`no progress within ProgressDeadline (${s.progressDeadlineMs} ms)`);
  if (failures.length > 0) return fail(step, next, failures.join('; '), now);

  const pending = sorted.filter((i) => i.hash !== target).map((i) => i.name);
  const all = Object.values(tracked);
  const inFlight = all.filter((i) => i.done !== true).length;
  const canaryGate = !reverting && s.canary > 0 && !d.promoted;
  if (canaryGate && all.length >= s.canary && inFlight === 0 && pending.length > 0) {
    if (s.autoPromote) {
      next = { ...next, promoted: true, state: 'running' };
      step.notes.push(`canaries healthy: promoted automatically`);
    } else if (next.state !== 'waiting-promotion') {
      next = { ...next, state: 'waiting-promotion' };
      step.notes.push(`canaries healthy: waiting for promotion (flotilla deploy promote ${d.template.replace(/\.service$/, '')})`);
    }
  }
  const stillGated = canaryGate && !next.promoted;
  const room = Math.max(0, s.maxParallel - inFlight);
  const allowed = stillGated ? Math.max(0, Math.min(room, s.canary - all.length)) : room;
  step.replace = pending.slice(0, allowed);
  for (const name of step.replace) tracked[name] = { startedAt: now, replaced: true };
  if (step.replace.length > 0) step.notes.push(`replacing ${step.replace.join(', ')}`);

  const finished = pending.length === 0 && instances.length >= count && inFlight === 0;
  if (finished) {
    next = { ...next, state: reverting ? 'reverted' : 'succeeded' };
    if (!reverting) step.results.push({ hash: d.toHash, result: 'healthy' });
    step.notes.push(reverting ? `reverted to ${d.fromHash.slice(0, 7)}` : `every instance healthy on ${d.toHash.slice(0, 7)}`);
  }
  step.deployment = changed(d, next) ? { ...next, updatedAt: now } : d;
  return step;
}

function fail(step: DeployStep, next: DeploymentRecord, reason: string, now: number): DeployStep {
  const d = step.deployment;
  const canRevert = d.state !== 'reverting' && d.strategy.autoRevert && d.fromHash !== d.toHash;
  if (canRevert) {
    step.deployment = { ...next, state: 'reverting', reason, instances: {}, progressAt: now, updatedAt: now };
    step.revertTemplate = true;
    step.results.push({ hash: d.toHash, result: 'reverted' });
    step.notes.push(`failed (${reason}): reverting to ${d.fromHash.slice(0, 7)}`);
    return step;
  }
  step.deployment = { ...next, state: 'failed', reason: d.state === 'reverting' ? `revert failed: ${reason} (after: ${d.reason ?? 'failure'})` : reason, updatedAt: now };
  if (d.state !== 'reverting') step.results.push({ hash: d.toHash, result: 'failed' });
  step.notes.push(`failed: ${step.deployment.reason}`);
  return step;
}

function instanceNumber(name: string): number {
  const m = /@(\d+)\./.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

function stripUndefined(i: DeploymentInstance): DeploymentInstance {
  const out: DeploymentInstance = { startedAt: i.startedAt };
  if (i.healthyAt !== undefined) out.healthyAt = i.healthyAt;
  if (i.done === true) out.done = true;
  if (i.replaced === true) out.replaced = true;
  return out;
}

function changed(a: DeploymentRecord, b: DeploymentRecord): boolean {
  return a.state !== b.state || a.promoted !== b.promoted || a.progressAt !== b.progressAt || JSON.stringify(a.instances) !== JSON.stringify(b.instances);
}

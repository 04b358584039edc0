/**
 * The leader's step that drives deployments (docs/deployments.md): read the active deployments, the services, the
 * leader's cluster view and the published states, plan each deployment (deploy/plan-deployment.ts, pure) and write
 * each step in one transaction fenced by leadership. Everything a step needs is in etcd, so a new leader resumes
 * a deployment where the last one left it. States are not watched: while a deployment runs the caller polls.
 */
import {
  isActiveDeployment,
  LeadershipLostError,
  scaleTemplateParts,
  type ClusterEventLog,
  type ClusterSnapshot,
  type DeploymentControl,
  type DeploymentRecord,
  type Fence,
  type NewClusterLogEvent,
  type ServiceControl,
  type StoredDeployment,
  type UnitStateRecord,
  type UnitStateView,
} from '@flotilla/core';
import type { Logger } from 'pino';
import { planDeployment, type DeployStep, type InstanceView } from '../deploy/plan-deployment.js';

export type DriverOutcome = 'idle' | 'busy' | 'conflict' | 'lost' | 'failed';

export type DeployDriverRegistry = DeploymentControl & Pick<ServiceControl, 'listServices'> & Pick<UnitStateView, 'listStates'> & Pick<ClusterEventLog, 'appendEvents'>;

export class DeployDriver {
  /** At the start of a term, and while a deployment runs, every pass looks; otherwise every `recheckMs`. */
  private running = true;
  private lookedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly registry: DeployDriverRegistry,
    private readonly logger: Logger,
    private readonly recheckMs: number,
    private readonly clock: { wall: () => number; mono: () => number } = { wall: () => Date.now(), mono: () => performance.now() },
  ) {}

  /** 'busy': a deployment is still running (look again soon: unit states are not watched). */
  async drive(view: () => Promise<ClusterSnapshot>, fence: Fence): Promise<DriverOutcome> {
    if (!this.running && this.clock.mono() - this.lookedAt < this.recheckMs) return 'idle';
    this.lookedAt = this.clock.mono();
    try {
      const active = (await this.registry.readDeployments()).filter((d) => isActiveDeployment(d.deployment));
      this.running = active.length > 0;
      if (!this.running) return 'idle';
      const [services, snapshot, states] = await Promise.all([this.registry.listServices(), view(), this.registry.listStates()]);
      const counts = new Map(services.map((s) => [s.template, s.count]));
      let conflict = false;
      for (const read of active) {
        const step = this.plan(read, counts.get(read.deployment.template), snapshot, states);
        if (step.deployment === read.deployment && step.replace.length === 0) continue;
        const applied = await this.registry.applyDeploymentStep(
          { read, deployment: step.deployment, replace: step.replace, revertTemplate: step.revertTemplate, results: step.results },
          fence,
        );
        if (!applied) conflict = true;
        else await this.report(read, step);
      }
      return conflict ? 'conflict' : 'busy';
    } catch (err) {
      if (err instanceof LeadershipLostError) return 'lost';
      this.logger.warn({ err }, 'driving deployments failed; retrying on the next pass');
      return 'failed';
    }
  }

  private plan(read: StoredDeployment, count: number | undefined, snapshot: ClusterSnapshot, states: readonly UnitStateRecord[]): DeployStep {
    const d = read.deployment;
    const now = this.clock.wall();
    if (d.global === true) return this.planGlobal(d, snapshot, states, now);
    const parts = scaleTemplateParts(d.template);
    if (count === undefined || !parts) {
      // The service (or its template) was destroyed: nothing left to deploy.
      const failed = { ...d, state: 'failed' as const, reason: `service ${d.template} no longer exists`, updatedAt: now };
      return { deployment: failed, replace: [], revertTemplate: false, results: [{ hash: d.toHash, result: 'failed' }], notes: [failed.reason] };
    }
    const wanted = new Set(Array.from({ length: count }, (_, i) => `${parts.prefix}@${i + 1}.${parts.suffix}`));
    const byUnit = new Map<string, UnitStateRecord[]>();
    for (const s of states) if (wanted.has(s.unit)) byUnit.set(s.unit, [...(byUnit.get(s.unit) ?? []), s]);
    const instances: InstanceView[] = snapshot.units.filter((u) => wanted.has(u.name)).map((u) => ({ name: u.name, hash: u.hash, states: byUnit.get(u.name) ?? [] }));
    return planDeployment({ deployment: d, count, instances, now });
  }

  /** A global unit's instances are the machines assigned it, each on its assignment's hash (its version pin). */
  private planGlobal(d: DeploymentRecord, snapshot: ClusterSnapshot, states: readonly UnitStateRecord[], now: number): DeployStep {
    const unit = snapshot.units.find((u) => u.name === d.template);
    if (!unit?.global) {
      const failed = { ...d, state: 'failed' as const, reason: `global unit ${d.template} no longer exists`, updatedAt: now };
      return { deployment: failed, replace: [], revertTemplate: false, results: [{ hash: d.toHash, result: 'failed' }], notes: [failed.reason] };
    }
    const assigned = [...(snapshot.globalAssignments.get(d.template)?.values() ?? [])].filter((a) => snapshot.machines.some((m) => m.id === a.machineId));
    const instances: InstanceView[] = assigned.map((a) => ({ name: a.machineId, hash: a.hash, states: states.filter((s) => s.unit === d.template && s.machineId === a.machineId) }));
    return planDeployment({ deployment: d, count: instances.length, instances, now });
  }

  private async report(read: StoredDeployment, step: DeployStep): Promise<void> {
    const d = step.deployment;
    const changedState = d.state !== read.deployment.state;
    const notes = changedState && step.notes.length === 0 ? [d.state] : step.notes;
    if (notes.length === 0) return;
    this.logger.info({ deployment: d.id, template: d.template, state: d.state, replace: step.replace, notes }, 'deployment step');
    const events: NewClusterLogEvent[] = notes.map((note) => ({ kind: 'deployment', unit: d.template, reason: `${d.id}: ${note}` }));
    // The event log is a view: a failed append does not undo the step.
    await this.registry.appendEvents(events).catch((err: unknown) => this.logger.warn({ err }, 'could not log the deployment step'));
  }
}

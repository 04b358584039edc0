/**
 * The health report's services (docs/ops.md, docs/deployments.md), pure: each stored service (a template and its
 * count) and each global unit, with how many run, the version its record holds and its latest deployment's state
 * and progress (core's deploymentProgress, the numbers `flotilla deploy` shows). The dashboard's Services panel.
 */
import { deploymentProgress, unitNameInfo, type DeploymentRecord, type ServiceRecord, type UnitRecord } from '@flotilla/core';
import { byName } from './order.js';
import type { ServiceHealth, UnitHealth } from './types.js';

export interface ServicesInput {
  units: readonly UnitRecord[];
  services: readonly ServiceRecord[];
  deployments: readonly DeploymentRecord[];
  /** The report's units (placed and global), by name. */
  health: ReadonlyMap<string, UnitHealth>;
  /** Global unit → the live machines it is assigned to, and how many run it. */
  globalRunning: ReadonlyMap<string, { assigned: number; running: number }>;
}

export function servicesOf(input: ServicesInput): ServiceHealth[] {
  const records = new Map(input.units.map((u) => [u.name, u]));
  const deployments = new Map(input.deployments.map((d) => [d.template, d]));
  // Instances running per template, in one pass over the units.
  const running = new Map<string, number>();
  for (const u of input.health.values()) {
    if (u.actual !== 'launched' || u.global) continue;
    const template = unitNameInfo(u.name).templateName;
    if (template !== undefined && unitNameInfo(u.name).isInstance) running.set(template, (running.get(template) ?? 0) + 1);
  }
  const out: ServiceHealth[] = [];
  for (const s of input.services) {
    const record = records.get(s.template);
    if (!record) continue; // a service record without its template: nothing to deploy (the scheduler reports it)
    out.push(withDeployment({ name: s.template, kind: 'service', desired: s.count, running: running.get(s.template) ?? 0, hash: record.hash }, deployments.get(s.template)));
  }
  for (const u of input.units) {
    if (!u.global) continue;
    const g = input.globalRunning.get(u.name) ?? { assigned: 0, running: 0 };
    out.push(withDeployment({ name: u.name, kind: 'global', desired: g.assigned, running: g.running, hash: u.hash }, deployments.get(u.name)));
  }
  return out.sort(byName((s) => s.name));
}

function withDeployment(s: ServiceHealth, d: DeploymentRecord | undefined): ServiceHealth {
  return d ? { ...s, deployment: deploymentProgress(d, s.desired) } : s;
}

/**
 * What `compose up` changes, purely: the units the file asks for against the project's units in the registry
 * (docs/compose.md, "`up`: apply the difference"). Unchanged units are left alone. A changed service — a template
 * with a stored count, or a global unit — is deployed (docs/deployments.md: rolled, gated by health) with the
 * count it has, then scaled when the file's count differs too; a count-only change is a `scale`. A changed single
 * unit is replaced (fleet's replace). A service whose deployment is running is refused before anything is
 * written. Units of services no longer in the file are destroyed, instances with them. Services are ordered by
 * depends_on.
 */
import {
  DeploymentInProgressError, isActiveDeployment, parseFleetRequirements, replicasOptionIndex, unitHash, unitNameInfo,
  type DeploymentRecord, type ServiceRecord, type UnitOption, type UnitRecord, type UnitSpec,
} from '@flotilla/core';
import type { ComposeUnit, ServiceSpec } from '@flotilla/compose';

export type ServiceAction =
  | { kind: 'create'; unit: ComposeUnit }
  /** A single unit (or a unit changing kind, single ↔ global): fleet's replace. `instances`: a template with no
   * stored count (nothing to deploy) has its instances destroyed, to be made again from the new text. */
  | { kind: 'replace'; unit: ComposeUnit; instances: string[] }
  /** A template or global unit whose content changed: `spec` is deployed (the file's text with the stored count,
   * so the rollout covers what runs), then the count is set to `scaleTo` when that differs. */
  | { kind: 'deploy'; unit: ComposeUnit; spec: UnitSpec; scaleTo?: number; from?: number }
  | { kind: 'scale'; unit: ComposeUnit; from: number | undefined }
  | { kind: 'unchanged'; unit: ComposeUnit };

export interface UpPlan {
  /** Per service, in start order (dependencies first). */
  services: { service: string; action: ServiceAction }[];
  /** Units of the project the file no longer has: templates first, so their instances are not re-created. */
  remove: string[];
}

/** What else `up` reads besides the units: stored counts and the latest deployment of each service. */
export interface UpCluster {
  services: readonly ServiceRecord[];
  deployments: readonly Pick<DeploymentRecord, 'id' | 'template' | 'state'>[];
}

/** A template's content apart from its count (the count is stored apart, docs/services.md). */
function withoutCount(options: readonly UnitOption[]): UnitOption[] {
  return options.filter((o) => !(o.section === 'X-Flotilla' && o.name === 'Replicas'));
}

function declaredCount(options: readonly UnitOption[]): number | undefined {
  const v = options.filter((o) => o.section === 'X-Flotilla' && o.name === 'Replicas').pop()?.value;
  return v === undefined ? undefined : Number(v);
}

/** Numbered and other instances stored for a template `P-S@.container`. */
export function instancesOf(template: string, stored: readonly Pick<UnitRecord, 'name'>[]): string[] {
  const prefix = template.slice(0, template.indexOf('@') + 1);
  const suffix = template.slice(template.indexOf('@') + 1);
  return stored.map((u) => u.name).filter((n) => n !== template && n.startsWith(prefix) && n.endsWith(suffix)).sort(byInstance);
}

function byInstance(a: string, b: string): number {
  const n = (s: string) => Number(unitNameInfo(s).instance);
  return n(a) - n(b) || a.localeCompare(b);
}

/** Services in start order: each after every service it depends on; file order among equals. */
export function startOrder(services: readonly Pick<ServiceSpec, 'name' | 'dependsOn'>[]): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < services.length) {
    const next = services.find((s) => !done.has(s.name) && s.dependsOn.every((d) => done.has(d.service)));
    if (!next) throw new Error('depends_on cycle'); // compose's reader refuses cycles before this
    done.add(next.name);
    order.push(next.name);
  }
  return order;
}

export function planUp(
  services: readonly Pick<ServiceSpec, 'name' | 'dependsOn'>[],
  units: readonly ComposeUnit[],
  stored: readonly Pick<UnitRecord, 'name' | 'options' | 'hash' | 'global'>[],
  cluster: UpCluster = { services: [], deployments: [] },
): UpPlan {
  const byName = new Map(stored.map((u) => [u.name, u]));
  const wanted = new Set(units.map((u) => u.name));
  const plan: UpPlan = { services: [], remove: [] };
  for (const service of startOrder(services)) {
    const unit = units.find((u) => u.service === service);
    if (!unit) continue;
    const action = actionFor(unit, byName.get(unit.name), stored, cluster);
    // Refused for the whole file, before anything is written: the running deployment owns the service.
    const running = cluster.deployments.find((d) => d.template === unit.name && isActiveDeployment(d));
    if (running && action.kind !== 'unchanged' && action.kind !== 'create') throw new DeploymentInProgressError(unit.name, running.id, running.state);
    plan.services.push({ service, action });
  }
  const gone = stored.filter((u) => !wanted.has(u.name) && !isInstanceOfWanted(u.name, wanted));
  plan.remove = gone.map((u) => u.name).sort((a, b) => Number(!unitNameInfo(a).isTemplate) - Number(!unitNameInfo(b).isTemplate) || a.localeCompare(b));
  return plan;
}

function isInstanceOfWanted(name: string, wanted: ReadonlySet<string>): boolean {
  const info = unitNameInfo(name);
  return info.isInstance && info.templateName !== undefined && wanted.has(info.templateName);
}

function actionFor(
  unit: ComposeUnit,
  current: Pick<UnitRecord, 'options' | 'hash' | 'global'> | undefined,
  stored: readonly Pick<UnitRecord, 'name'>[],
  cluster: UpCluster,
): ServiceAction {
  if (!current) return { kind: 'create', unit };
  if (unit.replicas === undefined) {
    if (current.hash === unitHash(unit.options)) return { kind: 'unchanged', unit };
    const global = parseFleetRequirements(unit.name, unit.options).global;
    // A deployment keeps the kind of unit (docs/deployments.md "Refusals"): single ↔ global is a replace.
    return global && current.global ? { kind: 'deploy', unit, spec: { name: unit.name, options: unit.options } } : { kind: 'replace', unit, instances: [] };
  }
  const count = cluster.services.find((s) => s.template === unit.name)?.count;
  const sameContent = unitHash(withoutCount(current.options)) === unitHash(withoutCount(unit.options));
  if (sameContent) {
    // The stored count is what the scheduler keeps (`flotilla scale` changes it without touching the text).
    const from = count ?? declaredCount(current.options);
    return from === unit.replicas ? { kind: 'unchanged', unit } : { kind: 'scale', unit, from };
  }
  // No stored count: no service to deploy; made again from the new text.
  if (count === undefined) return { kind: 'replace', unit, instances: instancesOf(unit.name, stored) };
  const spec = { name: unit.name, options: withCount(unit.options, count) };
  return unit.replicas === count ? { kind: 'deploy', unit, spec } : { kind: 'deploy', unit, spec, from: count, scaleTo: unit.replicas };
}

/** The options with `Replicas=` set to `count`: deploying them keeps the stored count (the start transaction
 * writes a template's declared count, core/src/registry/deployment-store.ts), so a count change is a scale after. */
export function withCount(options: readonly UnitOption[], count: number): UnitOption[] {
  const index = replicasOptionIndex(options);
  if (index === -1) return [...options];
  return options.map((o, i) => (i === index ? { ...o, value: String(count) } : o));
}

/** The failed service `service` waits on, directly or through another dependency; undefined when none. */
export function blockedBy(service: string, services: readonly Pick<ServiceSpec, 'name' | 'dependsOn'>[], failed: ReadonlySet<string>): string | undefined {
  const seen = new Set<string>();
  const visit = (name: string): string | undefined => {
    for (const dep of services.find((s) => s.name === name)?.dependsOn ?? []) {
      if (failed.has(dep.service)) return dep.service;
      if (seen.has(dep.service)) continue;
      seen.add(dep.service);
      const found = visit(dep.service);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(service);
}

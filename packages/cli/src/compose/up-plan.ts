/**
 * What `compose up` changes, purely: the units the file asks for against the project's units in the registry.
 * Unchanged units are left alone; a changed single unit is replaced; a changed template is replaced and its
 * instances destroyed so the scheduler re-creates them from it (a count-only change is a `scale`); units of
 * services no longer in the file are destroyed, instances with them. Services are ordered by depends_on.
 */
import { unitHash, unitNameInfo, type UnitOption, type UnitRecord } from '@flotilla/core';
import type { ComposeUnit, ServiceSpec } from '@flotilla/compose';

export type ServiceAction =
  | { kind: 'create'; unit: ComposeUnit }
  | { kind: 'replace'; unit: ComposeUnit; instances: string[] }
  | { kind: 'scale'; unit: ComposeUnit; from: number | undefined }
  | { kind: 'unchanged'; unit: ComposeUnit };

export interface UpPlan {
  /** Per service, in start order (dependencies first). */
  services: { service: string; action: ServiceAction }[];
  /** Units of the project the file no longer has: templates first, so their instances are not re-created. */
  remove: string[];
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
  stored: readonly Pick<UnitRecord, 'name' | 'options' | 'hash'>[],
): UpPlan {
  const byName = new Map(stored.map((u) => [u.name, u]));
  const wanted = new Set(units.map((u) => u.name));
  const plan: UpPlan = { services: [], remove: [] };
  for (const service of startOrder(services)) {
    const unit = units.find((u) => u.service === service);
    if (!unit) continue;
    const current = byName.get(unit.name);
    plan.services.push({ service, action: actionFor(unit, current, stored) });
  }
  const gone = stored.filter((u) => !wanted.has(u.name) && !isInstanceOfWanted(u.name, wanted));
  plan.remove = gone.map((u) => u.name).sort((a, b) => Number(!unitNameInfo(a).isTemplate) - Number(!unitNameInfo(b).isTemplate) || a.localeCompare(b));
  return plan;
}

function isInstanceOfWanted(name: string, wanted: ReadonlySet<string>): boolean {
  const info = unitNameInfo(name);
  return info.isInstance && info.templateName !== undefined && wanted.has(info.templateName);
}

function actionFor(unit: ComposeUnit, current: Pick<UnitRecord, 'options' | 'hash'> | undefined, stored: readonly Pick<UnitRecord, 'name'>[]): ServiceAction {
  if (!current) return { kind: 'create', unit };
  if (unit.replicas === undefined) return current.hash === unitHash(unit.options) ? { kind: 'unchanged', unit } : { kind: 'replace', unit, instances: [] };
  if (unitHash(withoutCount(current.options)) !== unitHash(withoutCount(unit.options))) {
    return { kind: 'replace', unit, instances: instancesOf(unit.name, stored) };
  }
  const from = declaredCount(current.options);
  return from === unit.replicas ? { kind: 'unchanged', unit } : { kind: 'scale', unit, from };
}

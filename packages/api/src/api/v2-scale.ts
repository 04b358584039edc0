/**
 * `PUT /v2/units/<template>/scale` `{"count": N}` (docs/api.md): runs exactly `TEMPLATE@1..N`, as `flotilla
 * scale` does and with the same plan (core's planScale): missing instances are created from the template in
 * the registry (else from the contents of an existing numbered instance: `flotilla scale units/app@.service`
 * creates instances from the local file without submitting the template) and launched, existing ones launched, numbered instances above N stopped and destroyed. Every
 * check (body, template name, template present, instance names) comes before the first write, so bad input
 * writes nothing. Answers at once with what it asked for; the cluster's progress shows in the state stream.
 */
import {
  FlotillaError,
  newUnitNameProblem,
  planScale,
  scaleTemplateParts,
  type ScaleTarget,
  type UnitCatalog,
  type UnitRecord,
} from '@flotilla/core';
import { badRequest } from './http-errors.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';
import { parseScaleBody } from './scale-body.js';

export interface ScaleResult {
  template: string;
  count: number;
  /** Instances created or set to launched, in order. */
  launched: string[];
  /** Instances stopped and destroyed, highest first. */
  destroyed: string[];
}

/** The lowest-numbered instance `prefix@K.suffix` (the plan's order for count 0 lists them highest first). */
function firstInstance(units: readonly UnitRecord[], target: ScaleTarget): UnitRecord | undefined {
  const numbered = new Set(planScale(target, 0, units.map((u) => u.name)).remove);
  return units.filter((u) => numbered.has(u.name)).sort((a, b) => instanceNumber(a.name) - instanceNumber(b.name))[0];
}
const instanceNumber = (name: string) => Number(name.slice(name.lastIndexOf('@') + 1, name.lastIndexOf('.')));

async function removeInstance(registry: UnitCatalog, name: string): Promise<boolean> {
  // Stop first so the agent sees `inactive` even if the destroy is slow to reach it (as the CLI's scale).
  await registry.setDesiredState(name, 'inactive').catch(() => undefined);
  return registry.destroyUnit(name);
}

export async function scaleTemplate(deps: ApiDeps, name: string, req: ApiRequest): Promise<ApiReply> {
  const count = parseScaleBody(req.body);
  const parts = scaleTemplateParts(name);
  if (!parts) throw badRequest(`${JSON.stringify(name)} is not a template (expected NAME@ or NAME@.service)`);
  const templateName = `${parts.prefix}@.${parts.suffix}`;
  const { registry } = deps;
  const [stored, units] = await Promise.all([registry.getUnit(templateName), registry.listUnits()]);
  const target = { dir: '', ...parts };
  const template = stored ?? firstInstance(units, target);
  if (!template) {
    throw new FlotillaError('API_NOT_FOUND', `template ${JSON.stringify(templateName)} is not in the registry, nor any instance of it`, {
      hint: `submit it first: flotilla submit units/${templateName}`,
    });
  }
  const plan = planScale(target, count, units.map((u) => u.name));
  for (const instance of plan.wanted) {
    const problem = newUnitNameProblem(instance);
    if (problem) throw badRequest(problem);
  }
  const byName = new Map(units.map((u) => [u.name, u]));
  const launched: string[] = [];
  for (const instance of plan.wanted) {
    const existing = byName.get(instance);
    if (!existing) await registry.submitUnit({ name: instance, options: template.options }, { desiredState: 'launched' });
    else if (existing.desiredState !== 'launched') await registry.setDesiredState(instance, 'launched');
    else continue;
    deps.stops.forget(instance);
    launched.push(instance);
  }
  const destroyed: string[] = [];
  for (const instance of plan.remove) {
    deps.stops.forget(instance);
    if (await removeInstance(registry, instance)) destroyed.push(instance);
  }
  const json: ScaleResult = { template: templateName, count, launched, destroyed };
  return { status: 200, json };
}

/**
 * `PUT /v2/units/<template>/scale` `{"count": N}` (docs/api.md, docs/services.md): records N as the template's
 * stored replica count, as `flotilla scale` does; the elected scheduler then keeps exactly `TEMPLATE@1..N`
 * launched. When the template is not in the registry it is stored from an existing numbered instance (the
 * lowest: a cluster scaled from a local file before counts were stored), in the same transaction as the count.
 * Every check (body, template name, template or instance present) comes before the write, so bad input writes
 * nothing. Answers at once; the instances' progress shows in the state stream.
 */
import {
  FlotillaError,
  planScale,
  scaleTemplateParts,
  type ScaleTarget,
  type UnitRecord,
} from '@flotilla/core';
import { badRequest } from './http-errors.js';
import { serviceJson } from './service-view.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';
import { parseScaleBody } from './scale-body.js';

export interface ScaleResult {
  template: string;
  count: number;
  /** Instances the count makes the scheduler create or launch (not launched now), in order. */
  launched: string[];
  /** Numbered instances above the count the scheduler destroys, highest first. */
  destroyed: string[];
}

/** The lowest-numbered instance `prefix@K.suffix` (the plan's order for count 0 lists them highest first). */
function firstInstance(units: readonly UnitRecord[], target: ScaleTarget): UnitRecord | undefined {
  const numbered = new Set(planScale(target, 0, units.map((u) => u.name)).remove);
  return units.filter((u) => numbered.has(u.name)).sort((a, b) => instanceNumber(a.name) - instanceNumber(b.name))[0];
}
const instanceNumber = (name: string) => Number(name.slice(name.lastIndexOf('@') + 1, name.lastIndexOf('.')));

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
  const spec = stored ? undefined : { name: templateName, options: template.options };
  await registry.scaleService(templateName, count, spec);
  const plan = planScale(target, count, units.map((u) => u.name));
  const desired = new Map(units.map((u) => [u.name, u.desiredState]));
  const launched = plan.wanted.filter((u) => desired.get(u) !== 'launched');
  const json: ScaleResult = { template: templateName, count, launched, destroyed: plan.remove };
  return { status: 200, json };
}

/** `GET /v2/services`: every stored service with its count and how many of its numbered instances 1..count are
 * active (published states), sorted by template. */
export async function listServices(deps: ApiDeps): Promise<ApiReply> {
  const [services, states] = await Promise.all([deps.registry.listServices(), deps.registry.listStates()]);
  const active = new Set(states.filter((s) => s.activeState === 'active').map((s) => s.unit));
  const json = { services: services.map((s) => serviceJson(s, active)) };
  return { status: 200, json };
}

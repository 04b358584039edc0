/**
 * `/v2/deployments` (docs/deployments.md, docs/api.md): GET lists every service's latest deployment; GET
 * `/v2/deployments/<template>` gives one with the service's history; POST `{"name", "options", "rollback"?}` starts
 * one (what `flotilla deploy` and `rollback` send over the API driver); POST `/v2/deployments/<template>/promote`
 * promotes a canary deployment. Every check comes before the one write, so bad input writes nothing.
 */
import { isUnitOption, unitNameInfo, type UnitOption } from '@flotilla/core';
import { badRequest, notFound } from './http-errors.js';
import { parseObjectBody } from './object-body.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';

/** `app@` or `app@.service` → `app@.service`; anything else is a 400. */
function templateName(raw: string): string {
  const name = /@$/.test(raw) ? `${raw}.service` : raw;
  if (!unitNameInfo(name).isTemplate) throw badRequest(`${JSON.stringify(raw)} is not a template (expected NAME@ or NAME@.service)`);
  return name;
}

export async function listDeployments(deps: ApiDeps): Promise<ApiReply> {
  return { status: 200, json: { deployments: await deps.registry.listDeployments() } };
}

export async function getDeployment(deps: ApiDeps, raw: string): Promise<ApiReply> {
  const name = templateName(raw);
  const [deployment, history] = await Promise.all([deps.registry.getDeployment(name), deps.registry.getHistory(name)]);
  if (!deployment && !history) throw notFound(`no deployment of ${name}`);
  return { status: 200, json: { deployment: deployment ?? null, history: history ?? { template: name, versions: [] } } };
}

export async function startDeployment(deps: ApiDeps, req: ApiRequest): Promise<ApiReply> {
  const body = parseObjectBody(req.body, ['name', 'options', 'rollback'], '{"name": "app@.service", "options": [{"section": "Service", "name": "ExecStart", "value": "/bin/app"}]}');
  if (typeof body.name !== 'string') throw badRequest('name must be a string');
  if (!Array.isArray(body.options) || !body.options.every((o) => isUnitOption(o))) throw badRequest('options must be a list of {section, name, value}');
  if (body.rollback !== undefined && typeof body.rollback !== 'boolean') throw badRequest('rollback must be true or false');
  const options = (body.options as UnitOption[]).map(({ section, name, value }) => ({ section, name, value }));
  const deployment = await deps.registry.startDeployment({ name: templateName(body.name), options }, { rollback: body.rollback === true });
  return { status: 201, json: { deployment } };
}

export async function promoteDeployment(deps: ApiDeps, raw: string): Promise<ApiReply> {
  return { status: 200, json: { deployment: await deps.registry.promoteDeployment(templateName(raw)) } };
}

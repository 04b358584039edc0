/**
 * `/v2/deployments` (docs/deployments.md, docs/api.md): GET lists every service's latest deployment; GET
 * `/v2/deployments/<template>` gives one with the service's history; POST `{"name", "options", "rollback"?}` starts
 * one (what `flotilla deploy` sends over the API driver); POST `/v2/deployments/<template>/promote` promotes a
 * canary deployment; POST `/v2/deployments/<template>/rollback` (optional body `{"to": "<hash prefix>"}`) starts a
 * rollback, as `flotilla rollback` (core's startRollback). `<template>` is a service's template or a global unit's
 * name. Every check comes before the one write, so bad input writes nothing.
 */
import { isUnitOption, startRollback, unitNameInfo, unitNameProblem, type UnitOption } from '@flotilla/core';
import { badRequest, notFound } from './http-errors.js';
import { parseObjectBody } from './object-body.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';

/** `app@` or `app@.service` → `app@.service`; a global unit `g` or `g.service` → `g.service` (docs/deployments.md
 * "Global units"); an instance or a bad name is a 400. */
function templateName(raw: string): string {
  const name = /@$/.test(raw) || !/\.[a-z]+$/.test(raw) ? `${raw}.service` : raw;
  const problem = unitNameProblem(name);
  if (problem !== undefined || unitNameInfo(name).isInstance) {
    throw badRequest(`${JSON.stringify(raw)} is not a template or a unit name (expected NAME@, NAME@.service or a global unit's NAME.service)${problem ? `: ${problem}` : ''}`);
  }
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

export async function rollbackDeployment(deps: ApiDeps, raw: string, req: ApiRequest): Promise<ApiReply> {
  const name = templateName(raw);
  const body = req.body.trim() === '' ? {} : parseObjectBody(req.body, ['to'], '{"to": "3f2a9c1"}');
  if (body.to !== undefined && (typeof body.to !== 'string' || !/^[0-9a-fA-F]{1,64}$/.test(body.to))) throw badRequest('to must be a version hash (or a prefix of one), as `flotilla history` shows it');
  const { deployment, target } = await startRollback(deps.registry, name, body.to as string | undefined);
  return { status: 201, json: { deployment, target: { hash: target.hash, at: target.at, result: target.result } } };
}

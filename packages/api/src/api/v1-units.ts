/** `/units` and `/units/<name>` (fleet's `api/units.go`; docs/api.md). */
import { unitHash, unitNameInfo, type UnitStateRecord } from '@flotilla/core';
import { badRequest, conflict, notFound } from './http-errors.js';
import { pageJson, unitJson, type UnitJson } from './json.js';
import { decodePageToken, pageOf } from './pagination.js';
import { mustHoldStart } from './recent-stops.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';
import { untilStopped } from './stop-wait.js';
import { checkContentType, parseUnitPut } from './unit-put.js';

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function groupStates(states: readonly UnitStateRecord[]): Map<string, UnitStateRecord[]> {
  const out = new Map<string, UnitStateRecord[]>();
  for (const s of states) out.set(s.unit, [...(out.get(s.unit) ?? []), s]);
  return out;
}

async function readUnits(deps: ApiDeps): Promise<UnitJson[]> {
  const [snapshot, states] = await Promise.all([deps.registry.snapshot(), deps.registry.listStates()]);
  const byUnit = groupStates(states);
  return [...snapshot.units].sort(byName).map((u) => unitJson(u, byUnit.get(u.name) ?? [], snapshot.schedule.get(u.name)));
}

export async function listUnits(deps: ApiDeps, req: ApiRequest): Promise<ApiReply> {
  const token = decodePageToken(req.query.getAll('nextPageToken'));
  const units = await deps.cache.read('units', token, () => readUnits(deps));
  const page = pageOf(units, token);
  return { status: 200, json: pageJson('units', page.items, page.nextPageToken) };
}

/** `/v2/units`: every unit in one response (v1's entities; no pages), for clients that want the whole list. */
export async function listUnitsV2(deps: ApiDeps): Promise<ApiReply> {
  return { status: 200, json: { units: await readUnits(deps) } };
}

/** One unit as in the list: machineID is the schedule's target (fleet's TargetMachineID), not whichever machine
 * publishes a state, so a unit being moved reports where it is going. One snapshot keeps unit and schedule
 * consistent. A restart's stop reads `launched` for fleet's reaction time (recent-stops.ts). */
export async function getUnit(deps: ApiDeps, name: string): Promise<ApiReply> {
  const [snapshot, states] = await Promise.all([deps.registry.snapshot(), deps.registry.getStates(name)]);
  const unit = snapshot.units.find((u) => u.name === name);
  if (!unit) throw notFound('unit does not exist');
  const json = unitJson(unit, states, snapshot.schedule.get(name));
  if (json.currentState) json.currentState = deps.stops.report(name, json.currentState);
  return { status: 200, json };
}

export async function deleteUnit(deps: ApiDeps, name: string): Promise<ApiReply> {
  deps.stops.forget(name);
  if (!(await deps.registry.destroyUnit(name))) throw notFound('unit does not exist');
  return { status: 204 };
}

/** fleet's decision order: create (201), replace on new contents (201), else set desiredState (204). */
export async function putUnit(deps: ApiDeps, name: string, req: ApiRequest, rawHeaders?: string[]): Promise<ApiReply> {
  checkContentType(req.headers, rawHeaders);
  const body = parseUnitPut(req.body, name);
  const { registry } = deps;
  const existing = await registry.getUnit(name);
  const spec = { name, options: body.options };
  if (!existing) {
    if (body.options.length === 0) throw conflict('unit does not exist and options field empty');
    deps.stops.forget(name);
    await registry.submitUnit(spec, { desiredState: body.desiredState ?? 'inactive' });
    return { status: 201 };
  }
  if (body.options.length > 0 && unitHash(body.options) !== existing.hash) {
    deps.stops.forget(name);
    await registry.submitUnit(spec, { desiredState: body.desiredState ?? 'inactive', replace: true });
    return { status: 201 };
  }
  if (body.desiredState === undefined) throw conflict('must provide DesiredState to update existing unit');
  if (body.desiredState !== 'inactive' && unitNameInfo(name).isTemplate) throw badRequest(`cannot activate template "${name}"`);
  const { stops } = deps;
  // A restart's start waits for its stop to show, or the level-triggered agent might never see `loaded`.
  if (mustHoldStart(existing.desiredState, body.desiredState, stops.stoppedAt(name), stops.now())) await untilStopped(registry, name);
  await registry.setDesiredState(name, body.desiredState);
  stops.changed(name, existing.desiredState, body.desiredState, existing.global);
  return { status: 204 };
}

/** `/state` (filters machineID, unitName: exact match, first value) and `/state/<name>` (fleet's `api/state.go`). */
import type { UnitStateRecord } from '@flotilla/core';
import { notFound } from './http-errors.js';
import { pageJson, unitStateJson, type UnitStateJson } from './json.js';
import { decodePageToken, pageOf } from './pagination.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';

function byUnitThenMachine(a: UnitStateRecord, b: UnitStateRecord): number {
  if (a.unit !== b.unit) return a.unit < b.unit ? -1 : 1;
  return a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0;
}

async function readRecords(deps: ApiDeps, unitName: string | null, machineId: string | null): Promise<UnitStateRecord[]> {
  const states = unitName ? await deps.registry.getStates(unitName) : await deps.registry.listStates();
  return states.filter((s) => (unitName ? s.unit === unitName : true) && (machineId ? s.machineId === machineId : true)).sort(byUnitThenMachine);
}

async function readStates(deps: ApiDeps, unitName: string | null, machineId: string | null): Promise<UnitStateJson[]> {
  return (await readRecords(deps, unitName, machineId)).map(unitStateJson);
}

/** v2 only: fleet's fields plus ours (restarts, since, container, health), each only when published. */
export type UnitStateV2Json = UnitStateJson & Pick<UnitStateRecord, 'restarts' | 'since' | 'container' | 'health'>;

export function unitStateV2Json(s: UnitStateRecord): UnitStateV2Json {
  const { restarts, since, container, health } = s;
  return {
    ...unitStateJson(s),
    ...(restarts === undefined ? {} : { restarts }),
    ...(since === undefined ? {} : { since }),
    ...(container === undefined ? {} : { container }),
    ...(health === undefined ? {} : { health }),
  };
}

export async function listStates(deps: ApiDeps, req: ApiRequest): Promise<ApiReply> {
  const token = decodePageToken(req.query.getAll('nextPageToken'));
  const unitName = req.query.get('unitName') || null;
  const machineId = req.query.get('machineID') || null;
  const key = `state?unit=${unitName ?? ''}&machine=${machineId ?? ''}`;
  const states = await deps.cache.read(key, token, () => readStates(deps, unitName, machineId));
  const page = pageOf(states, token);
  return { status: 200, json: pageJson('states', page.items, page.nextPageToken) };
}

export async function getState(deps: ApiDeps, name: string): Promise<ApiReply> {
  const states = [...(await deps.registry.getStates(name))].sort(byUnitThenMachine);
  const first = states[0];
  if (!first) throw notFound('unit state does not exist');
  return { status: 200, json: unitStateJson(first) };
}

/** `/v2/state[?machineID=&unitName=]`: every matching state in one response (no pages), with our extensions. */
export async function listStatesV2(deps: ApiDeps, req: ApiRequest): Promise<ApiReply> {
  const states = (await readRecords(deps, req.query.get('unitName') || null, req.query.get('machineID') || null)).map(unitStateV2Json);
  return { status: 200, json: { states } };
}

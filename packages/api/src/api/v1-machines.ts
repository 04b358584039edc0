/** `/machines`: list (with dynamic metadata merged) and PATCH dynamic metadata (fleet's `api/machines.go`). */
import type { MachineRecord } from '@flotilla/core';
import { machineJson, pageJson } from './json.js';
import { parseMachinePatch } from './machine-patch.js';
import { decodePageToken, pageOf } from './pagination.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';

export async function sortedMachines(deps: ApiDeps): Promise<MachineRecord[]> {
  return [...(await deps.registry.listMachines())].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function listMachines(deps: ApiDeps, req: ApiRequest): Promise<ApiReply> {
  const token = decodePageToken(req.query.getAll('nextPageToken'));
  const machines = await deps.cache.read('machines', token, async () => (await sortedMachines(deps)).map(machineJson));
  const page = pageOf(machines, token);
  return { status: 200, json: pageJson('machines', page.items, page.nextPageToken) };
}

export async function patchMachines(deps: ApiDeps, req: ApiRequest): Promise<ApiReply> {
  const ops = parseMachinePatch(req.body);
  await deps.registry.patchMachineMetadata(ops);
  return { status: 204 };
}

/**
 * `/v2/machines` (every machine in one response, with what v1 cannot carry: API URL, version, hostname, and
 * the scheduling state) and `/v2/machines/<id>/cordon` (PUT cordons or drains, DELETE makes the machine
 * schedulable again; docs/machine-lifecycle.md). The cordon is read, changed by core's nextCordon and
 * written back, so a repeated drain keeps its start and a cordon never ends a drain, as with the CLI.
 */
import {
  machineSchedulingState,
  needsUnitCounts,
  nextCordon,
  nonGlobalUnitCounts,
  type MachineRecord,
  type MachineSchedulingState,
} from '@flotilla/core';
import { parseCordonBody } from './cordon-body.js';
import { notFound } from './http-errors.js';
import { machineJson, omitEmpty } from './json.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';
import { sortedMachines } from './v1-machines.js';

interface MachineWithState {
  machine: MachineRecord;
  state: MachineSchedulingState;
}

/** Machines and their states; the units are read (one snapshot) only when some machine drains. */
async function machinesWithState(deps: ApiDeps): Promise<MachineWithState[]> {
  let machines = await sortedMachines(deps);
  let counts = new Map<string, number>();
  if (needsUnitCounts(machines)) {
    const snapshot = await deps.registry.snapshot();
    machines = [...snapshot.machines].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    counts = nonGlobalUnitCounts(snapshot.units, snapshot.schedule);
  }
  return machines.map((machine) => ({ machine, state: machineSchedulingState(machine, counts.get(machine.id) ?? 0) }));
}

function machineV2Json({ machine: m, state }: MachineWithState): Record<string, unknown> {
  return omitEmpty({ ...machineJson(m), hostname: m.hostname, version: m.version, apiUrl: m.apiUrl, startedAt: m.startedAt, state, cordon: m.cordon });
}

export async function listMachinesV2(deps: ApiDeps): Promise<ApiReply> {
  return { status: 200, json: { machines: (await machinesWithState(deps)).map(machineV2Json) } };
}

/** Only registered machines: an ID nobody has would otherwise leave a cordon waiting for a machine to come. */
async function registeredMachine(deps: ApiDeps, machineId: string): Promise<MachineRecord> {
  const machine = (await deps.registry.listMachines()).find((m) => m.id === machineId);
  if (!machine) throw notFound(`machine ${JSON.stringify(machineId)} does not exist`);
  return machine;
}

async function machineReply(deps: ApiDeps, machineId: string): Promise<ApiReply> {
  const entry = (await machinesWithState(deps)).find((m) => m.machine.id === machineId);
  if (!entry) throw notFound(`machine ${JSON.stringify(machineId)} does not exist`);
  return { status: 200, json: machineV2Json(entry) };
}

export async function putCordon(deps: ApiDeps, machineId: string, req: ApiRequest): Promise<ApiReply> {
  const request = parseCordonBody(req.body);
  const machine = await registeredMachine(deps, machineId);
  const cordon = nextCordon(machine.cordon, request, Date.now());
  if (JSON.stringify(cordon) !== JSON.stringify(machine.cordon)) await deps.registry.setMachineCordon(machineId, cordon);
  return machineReply(deps, machineId);
}

export async function deleteCordon(deps: ApiDeps, machineId: string): Promise<ApiReply> {
  await registeredMachine(deps, machineId);
  await deps.registry.setMachineCordon(machineId, undefined);
  return machineReply(deps, machineId);
}

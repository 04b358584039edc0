/**
 * `-o json`: the second renderer of the read commands. Objects use fleet's API v1 field names (Unit,
 * UnitState, Machine) plus a few fields v1 lacks (hash, global, machine IP); empty fields are omitted as in
 * fleet's JSON; output-format.ts writes them. Pure.
 */
import type { UnitRecord } from '@flotilla/core';
import type { MachineRow } from '../machines/states.js';
import type { UnitFileRow } from './list-unit-files.js';
import type { UnitStateRow } from './list-units.js';

function omitEmpty(value: Record<string, unknown>): Record<string, unknown> {
  const empty = (v: unknown) =>
    v === undefined || v === '' || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
  return Object.fromEntries(Object.entries(value).filter(([, v]) => !empty(v)));
}

export function unitStateJson(r: UnitStateRow): Record<string, unknown> {
  return omitEmpty({
    name: r.state.unit,
    hash: r.state.hash,
    machineID: r.state.machineId,
    machineIP: r.machine?.ip,
    systemdLoadState: r.state.loadState,
    systemdActiveState: r.state.activeState,
    systemdSubState: r.state.subState,
  });
}

export function unitFileJson(r: UnitFileRow): Record<string, unknown> {
  return omitEmpty({
    name: r.unit.name,
    hash: r.unit.hash,
    desiredState: r.unit.desiredState,
    currentState: r.unit.global ? undefined : r.current,
    machineID: r.machineId,
    machineIP: r.machine?.ip,
    global: r.unit.global,
    replicas: r.service && { desired: r.service.count, running: r.service.running },
  });
}

/** `state` and `cordon` as `GET /v2/machines` has them (docs/machine-lifecycle.md). */
export function machineJson({ machine: m, state }: MachineRow): Record<string, unknown> {
  return omitEmpty({ id: m.id, primaryIP: m.ip, metadata: m.metadata, hostname: m.hostname, version: m.version, apiUrl: m.apiUrl, state, cordon: m.cordon });
}

export function unitJson(u: UnitRecord): Record<string, unknown> {
  return omitEmpty({ name: u.name, hash: u.hash, options: u.options, desiredState: u.desiredState, global: u.global });
}

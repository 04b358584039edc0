/** `list-unit-files` columns (fleet's `fleetctl/list_unit_files.go`): one row per submitted unit. */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import { machineLegend, orDash, shortHash, type FieldTable } from './list.js';

/** fleet's currentState, derived from published unit states (see commands/list-unit-files.ts). */
export type CurrentState = 'inactive' | 'loaded' | 'launched';

export interface UnitFileRow {
  unit: UnitRecord;
  current: CurrentState;
  /** Where the scheduler placed it, if anywhere. */
  machineId?: string;
  machine?: MachineRecord;
  /** A template's stored service (docs/services.md): its count, and its instances 1..count active. */
  service?: { count: number; running: number };
}

/** A template with a stored count shows it in place of its state (templates never run themselves). */
function state(r: UnitFileRow): string {
  if (r.service) return `replicas ${r.service.running}/${r.service.count}`;
  return r.unit.global ? '-' : orDash(r.current);
}

function target(r: UnitFileRow, full: boolean): string {
  if (r.unit.global) return 'global';
  return r.machineId ? machineLegend(r.machineId, r.machine?.ip, full) : '-';
}

function description(unit: UnitRecord): string {
  const opt = unit.options.find((o) => o.section === 'Unit' && o.name === 'Description');
  return orDash(opt?.value);
}

export const UNIT_FILE_FIELDS: FieldTable<UnitFileRow> = {
  unit: (r) => r.unit.name,
  hash: (r, full) => shortHash(r.unit.hash, full),
  dstate: (r) => orDash(r.unit.desiredState),
  state,
  replicas: (r) => (r.service ? `${r.service.running}/${r.service.count}` : '-'),
  target,
  tmachine: target,
  global: (r) => String(r.unit.global),
  desc: (r) => description(r.unit),
};

export const DEFAULT_UNIT_FILE_FIELDS = 'unit,hash,dstate,state,target';

export const TMACHINE_WARNING = 'WARNING: The "tmachine" field is deprecated. Use "target" instead';

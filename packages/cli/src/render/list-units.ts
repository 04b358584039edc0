/** `list-units` columns (fleetctl §1.5): one row per published unit state. */
import type { MachineRecord, UnitStateRecord } from '@flotilla/core';
import { machineLegend, shortHash, type FieldTable } from './list.js';

export interface UnitStateRow {
  state: UnitStateRecord;
  /** The machine the state was published from, when it is still registered. */
  machine?: MachineRecord;
}

export const UNIT_STATE_FIELDS: FieldTable<UnitStateRow> = {
  unit: (r) => r.state.unit,
  machine: (r, full) => (r.state.machineId ? machineLegend(r.state.machineId, r.machine?.ip, full) : '-'),
  active: (r) => r.state.activeState,
  sub: (r) => r.state.subState,
  load: (r) => r.state.loadState,
  hash: (r, full) => shortHash(r.state.hash, full),
  restarts: (r) => (r.state.restarts === undefined ? '-' : String(r.state.restarts)),
  since: (r) => sinceField(r.state.since),
};

/** systemd's StateChangeTimestamp as UTC to the second ('-' when the agent published none, e.g. via API v1). */
export function sinceField(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const DEFAULT_UNIT_STATE_FIELDS = 'unit,machine,active,sub';

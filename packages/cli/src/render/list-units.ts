/** `list-units` columns (fleet's `fleetctl/list_units.go`): one row per published unit state. */
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
  container: (r) => containerField(r.state.container),
  health: (r) => healthField(r.state.health),
};

/** Container units: the engine's state, its exit code when stopped, its own health and the error. */
export function containerField(c: UnitStateRecord['container']): string {
  if (c === undefined) return '-';
  const exit = c.exitCode === undefined ? '' : `(${c.exitCode})`;
  const health = c.health === undefined ? '' : `/${c.health}`;
  return `${c.state}${exit}${health}${c.error === undefined ? '' : `: ${c.error}`}`;
}

/** The agent's health checks: status, and in parentheses the consecutive failed checks while there are any. */
export function healthField(h: UnitStateRecord['health']): string {
  if (h === undefined) return '-';
  return h.failures > 0 ? `${h.status}(${h.failures})` : h.status;
}

/** systemd's StateChangeTimestamp as UTC to the second ('-' when the agent published none, e.g. via API v1). */
export function sinceField(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const DEFAULT_UNIT_STATE_FIELDS = 'unit,machine,active,sub';

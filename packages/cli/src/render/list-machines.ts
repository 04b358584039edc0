/**
 * `list-machines` columns (fleet's `fleetctl/list_machines.go`): one row per live machine. `state` (schedulable,
 * cordoned, draining, drained) is Flotilla's and not a default column: the default stays fleetctl's
 * `machine,ip,metadata` (docs/fleetctl-compat.md, "Decisions (cordon and drain)").
 */
import type { MachineRow } from '../machines/states.js';
import { machineLegend, orDash, type FieldTable } from './list.js';

/** `k=v` pairs sorted by key, comma-joined; `-` when there are none. */
export function formatMetadata(metadata: Record<string, string>): string {
  const keys = Object.keys(metadata).sort();
  if (keys.length === 0) return '-';
  return keys.map((k) => `${k}=${metadata[k]}`).join(',');
}

export const MACHINE_FIELDS: FieldTable<MachineRow> = {
  machine: (r, full) => machineLegend(r.machine.id, undefined, full),
  ip: (r) => orDash(r.machine.ip),
  metadata: (r) => formatMetadata(r.machine.metadata),
  state: (r) => r.state,
};

export const DEFAULT_MACHINE_FIELDS = 'machine,ip,metadata';

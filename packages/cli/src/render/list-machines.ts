/** `list-machines` columns (fleetctl §1.5): one row per live machine. */
import type { MachineRecord } from '@flotilla/core';
import { machineLegend, orDash, type FieldTable } from './list.js';

/** `k=v` pairs sorted by key, comma-joined; `-` when there are none. */
export function formatMetadata(metadata: Record<string, string>): string {
  const keys = Object.keys(metadata).sort();
  if (keys.length === 0) return '-';
  return keys.map((k) => `${k}=${metadata[k]}`).join(',');
}

export const MACHINE_FIELDS: FieldTable<MachineRecord> = {
  machine: (m, full) => machineLegend(m.id, undefined, full),
  ip: (m) => orDash(m.ip),
  metadata: (m) => formatMetadata(m.metadata),
};

export const DEFAULT_MACHINE_FIELDS = 'machine,ip,metadata';

/** API JSON (fleet's v1 entities, our /v2 machines) → the registry records the verbs work with. Pure. */
import {
  makeUnitRecord,
  type MachineCordon,
  type MachineJson as FleetMachineJson,
  type MachineRecord,
  type UnitJson,
  type UnitRecord,
  type UnitStateJson,
  type UnitStateRecord,
} from '@flotilla/core';

export type { UnitJson, UnitStateJson };

/** fleet's Machine plus the fields our /v2 machines add. */
export interface MachineJson extends FleetMachineJson {
  hostname?: string;
  version?: string;
  apiUrl?: string;
  startedAt?: number;
  /** The agent derives it too; the CLI derives its own from cordon + units, as with the etcd driver. */
  state?: string;
  cordon?: MachineCordon;
}

/** Hash and global flag are recomputed from the options, exactly as the registry computed them. */
export function unitFromJson(u: UnitJson): UnitRecord {
  return makeUnitRecord({ name: u.name ?? '', options: u.options ?? [] }, u.desiredState ?? 'inactive');
}

export function stateFromJson(s: UnitStateJson): UnitStateRecord {
  return {
    unit: s.name ?? '',
    machineId: s.machineID ?? '',
    hash: s.hash ?? '',
    loadState: s.systemdLoadState ?? '',
    activeState: s.systemdActiveState ?? '',
    subState: s.systemdSubState ?? '',
    updatedAt: 0,
  };
}

export function machineFromJson(m: MachineJson): MachineRecord {
  const record: MachineRecord = {
    id: m.id ?? '',
    hostname: m.hostname ?? '',
    ip: m.primaryIP ?? '',
    metadata: m.metadata ?? {},
    version: m.version ?? '',
    startedAt: m.startedAt ?? 0,
  };
  if (m.apiUrl) record.apiUrl = m.apiUrl;
  if (m.cordon) record.cordon = m.cordon;
  return record;
}

/** API JSON (fleet's v1 entities, our /v2 machines) → the registry records the verbs work with. Pure. */
import { makeUnitRecord, type DesiredState, type MachineRecord, type UnitOption, type UnitRecord, type UnitStateRecord } from '@flotilla/core';

export interface UnitJson {
  name?: string;
  options?: UnitOption[];
  desiredState?: DesiredState;
  currentState?: DesiredState;
  machineID?: string;
}

export interface UnitStateJson {
  name?: string;
  hash?: string;
  machineID?: string;
  systemdLoadState?: string;
  systemdActiveState?: string;
  systemdSubState?: string;
}

export interface MachineJson {
  id?: string;
  primaryIP?: string;
  metadata?: Record<string, string>;
  hostname?: string;
  version?: string;
  apiUrl?: string;
  startedAt?: number;
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
  return record;
}

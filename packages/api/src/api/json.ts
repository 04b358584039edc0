/**
 * fleet's API v1 entities (`schema/v1.json`) from registry records. Every field is `omitempty` in fleet, so
 * empty strings, lists and maps are left out (an empty page is `{}`). Pure.
 */
import type { DesiredState, MachineJson, MachineRecord, UnitJson, UnitRecord, UnitStateJson, UnitStateRecord } from '@flotilla/core';

export type CurrentState = DesiredState;

export type { UnitJson, UnitStateJson, MachineJson };

/** Drops undefined, '' and empty arrays/objects (Go's omitempty). */
export function omitEmpty<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as T;
}

/**
 * fleet's currentState from what the target machine publishes: launched when systemd reports it active there,
 * loaded when it reports it at all, inactive otherwise (same rule as the CLI's etcd driver).
 */
export function deriveCurrentState(states: readonly UnitStateRecord[], machineId: string | undefined): CurrentState {
  const mine = machineId === undefined ? states : states.filter((s) => s.machineId === machineId);
  if (mine.some((s) => s.activeState === 'active')) return 'launched';
  return mine.length > 0 ? 'loaded' : 'inactive';
}

/**
 * Global units have neither currentState nor machineID (fleet omitted currentState only on GET /units/<n>
 * and said `inactive` in lists; we omit it in both).
 */
export function unitJson(unit: UnitRecord, states: readonly UnitStateRecord[], machineId: string | undefined): UnitJson {
  if (unit.global) return omitEmpty({ name: unit.name, options: unit.options, desiredState: unit.desiredState });
  return omitEmpty({
    name: unit.name,
    options: unit.options,
    desiredState: unit.desiredState,
    currentState: deriveCurrentState(states, machineId),
    machineID: machineId,
  });
}

export function unitStateJson(s: UnitStateRecord): UnitStateJson {
  return omitEmpty({
    name: s.unit,
    hash: s.hash,
    machineID: s.machineId,
    systemdLoadState: s.loadState,
    systemdActiveState: s.activeState,
    systemdSubState: s.subState,
  });
}

export function machineJson(m: MachineRecord): MachineJson {
  return omitEmpty({ id: m.id, primaryIP: m.ip, metadata: m.metadata });
}

/** `{units: [...], nextPageToken}` with both omitted when empty. */
export function pageJson<K extends string, T>(key: K, items: T[], nextPageToken?: string): Record<string, unknown> {
  return omitEmpty({ [key]: items, nextPageToken });
}

/**
 * A unit's runtime facts beyond its three states (for the ops views): how often systemd restarted it (the Service
 * interface's NRestarts) and since when it is in its current active state (the Unit interface's
 * StateChangeTimestamp, µs since epoch). Pure: D-Bus variants in, plain numbers out.
 */
export interface UnitRuntime {
  /** systemd's NRestarts; only services have one. */
  restarts?: number;
  /** ms since epoch of the last ActiveState change; absent when systemd reports 0 (never changed). */
  since?: number;
}

/** The value inside a dbus-next Variant (or the value itself). */
function variantValue(v: unknown): unknown {
  return v !== null && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v;
}

function toNumber(v: unknown): number | undefined {
  const value = variantValue(v);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

/** Builds the runtime facts from the two property values as D-Bus returned them (undefined: not read). */
export function unitRuntimeOf(nRestarts: unknown, stateChangeTimestampUs: unknown): UnitRuntime {
  const runtime: UnitRuntime = {};
  const restarts = toNumber(nRestarts);
  if (restarts !== undefined && restarts >= 0) runtime.restarts = restarts;
  const us = toNumber(stateChangeTimestampUs);
  if (us !== undefined && us > 0) runtime.since = Math.floor(us / 1000);
  return runtime;
}

/** Only service units have NRestarts (org.freedesktop.systemd1.Service). */
export function hasRestartCounter(unitName: string): boolean {
  return unitName.endsWith('.service');
}

/**
 * Cordon and drain, the parts the CLI, the API and the ops views share (docs/machine-lifecycle.md): which
 * dynamic-metadata keys are Flotilla's own, the time spans `drain --deadline` and the API accept, how a cordon
 * request changes a machine's cordon, and the per-machine unit counts its scheduling state is derived from.
 * Pure, and it imports no registry module, so the CLI's light commands stay light (docs/fleetctl-compat.md,
 * "Heavy packages load only when used").
 */
import type { MachineCordon, MachineRecord, MachineSchedulingState, UnitRecord } from './model.js';

export const MACHINE_SCHEDULING_STATES: readonly MachineSchedulingState[] = ['schedulable', 'cordoned', 'draining', 'drained', 'leaving'];

/** Dynamic-metadata keys that only Flotilla writes (the cordon lives under `_flotilla.cordon`); fleet's
 * `PATCH /machines` refuses them, so a user's metadata can never cordon or uncordon a machine. */
export function isReservedMetadataKey(key: string): boolean {
  return key.startsWith('_flotilla.');
}

const SPAN_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1, msec: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

/** Spans beyond a year are typos, and would overflow a timer. */
export const MAX_TIME_SPAN_MS = 366 * 86_400_000;

/**
 * A time span as Go's time.ParseDuration and systemd.time(7) write them: `90s`, `5m`, `1h30m`, `1.5h`,
 * `500ms`, `1h 30min`; a bare number is seconds (systemd). Returns ms, or undefined for anything else, zero
 * or more than MAX_TIME_SPAN_MS.
 */
export function parseTimeSpan(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return checkedSpan(Number(trimmed) * 1000);
  let rest = trimmed;
  let ms = 0;
  while (rest !== '') {
    const part = /^(\d+(?:\.\d+)?)\s*([a-z]+)\s*/i.exec(rest);
    const factor = part ? SPAN_UNITS_MS[(part[2] as string).toLowerCase()] : undefined;
    if (!part || factor === undefined) return undefined;
    ms += Number(part[1]) * factor;
    rest = rest.slice(part[0].length);
  }
  return checkedSpan(ms);
}

function checkedSpan(ms: number): number | undefined {
  const rounded = Math.round(ms);
  return rounded > 0 && rounded <= MAX_TIME_SPAN_MS ? rounded : undefined;
}

/** `1h30m`, `5m`, `1m30s`, `500ms`: the largest units that are not zero, whole seconds above one second. */
export function formatTimeSpan(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let s = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join('');
}

/** What an operator asks for: a cordon, or a drain with an optional deadline (ms from now). */
export interface CordonRequest {
  drain: boolean;
  deadlineMs?: number;
}

/**
 * The cordon after a request. A cordon never ends a drain (`uncordon` does); a drain keeps the time it
 * started, so running `drain` again follows the same drain, and a new deadline replaces the old one while no
 * deadline keeps it. Pure (`now` is the caller's clock).
 */
export function nextCordon(current: MachineCordon | undefined, request: CordonRequest, now: number): MachineCordon {
  if (!request.drain) return current ?? { since: now };
  const deadlineAt = request.deadlineMs !== undefined ? now + request.deadlineMs : current?.drain?.deadlineAt;
  return {
    since: current?.since ?? now,
    drain: { startedAt: current?.drain?.startedAt ?? now, ...(deadlineAt !== undefined ? { deadlineAt } : {}) },
  };
}

/** Whether a state needs unit counts: only a draining machine's state (draining or drained) depends on them. */
export function needsUnitCounts(machines: readonly Pick<MachineRecord, 'cordon'>[]): boolean {
  return machines.some((m) => m.cordon?.drain !== undefined);
}

/** machine id → non-global units scheduled on it (`schedule/`; global units are never scheduled there). */
export function nonGlobalUnitCounts(units: readonly Pick<UnitRecord, 'name' | 'global'>[], schedule: ReadonlyMap<string, string>): Map<string, number> {
  const global = new Set(units.filter((u) => u.global).map((u) => u.name));
  const counts = new Map<string, number>();
  for (const [unit, machineId] of schedule) {
    if (!global.has(unit)) counts.set(machineId, (counts.get(machineId) ?? 0) + 1);
  }
  return counts;
}

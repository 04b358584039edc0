/**
 * The cluster event log's retention (docs/ops.md), from FLOTILLA_EVENT_RETENTION_COUNT (entries kept) and
 * FLOTILLA_EVENT_RETENTION_AGE (`90s`, `30m`, `12h`, `7d`; a plain number is seconds). Unset keys keep the
 * registry's defaults (1000 entries, 24 h). Pure.
 */
import type { EventRetention } from '@flotilla/core';
import { DaemonConfigError } from './config-error.js';

export const RETENTION_COUNT_KEY = 'FLOTILLA_EVENT_RETENTION_COUNT';
export const RETENTION_AGE_KEY = 'FLOTILLA_EVENT_RETENTION_AGE';

const UNIT_MS: Readonly<Record<string, number>> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `<number>[s|m|h|d]` → ms; throws DaemonConfigError naming `key`. */
export function parseDurationMs(key: string, raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(raw);
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 1000) : NaN;
  if (!(ms >= 1000)) throw new DaemonConfigError(key, `expected a duration of at least 1s like 90s, 30m, 12h or 7d, got "${raw}"`);
  return Math.round(ms);
}

function parseCount(key: string, raw: string): number {
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 1) throw new DaemonConfigError(key, `expected a whole number of entries (at least 1), got "${raw}"`);
  return n;
}

/** The retention the daemon's writers use, or undefined when neither key is set (registry defaults). */
export function readEventRetention(env: NodeJS.ProcessEnv): EventRetention | undefined {
  const count = env[RETENTION_COUNT_KEY];
  const age = env[RETENTION_AGE_KEY];
  const retention: EventRetention = {};
  if (count !== undefined && count !== '') retention.maxEvents = parseCount(RETENTION_COUNT_KEY, count);
  if (age !== undefined && age !== '') retention.maxAgeMs = parseDurationMs(RETENTION_AGE_KEY, age);
  return Object.keys(retention).length > 0 ? retention : undefined;
}

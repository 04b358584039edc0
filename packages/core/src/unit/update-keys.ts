/**
 * A template's update strategy (docs/deployments.md): `[X-Flotilla]` keys named after Nomad's `update` block —
 * MaxParallel=, MinHealthyTime=, HealthyDeadline=, ProgressDeadline=, Canary=, AutoPromote=, AutoRevert=,
 * HistoryLimit=. Pure. A bad value, or a key that looks like one of these and is not (a typo, another case, an
 * `Update…` key), is a problem with the index of its option, so a file load names its line.
 */
import type { UnitOption } from '../model.js';
import { ownValue } from '../user-keys.js';

export interface UpdateStrategy {
  maxParallel: number;
  minHealthyTimeMs: number;
  healthyDeadlineMs: number;
  progressDeadlineMs: number;
  canary: number;
  autoPromote: boolean;
  autoRevert: boolean;
  historyLimit: number;
}

export const DEFAULT_UPDATE_STRATEGY: Readonly<UpdateStrategy> = Object.freeze({
  maxParallel: 1,
  minHealthyTimeMs: 10_000,
  healthyDeadlineMs: 300_000,
  progressDeadlineMs: 600_000,
  canary: 0,
  autoPromote: false,
  autoRevert: false,
  historyLimit: 10,
});

export const UPDATE_SECTION = 'X-Flotilla';
const KEYS = ['MaxParallel', 'MinHealthyTime', 'HealthyDeadline', 'ProgressDeadline', 'Canary', 'AutoPromote', 'AutoRevert', 'HistoryLimit'] as const;
type Key = (typeof KEYS)[number];
const SPAN_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

export interface StrategyProblem {
  problem: string;
  /** Index of the option at fault. */
  index: number;
}

/** The strategy the options declare (defaults for keys left out), or the first problem. */
export function updateStrategyOf(options: readonly UnitOption[]): UpdateStrategy | StrategyProblem {
  const strategy: UpdateStrategy = { ...DEFAULT_UPDATE_STRATEGY };
  for (const [index, o] of options.entries()) {
    if (o.section !== UPDATE_SECTION) continue;
    const key = (KEYS as readonly string[]).includes(o.name) ? (o.name as Key) : undefined;
    if (key === undefined) {
      const near = lookalike(o.name);
      if (near !== undefined) return { problem: `unknown update strategy key ${o.name}= (did you mean ${near}=?)`, index };
      continue;
    }
    const problem = apply(strategy, key, o.value.trim());
    if (problem !== undefined) return { problem: `${key}=${o.value.trim()}: ${problem}`, index };
  }
  return strategy;
}

export function isStrategyProblem(s: UpdateStrategy | StrategyProblem): s is StrategyProblem {
  return 'problem' in s;
}

function apply(s: UpdateStrategy, key: Key, value: string): string | undefined {
  switch (key) {
    case 'MaxParallel':
      return whole(value, 1, 1000, (n) => (s.maxParallel = n));
    case 'Canary':
      return whole(value, 0, 1000, (n) => (s.canary = n));
    case 'HistoryLimit':
      return whole(value, 1, 100, (n) => (s.historyLimit = n));
    case 'MinHealthyTime':
      return span(value, true, (ms) => (s.minHealthyTimeMs = ms));
    case 'HealthyDeadline':
      return span(value, false, (ms) => (s.healthyDeadlineMs = ms));
    case 'ProgressDeadline':
      return span(value, false, (ms) => (s.progressDeadlineMs = ms));
    case 'AutoPromote':
      return yesNo(value, (b) => (s.autoPromote = b));
    case 'AutoRevert':
      return yesNo(value, (b) => (s.autoRevert = b));
  }
}

function whole(text: string, min: number, max: number, set: (n: number) => void): string | undefined {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) return `expected a whole number from ${min} to ${max}`;
  set(n);
  return undefined;
}

/** systemd-style spans: `10` (seconds), `10s`, `500ms`, `1min`, `1m30s`. */
export function parseSpanMs(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+)\s*([a-z]*)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('').replace(/\s/g, '') !== text.replace(/\s/g, '')) return undefined;
  let ms = 0;
  for (const [, n, unit] of parts) {
    const factor = ownValue(SPAN_UNITS_MS, unit === '' ? 's' : (unit as string));
    if (factor === undefined) return undefined;
    ms += Number(n) * factor;
  }
  return ms;
}

function span(text: string, zeroOk: boolean, set: (ms: number) => void): string | undefined {
  const ms = parseSpanMs(text);
  if (ms === undefined) return 'not a time span (e.g. 500ms, 10s, 1min30s)';
  if (!zeroOk && ms === 0) return 'must be more than 0';
  set(ms);
  return undefined;
}

function yesNo(text: string, set: (b: boolean) => void): string | undefined {
  const t = text.toLowerCase();
  if (['yes', 'true', 'on', '1'].includes(t)) set(true);
  else if (['no', 'false', 'off', '0'].includes(t)) set(false);
  else return 'expected yes or no';
  return undefined;
}

/** The strategy key `name` is probably meant to be: same letters in another case, a typo (edit distance ≤ 2), a
 * key with more after it (CanaryCount=), or an `Update…` key; undefined for keys that look like none (ServiceName=,
 * Port=, HealthCheck=…). */
function lookalike(name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key of KEYS) {
    const k = key.toLowerCase();
    if (lower.startsWith(k) || distance(k, lower) <= 2) return key;
  }
  return lower.startsWith('update') ? KEYS[0] : undefined;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] as number;
}

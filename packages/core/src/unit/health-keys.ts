/**
 * The health-check keys of a unit's `[X-Flotilla]` section (docs/agent.md), parsed into one plain config:
 *   HealthCheck=http://HOST:PORT/PATH | tcp:HOST:PORT | exec:/path args
 *   HealthInterval= (10s)  HealthTimeout= (2s)  HealthRetries= (3)  HealthRestart=yes|no (yes)
 * A unit without HealthCheck= has no health checks; the other keys alone are refused. Pure.
 */
import { HealthCheckConfigError } from '../errors.js';
import type { UnitOption } from '../model.js';
import { ownValue } from '../user-keys.js';

export type HealthProbe =
  | { kind: 'http'; url: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'exec'; argv: string[] };

export interface HealthCheckConfig {
  probe: HealthProbe;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  restart: boolean;
}

export const HEALTH_SECTION = 'X-Flotilla';
const KEYS = ['HealthCheck', 'HealthInterval', 'HealthTimeout', 'HealthRetries', 'HealthRestart'] as const;
type Key = (typeof KEYS)[number];
const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** The health config of a unit, or undefined when it declares no HealthCheck=. The last value of a key wins. */
export function healthCheckConfig(unitName: string, options: readonly UnitOption[]): HealthCheckConfig | undefined {
  const values = new Map<Key, string>();
  for (const o of options) {
    if (o.section === HEALTH_SECTION && (KEYS as readonly string[]).includes(o.name)) values.set(o.name as Key, o.value.trim());
  }
  const fail = (message: string): never => {
    throw new HealthCheckConfigError(unitName, message);
  };
  const check = values.get('HealthCheck');
  if (check === undefined || check === '') {
    return values.size === 0 || check === '' ? undefined : fail('Health* keys without HealthCheck=');
  }
  return {
    probe: parseProbe(check, fail),
    intervalMs: parseSpan('HealthInterval', values.get('HealthInterval') ?? '10s', fail),
    timeoutMs: parseSpan('HealthTimeout', values.get('HealthTimeout') ?? '2s', fail),
    retries: parseRetries(values.get('HealthRetries') ?? '3', fail),
    restart: parseYesNo(values.get('HealthRestart') ?? 'yes', fail),
  };
}

function parseProbe(text: string, fail: (m: string) => never): HealthProbe {
  if (/^https?:\/\//.test(text)) {
    try {
      return { kind: 'http', url: new URL(text).toString() };
    } catch {
      return fail(`HealthCheck=${text}: not a URL`);
    }
  }
  if (text.startsWith('tcp:')) {
    const m = /^tcp:(.+):(\d{1,5})$/.exec(text);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65535) return fail(`HealthCheck=${text}: expected tcp:HOST:PORT`);
    return { kind: 'tcp', host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
  }
  if (text.startsWith('exec:')) {
    const argv = text.slice('exec:'.length).trim().split(/\s+/).filter((w) => w !== '');
    if (argv.length === 0 || !(argv[0] as string).startsWith('/')) return fail(`HealthCheck=${text}: expected exec:/absolute/path args`);
    return { kind: 'exec', argv };
  }
  return fail(`HealthCheck=${text}: expected http://…, tcp:HOST:PORT or exec:/path`);
}

/** systemd-style spans: `10`, `10s`, `500ms`, `1min`, `1m30s`. */
function parseSpan(key: string, text: string, fail: (m: string) => never): number {
  const parts = [...text.matchAll(/(\d+)\s*([a-z]*)/g)];
  const joined = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || joined.replace(/\s/g, '') !== text.replace(/\s/g, '')) return fail(`${key}=${text}: not a time span`);
  let ms = 0;
  for (const [, n, unit] of parts) {
    const factor = ownValue(UNITS_MS, unit === '' ? 's' : (unit as string)); // not Object.prototype's `constructor`
    if (factor === undefined) return fail(`${key}=${text}: unknown unit ${JSON.stringify(unit)}`);
    ms += Number(n) * factor;
  }
  return ms > 0 ? ms : fail(`${key}=${text}: must be more than 0`);
}

function parseRetries(text: string, fail: (m: string) => never): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return n >= 1 && n <= 1000 ? n : fail(`HealthRetries=${text}: expected a whole number from 1 to 1000`);
}

function parseYesNo(text: string, fail: (m: string) => never): boolean {
  if (['yes', 'true', 'on', '1'].includes(text.toLowerCase())) return true;
  if (['no', 'false', 'off', '0'].includes(text.toLowerCase())) return false;
  return fail(`HealthRestart=${text}: expected yes or no`);
}

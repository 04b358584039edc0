/**
 * The daemon's configuration, from the environment (fleet's FLEET_* style: FLOTILLA_<KEY>). Pure: takes the
 * environment and the machine's identity files as values, returns a validated config or throws naming the key.
 */
import { describeUnitsDirClash, isTxnOps, keyedRecord, TXN_OPS_RULE, unitsDirClash, type EventRetention, type RegistryLayout } from '@flotilla/core';
import { readApiConfig, type ApiConfig } from './api-config.js';
import { DaemonConfigError } from './config-error.js';
import { readDnsSettings, type DnsSettings } from './dns-config.js';
import { readEventRetention } from './retention-config.js';

export { DaemonConfigError } from './config-error.js';

export interface DaemonConfig {
  endpoints: string[];
  keyPrefix: string;
  ttlSec: number;
  /** The scheduler election's lease TTL: a killed leader is replaced after about this long (default 2 s). */
  electionTtlSec: number;
  /** A rebalancing round at most once per this quiet interval (default 30 s). */
  rebalanceIntervalMs: number;
  publicIp: string;
  metadata: Record<string, string>;
  unitsDir: string;
  /** Never run for scheduler leadership (fleet's disable_engine). */
  disableEngine: boolean;
  requestTimeoutMs: number;
  /** The etcd's --max-txn-ops (FLOTILLA_ETCD_MAX_TXN_OPS): what this node packs placement transactions to when it
   * leads; absent: etcd's default 128 (RegistryOptions.maxTxnOps). */
  etcdMaxTxnOps?: number;
  /** FLOTILLA_REGISTRY_LAYOUT: the highest registry layout this daemon says it can lead (MachineRecord.layout); 1
   * holds the cluster at layout 1, which keeps a downgrade possible (docs/registry.md, "One write per placement").
   * Absent: the newest this build knows. */
  registryLayout?: RegistryLayout;
  logLevel: string;
  /** The HTTP API's listeners, token and TLS. */
  api: ApiConfig;
  /** etcd TLS files and user/password auth. */
  etcdTls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** `passwordFile` (FLOTILLA_ETCD_PASSWORD_FILE) is read when connecting, as the TLS files are. */
  etcdAuth?: { username: string; password: string; passwordFile?: string };
  /** Cluster event log retention (FLOTILLA_EVENT_RETENTION_*); absent: the registry's defaults. */
  eventRetention?: EventRetention;
  /** What SIGTERM/SIGINT does (FLOTILLA_STOP_MODE): `auto` asks systemd (docs/agent.md, "Restart or leave"). */
  stopMode: StopModeSetting;
  /** The discovery DNS (FLOTILLA_DNS, FLOTILLA_DNS_ADDRESS, FLOTILLA_DNS_PORT; docs/discovery.md). */
  dns: DnsSettings;
}

export type StopModeSetting = 'auto' | 'leave' | 'restart';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** `k=v,k2=v2`; spaces around `=` and `,` trimmed; pairs without `=` skipped; last duplicate wins (fleet). Any
 * key is an ordinary key (`__proto__=a`, `constructor=b`): a null-prototype record (core user-keys.ts). */
export function parseMetadata(text: string): Record<string, string> {
  const out = keyedRecord<string>();
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (key) out[key] = value;
  }
  return out;
}

function positiveNumber(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/s$/, ''));
  if (!Number.isFinite(value) || value <= 0) throw new DaemonConfigError(key, `expected a positive number of seconds, got "${raw}"`);
  return value;
}

export function readDaemonConfig(env: NodeJS.ProcessEnv): DaemonConfig {
  const endpoints = (env.FLOTILLA_ENDPOINT ?? 'http://127.0.0.1:2379')
    .split(',')
    .map((e) => e.trim().replace(/^[["]+|[\]"]+$/g, ''))
    .filter(Boolean);
  for (const endpoint of endpoints) {
    if (!/^https?:\/\/[^/]+/.test(endpoint)) throw new DaemonConfigError('FLOTILLA_ENDPOINT', `"${endpoint}" is not an http(s) URL`);
  }
  return {
    endpoints,
    keyPrefix: env.FLOTILLA_ETCD_KEY_PREFIX || '/flotilla/',
    ttlSec: positiveNumber(env, 'FLOTILLA_AGENT_TTL', 10),
    electionTtlSec: positiveNumber(env, 'FLOTILLA_ELECTION_TTL', 2),
    rebalanceIntervalMs: positiveNumber(env, 'FLOTILLA_REBALANCE_INTERVAL', 30) * 1000,
    publicIp: env.FLOTILLA_PUBLIC_IP ?? '',
    metadata: parseMetadata(env.FLOTILLA_METADATA ?? ''),
    unitsDir: unitsDir(env),
    disableEngine: /^(1|true|yes|on)$/i.test(env.FLOTILLA_DISABLE_ENGINE ?? ''),
    requestTimeoutMs: positiveNumber(env, 'FLOTILLA_REQUEST_TIMEOUT', 5) * 1000,
    ...maxTxnOps(env),
    ...registryLayout(env),
    logLevel: oneOf(env, 'FLOTILLA_LOG_LEVEL', LOG_LEVELS, 'info'),
    api: readApiConfig(env),
    ...etcdSecurity(env),
    ...eventRetention(env),
    stopMode: oneOf(env, 'FLOTILLA_STOP_MODE', ['auto', 'leave', 'restart'] as const, 'auto'),
    dns: readDnsSettings(env),
  };
}

/** An absolute directory of the agent's own: it deletes the unit files there that it does not run (docs/agent.md). */
function unitsDir(env: NodeJS.ProcessEnv): string {
  const dir = env.FLOTILLA_UNITS_DIR || '/run/flotilla/units';
  if (!dir.startsWith('/')) throw new DaemonConfigError('FLOTILLA_UNITS_DIR', `"${dir}" is not an absolute path`);
  const clash = unitsDirClash(dir);
  if (clash) throw new DaemonConfigError('FLOTILLA_UNITS_DIR', describeUnitsDirClash(dir, clash));
  return dir;
}

/** FLOTILLA_ETCD_MAX_TXN_OPS (core's TXN_OPS_RULE, written in digits); unset or empty leaves etcd's default. */
function maxTxnOps(env: NodeJS.ProcessEnv): { etcdMaxTxnOps?: number } {
  const raw = env.FLOTILLA_ETCD_MAX_TXN_OPS;
  if (raw === undefined || raw === '') return {};
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !isTxnOps(value)) throw new DaemonConfigError('FLOTILLA_ETCD_MAX_TXN_OPS', `expected ${TXN_OPS_RULE}, got "${raw}"`);
  return { etcdMaxTxnOps: value };
}

/** FLOTILLA_REGISTRY_LAYOUT: 1 or 2; unset or empty: the newest. */
function registryLayout(env: NodeJS.ProcessEnv): { registryLayout?: RegistryLayout } {
  const raw = env.FLOTILLA_REGISTRY_LAYOUT;
  if (raw === undefined || raw === '') return {};
  if (raw.trim() === '1') return { registryLayout: 1 };
  if (raw.trim() === '2') return { registryLayout: 2 };
  throw new DaemonConfigError('FLOTILLA_REGISTRY_LAYOUT', `expected 1 or 2, got "${raw}"`);
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new DaemonConfigError(key, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function eventRetention(env: NodeJS.ProcessEnv): Pick<DaemonConfig, 'eventRetention'> {
  const retention = readEventRetention(env);
  return retention ? { eventRetention: retention } : {};
}

function etcdSecurity(env: NodeJS.ProcessEnv): Pick<DaemonConfig, 'etcdTls' | 'etcdAuth'> {
  const out: Pick<DaemonConfig, 'etcdTls' | 'etcdAuth'> = {};
  const tls = { caFile: env.FLOTILLA_ETCD_CA_FILE, certFile: env.FLOTILLA_ETCD_CERT_FILE, keyFile: env.FLOTILLA_ETCD_KEY_FILE };
  const given = Object.fromEntries(Object.entries(tls).filter(([, v]) => v)) as DaemonConfig['etcdTls'];
  if (given && Object.keys(given).length > 0) out.etcdTls = given;
  const passwordFile = env.FLOTILLA_ETCD_PASSWORD_FILE || undefined;
  if (passwordFile && !env.FLOTILLA_ETCD_USERNAME) throw new DaemonConfigError('FLOTILLA_ETCD_PASSWORD_FILE', 'needs FLOTILLA_ETCD_USERNAME');
  if (passwordFile && env.FLOTILLA_ETCD_PASSWORD) throw new DaemonConfigError('FLOTILLA_ETCD_PASSWORD_FILE', 'set either it or FLOTILLA_ETCD_PASSWORD, not both');
  if (env.FLOTILLA_ETCD_USERNAME) {
    out.etcdAuth = { username: env.FLOTILLA_ETCD_USERNAME, password: env.FLOTILLA_ETCD_PASSWORD ?? '', ...(passwordFile ? { passwordFile } : {}) };
  }
  return out;
}
